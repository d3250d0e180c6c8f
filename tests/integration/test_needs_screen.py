"""The "What do you need?" screens through Flask's test client: every need in every language,
the two choices ("Who is it for?", "How would you like help?") alone and together, nearest
first, an unknown need, and what a visitor reads when nothing matches."""
import gettext
import re

import pytest

from kiosk import vocab
from tests.conftest import ROOT

LANGS = ("ja", "en", "zh", "ko", "tl", "ja-easy")
CATALOGS = {"ja": ("ja", "messages"), "en": ("en", "messages"), "zh": ("zh_Hans", "messages"),
            "ko": ("ko", "messages"), "tl": ("fil", "messages"), "ja-easy": ("ja", "easy")}


def tr(lang, msgid):
    """A UI string as the compiled catalog of ``lang`` has it (the msgid where it has none),
    without its spaces (text_of)."""
    locale, domain = CATALOGS[lang]
    return re.sub(r"\s", "", gettext.translation(domain, str(ROOT / "translations"), [locale]).gettext(msgid))


def text_of(html):
    """The page's <main> as a person reads it, without spaces: furigana readings dropped, tags
    gone, entities read. Spaces are dropped as furigana cuts Easy Japanese at every word with
    kanji, and the page's own spaces between words then fall elsewhere than the catalog's."""
    import html as html_module
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"<rp[^>]*>.*?</rp>|<rt[^>]*>.*?</rt>", "", main, flags=re.S)
    return re.sub(r"\s", "", html_module.unescape(re.sub(r"<[^>]+>", " ", main)))


def cards(html, lang):
    """The slugs of the result cards, in their order."""
    section = html[html.index('class="results need-results"'):]
    return re.findall(rf'class="card-link" href="/{re.escape(lang)}/services/([\w-]+)"', section)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_home_screen_leads_to_the_needs_before_the_category_tiles(client):
    html = page(client, "/en/")
    assert 'href="/en/needs"' in html
    assert html.index('href="/en/needs"') < html.index('class="tiles categories"')
    assert "Whatdoyouneed?" in text_of(html)


@pytest.mark.parametrize("lang", LANGS)
def test_every_need_renders_in_every_language(client, lang):
    grid = page(client, f"/{lang}/needs")
    assert tr(lang, "What do you need?") in text_of(grid)
    for need in vocab.NEEDS:
        assert f'href="/{lang}/needs/{need}"' in grid
        html = page(client, f"/{lang}/needs/{need}")
        text = text_of(html)
        assert tr(lang, "Who is it for?") in text and tr(lang, "How would you like help?") in text
        found = cards(html, lang)
        assert found or tr(lang, "There is no service for this in the guide yet.") in text, need
        assert len(found) <= 8, (need, found)


def test_a_need_shows_the_services_tagged_with_it(client):
    assert cards(page(client, "/en/needs/food"), "en") == ["kodomo-shokudo"]
    assert "nihongo-kyoshitsu" in cards(page(client, "/en/needs/japanese"), "en")


def test_who_keeps_services_for_everyone(client):
    """Food for an older person: the children's cafeteria is for everyone too, so it stays."""
    assert cards(page(client, "/en/needs/food?who=elderly"), "en") == ["kodomo-shokudo"]
    children = cards(page(client, "/en/needs/children?who=foreign"), "en")
    assert "gaikokujin-sodan" in children and "kodomo-shokudo" in children
    assert "nerima-kodomo-cafe" not in children      # for children only, not for foreign residents


def test_how_narrows_by_the_way_of_help(client):
    children = set(cards(page(client, "/en/needs/children"), "en"))
    visit = set(cards(page(client, "/en/needs/children?how=visit"), "en"))
    talk = set(cards(page(client, "/en/needs/children?how=talk"), "en"))
    call = set(cards(page(client, "/en/needs/children?how=call"), "en"))
    assert visit < children and talk < children and call <= talk
    assert "minsei-jido-iin" not in visit          # no place and no session to go to
    assert "kodomo-shokudo" in visit and "kodomo-shokudo" not in talk
    assert {"gaikokujin-sodan", "minsei-jido-iin"} <= call


