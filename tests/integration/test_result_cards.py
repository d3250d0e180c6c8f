"""Result cards rendered once and shared (kiosk.site.cards): a card served from the store is the
card rendering would give, a catalog change shows at once, and an Easy Japanese page whose card
falls back to plain Japanese keeps its note when the card comes from the store."""
from markupsafe import escape

from kiosk.catalog import bump_generation
from kiosk.db import database
from kiosk.models import Service, Translation

NOTE = 'class="plain-note"'


def cards_html(client, path):
    body = client.get(path).get_data(as_text=True)
    start = body.index('<ul class="cards">')
    return body[start:body.index("</ul>", start)], body


def test_a_stored_card_is_the_card_rendering_gives(app, client):
    first, _ = cards_html(client, "/en/services?category=gathering")
    assert first.count('class="card"') >= 2
    assert len(app.extensions["card_store"]) >= 2
    again, _ = cards_html(client, "/en/services?category=gathering&free=0")    # another page, same cards
    assert again == first
    app.extensions["card_store"].clear()
    fresh, _ = cards_html(client, "/en/services?category=gathering&audience=")
    assert fresh == first


def test_a_catalog_change_shows_on_the_next_page(app, client):
    with app.app_context(), database.connection_context():
        service = Service.select().where(Service.category == "gathering").order_by(Service.id).first()
        row = Translation.get((Translation.owner == "service") & (Translation.owner_id == service.id)
                              & (Translation.field == "name") & (Translation.language == "en"))
    before, _ = cards_html(client, "/en/services?category=gathering")
    assert str(escape(row.text)) in before
    with app.app_context(), database.connection_context():
        Translation.update(text="Renamed gathering place").where(Translation.id == row.id).execute()
        bump_generation()       # as a feed page or a catalog load does
    after, _ = cards_html(client, "/en/services?category=gathering&free=0")
    assert "Renamed gathering place" in after and str(escape(row.text)) not in after


def test_easy_japanese_keeps_its_note_with_stored_cards(app, client):
    with app.app_context(), database.connection_context():
        # A program without an Easy Japanese name or summary: its card shows the plain Japanese.
        service = Service.select().where(Service.category == "gathering").order_by(Service.id).first()
        Translation.delete().where((Translation.owner == "service") & (Translation.owner_id == service.id)
                                   & (Translation.language == "ja-easy")).execute()
        bump_generation()
    _, rendered = cards_html(client, "/ja-easy/services?category=gathering")
    assert NOTE in rendered
    _, stored = cards_html(client, "/ja-easy/services?category=gathering&free=0")   # cards from the store
    assert NOTE in stored


def card_of(html, slug):
    """One service's card in a cards list, by the link to its page."""
    start = html.index(f'/services/{slug}"')
    return html[html.rindex('<li class="card">', 0, start):html.index("</li>", start)]


def test_a_card_holds_until_the_session_it_leads_with_begins(app, client):
    """Cards outlive the minute (a kiosk visited every few minutes finds them again) but not the
    moment their session could change: once a session it chose among has begun, the card is
    made again, and no longer leads with that session."""
    from kiosk import clock
    from kiosk.models import Event
    from kiosk.models.catalog import utcnow
    from kiosk.web import formatting
    store = app.extensions["card_store"]
    first, _ = cards_html(client, "/en/services?category=gathering")
    kept = dict(store._pages)
    assert kept
    key, card = min(((k, c) for k, c in kept.items() if c.until), key=lambda kc: kc[1].until)
    with app.app_context(), database.connection_context():
        slug = Service.get_by_id(key[1]).slug
        begun = list(Event.select().join(Service).where((Service.slug == slug) & (Event.starts_at == card.until)))
    with app.test_request_context("/en/"):
        app.preprocess_request()
        begun_when = [str(formatting.when(e)) for e in begun]
    ahead = (card.until - utcnow()).total_seconds()
    assert ahead > 600, "the demo's first session is too close to try this"
    try:
        clock.set_offset(ahead - 300)           # five minutes before: the same cards, from the store
        again, _ = cards_html(client, "/en/services?category=gathering&free=0")
        assert again == first
        assert all(store._pages.get(k) is c for k, c in kept.items())
        clock.set_offset(ahead + 60)            # just after
        later, _ = cards_html(client, "/en/services?category=gathering&audience=")
    finally:
        clock.set_offset(0)
    remade = store._pages.get(key)
    assert remade is not card and (remade.until is None or remade.until > card.until)
    # Where it led with the session that began, it no longer does.
    for text in begun_when:
        if text in card.html.decode():
            assert text not in card_of(later, slug)