def test_the_choices_combine_and_each_keeps_the_other(client):
    html = page(client, "/en/needs/children?who=foreign&how=talk")
    assert set(cards(html, "en")) == {"gaikokujin-sodan", "minsei-jido-iin"}
    # Changing one choice keeps the other; "any" drops only its own.
    assert 'href="/en/needs/children?who=elderly&amp;how=talk"' in html
    assert 'href="/en/needs/children?who=foreign&amp;how=visit"' in html
    assert 'href="/en/needs/children?how=talk"' in html
    assert 'href="/en/needs/children?who=foreign"' in html
    current = re.findall(r'<a class="choice" href="([^"]+)" aria-current="true"', html)
    assert current == ["/en/needs/children?who=foreign&amp;how=talk"] * 2
    # The language menu keeps both choices.
    assert re.search(r'href="/ja/needs/children\?(who=foreign&amp;how=talk|how=talk&amp;who=foreign)"', html)


def test_values_from_outside_the_vocabulary_are_no_choice(client):
    assert cards(page(client, "/en/needs/food?who=everyone&how=fly"), "en") == ["kodomo-shokudo"]
    assert cards(page(client, "/en/needs/food?who=<script>"), "en") == ["kodomo-shokudo"]


def test_sessions_nearest_the_kiosk_come_first(app, db_conn):
    """Of the services with a session to come, the one whose session is nearest this kiosk's
    site first; those with none after them; each group by name."""
    from kiosk import catalog
    from kiosk.models import Site
    here = Site.get(Site.slug == app.config["SITE_SLUG"])
    with app.test_request_context("/en/"):
        views = catalog.nearest_services(catalog.need_services("loneliness"), "en", here=here)
    with_session = [v for v in views if v.next_event]
    assert with_session and views[:len(with_session)] == with_session
    distances = catalog.site_distances(here, {v.next_event.event.site_id for v in with_session})
    order = [distances[v.next_event.event.site_id] for v in with_session]
    assert order == sorted(order)
    rest = [str(v.name).casefold() for v in views[len(with_session):]]
    assert rest == sorted(rest)


def test_the_page_shows_the_cards_in_that_order(client, app, db_conn):
    from kiosk import catalog
    from kiosk.models import Site
    here = Site.get(Site.slug == app.config["SITE_SLUG"])
    with app.test_request_context("/en/"):
        views = catalog.nearest_services(catalog.need_services("elder-care"), "en", here=here)
    assert cards(page(client, "/en/needs/elder-care"), "en") == [v.slug for v in views][:8]


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_need_is_a_translated_404(client, lang):
    response = client.get(f"/{lang}/needs/unicorns")
    assert response.status_code == 404
    assert tr(lang, "Page not found") in text_of(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", LANGS)
def test_no_match_after_the_choices_says_so_and_offers_a_way_out(client, lang):
    html = page(client, f"/{lang}/needs/food?how=call")
    text = text_of(html)
    assert cards(html, lang) == []
    assert tr(lang, "No service matches all of these choices.") in text
    assert f'href="/{lang}/needs/food"' in html                      # the choices removed
    assert tr(lang, "Show everything for this need") in text
    desk = re.search(rf'href="/{re.escape(lang)}/signup/callback/([\w-]+)"', html)
    assert desk and tr(lang, "Ask for a call-back") in text
    assert client.get(f"/{lang}/signup/callback/{desk.group(1)}").status_code == 200


def test_a_need_no_service_answers_says_so_plainly(client, db_conn):
    from kiosk.models import ServiceNeed
    ServiceNeed.delete().where(ServiceNeed.need == "housing").execute()
    html = page(client, "/en/needs/housing")
    text = text_of(html)
    assert cards(html, "en") == []
    assert tr("en", "There is no service for this in the guide yet.") in text
    assert tr("en", "No service matches all of these choices.") not in text      # nothing was chosen
    assert re.search(r'href="/en/signup/callback/[\w-]+"', html)


def test_more_than_a_few_results_show_the_nearest_few_then_the_rest_on_request(client):
    first = page(client, "/en/needs/volunteering")
    shown = cards(first, "en")
    assert len(shown) == 8
    more = re.search(r'href="(/en/needs/volunteering\?more=1)"', first)
    assert more
    everything = cards(page(client, more.group(1)), "en")
    assert everything[:8] == shown and len(everything) > 8
    assert tr("en", "Show %(num)d more") % {"num": len(everything) - 8} in text_of(first)
