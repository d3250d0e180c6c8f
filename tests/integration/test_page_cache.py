"""Pages served from the page cache (kiosk.web.pagecache) are never stale and never someone else's.

A stored page shows a feed page, a sign-up, the hub's answer and each sync round as soon as they
happen; a session that has begun leaves the week's list within the minute; two visitors never
get each other's display preferences, tokens or visit; and what a visitor typed (a form shown
again, a confirmation) is never stored and never reaches the next visitor.
"""
import datetime
import re

import pytest

from kiosk import catalog, catalog_docs, clock
from kiosk.models import Event, Service, Signup, Translation
from kiosk.site.seats import local_seats_left
from kiosk.site.sync import feed_apply, outbox
from kiosk.sync import protocol
from tests.conftest import free_port, make_app
from tests.helpers import csrf_token, wait_for

SLUG = "machikado-care-cafe"
FORM = {"name": "Sato", "phone": "090-1111-2222", "consent": "y", "age_band": "65-74",
        "adults": "1", "children": "0"}


pytestmark = pytest.mark.usefixtures("start_of_a_minute")   # tests/integration/conftest.py


def text(resp):
    return resp.get_data(as_text=True)


def stored(app):
    return app.extensions["page_cache"]


def footer(page):
    found = re.search(r'<div id="sync-status".*?</div>', page, re.S)
    assert found, "no sync indicator on the page"
    return " ".join(found.group(0).split())


def apply_feed(*entries):
    """Entries as the hub's feed sends them, applied as the sync loop applies a page."""
    seq = feed_apply.cursor()
    feed_apply.apply_page([dict(e, seq=seq + i + 1, deleted=False) for i, e in enumerate(entries)])


def event_entry(ev, **change):
    data = {"uid": ev.uid, "service": ev.service.slug, "site": ev.site.slug,
            "starts_at": protocol.format_time(ev.starts_at), "ends_at": protocol.format_time(ev.ends_at),
            "capacity": ev.capacity, "seats_taken": ev.seats_taken, "cancelled": ev.cancelled}
    data.update(change)
    return {"kind": "event", "key": ev.uid, "data": data}


def test_a_feed_page_shows_at_once_on_the_pages_stored_before_it(app, client, db_conn):
    svc = Service.get(Service.slug == SLUG)
    old = Translation.get(owner="service", owner_id=svc.id, field="name", language="en").text
    pages = {f"/en/services/{SLUG}": "<h1>{}</h1>", f"/en/services?category={svc.category}": '<span class="card-name">{}</span>'}
    for url, shape in pages.items():
        assert shape.format(old) in text(client.get(url))
    count = len(stored(app))
    assert count >= 2
    for url, shape in pages.items():    # served from the store: nothing new rendered
        assert shape.format(old) in text(client.get(url))
    assert len(stored(app)) == count

    doc = catalog_docs.live_document("service", SLUG)
    doc["text"]["en"]["name"] = "Corner Café, renamed by the ward"
    apply_feed({"kind": "service", "key": SLUG, "data": doc})
    for url, shape in pages.items():
        page = text(client.get(url))
        assert shape.format("Corner Café, renamed by the ward") in page and shape.format(old) not in page


def test_seats_left_follow_every_sign_up_and_every_answer_of_the_hub(app, client, db_conn):
    soon = clock.now() + datetime.timedelta(hours=2)
    ev = (Event.select().where((Event.capacity > 0) & (Event.cancelled == False)  # noqa: E712
                               & (Event.starts_at > soon)
                               & (Event.starts_at < soon + datetime.timedelta(days=5)))
          .order_by(Event.starts_at).first())
    apply_feed(event_entry(ev, capacity=37, seats_taken=0))
    ev = Event.get(Event.uid == ev.uid)
    urls = [f"/en/services/{ev.service.slug}", "/en/events", f"/en/signup/event/{ev.uid}"]

    def shown(seats):
        for url in urls:
            page = text(client.get(url))
            assert f"{seats} seats left" in page, (url, seats)
            assert f"{seats + 1} seats left" not in page and f"{seats - 1} seats left" not in page, url

    shown(37)
    shown(37)                     # again, from the store
    assert client.post(f"/en/signup/event/{ev.uid}", data=FORM).status_code == 303
    shown(36)                     # this kiosk's own sign-up counts at once

    # The hub confirms it (a status needs no new catalog generation): the seat is no longer
    # this kiosk's to count, and the pages say what the database says now ...
    signup = Signup.get()
    apply_feed({"kind": "status", "key": signup.id,
                "data": {"id": signup.id, "ref_code": signup.ref_code, "event": ev.uid,
                         "service": ev.service.slug, "status": "confirmed", "reason": ""}})
    assert local_seats_left(Event.get(Event.uid == ev.uid)) == 37
    shown(37)
    # ... until the hub's own count arrives with the session.
    apply_feed(event_entry(ev, capacity=37, seats_taken=1))
    shown(36)


def test_the_online_indicator_changes_on_a_stored_page_without_a_catalog_change(app, client, db_conn):
    url = f"/en/services/{SLUG}"
    generation = catalog.generation()
    assert "Offline" in footer(text(client.get(url))) and "Not synced yet" in footer(text(client.get(url)))
    outbox.set_state(online="1", last_sync_at=protocol.format_time(clock.now()))
    shown = footer(text(client.get(url)))
    assert "Online" in shown and "Last synced" in shown and "Not synced yet" not in shown
    outbox.set_state(online="0")
    assert "Offline" in footer(text(client.get(url)))
    assert catalog.generation() == generation


def test_the_sync_loop_tells_stored_pages_what_it_knows_as_it_happens(demo_db, tmp_path):
    """A real sync loop, paired with a hub that is not there: the stored page's footer says so
    as soon as the loop does, and a sign-up shows as waiting at once."""
    from kiosk.db import database
    from kiosk.models import KioskState
    from kiosk.site.sync.client import start_loop
    app = make_app(demo_db, SYNC_INTERVAL_SECONDS=0.2, SYNC_MAX_BACKOFF_SECONDS=0.5, SYNC_TIMEOUT_SECONDS=1)
    client = app.test_client()
    url = f"/en/services/{SLUG}"
    with app.app_context(), database.connection_context():
        closed = free_port()     # nothing listens there: the hub cannot be reached
        for key, value in (("hub_url", f"http://127.0.0.1:{closed}"), ("device_id", "kiosk-under-test"),
                           ("device_secret", "s" * 32)):
            KioskState.set_value(key, value)
    assert "Not synced yet" in footer(text(client.get(url)))
    loop = start_loop(app)
    try:
        page = wait_for(lambda: (lambda p: p if "Not syncing since" in footer(p) else None)(text(client.get(url))),
                        timeout=20, what="the footer to say the kiosk cannot sync")
        assert 'class="status failing"' in footer(page)
        with app.app_context(), database.connection_context():
            ev = Event.select().where((Event.capacity > 0) & (Event.starts_at > clock.now())).first()
        assert client.post(f"/en/signup/event/{ev.uid}", data=FORM).status_code == 303
        assert "1 record waiting to be sent" in footer(text(client.get(url)))
        assert len(stored(app)) >= 1
    finally:
        loop.stop()
        loop.join(10)


def test_two_visitors_never_get_each_others_preferences_tokens_or_visit(demo_db):
    app = make_app(demo_db, WTF_CSRF_ENABLED=True)
    assert app.jinja_env.auto_reload is False     # templates are compiled once, outside debug
    a, b = app.test_client(), app.test_client()
    token = csrf_token(text(a.get("/en/")))
    for choice in ({"size": "2"}, {"contrast": "1"}):
        assert a.post("/prefs", data={"csrf_token": token, "next": "/en/", **choice}).status_code == 303
    assert a.post("/prefs", data={"csrf_token": token, "next": "/ja/", "furigana": "1"}).status_code == 303
    for _ in range(2):            # rendered for each of them, then from the store
        pa, pb = text(a.get("/en/")), text(b.get("/en/"))
        assert '<html lang="en" class="size-2 contrast">' in pa and '<html lang="en" class="size-0">' in pb
        ta, tb = csrf_token(pa), csrf_token(pb)
        va, vb = (re.search(r'name="v" value="([^"]+)"', p).group(1) for p in (pa, pb))
        assert ta != tb and va != vb
        with a.session_transaction() as sa, b.session_transaction() as sb:
            assert (va, vb) == (sa["visit"], sb["visit"])
        ja_a, ja_b = text(a.get("/ja/")), text(b.get("/ja/"))
        assert "<ruby>" in ja_a and "<ruby>" not in ja_b
        assert "__kiosk_hole" not in pa + pb + ja_a + ja_b
    assert len(stored(app)) == 4      # her two pages and his, each stored once, served twice
    # Each token is its own visitor's: it works for her and for no one else.
    assert b.post("/prefs", data={"csrf_token": ta, "size": "1", "next": "/en/"}).status_code == 400
    assert a.post("/prefs", data={"csrf_token": ta, "size": "0", "next": "/en/"}).status_code == 303
    assert '<html lang="en" class="size-0 contrast">' in text(a.get("/en/"))


def test_a_fragment_and_a_full_page_are_stored_apart(client):
    fragment = text(client.get("/en/events", headers={"HX-Request": "true"}))
    full = text(client.get("/en/events"))
    assert "<html" not in fragment and "event-list" in fragment
    assert full.startswith("<!doctype html>") and "event-list" in full
    assert "<html" not in text(client.get("/en/events", headers={"HX-Request": "true"}))


def test_a_session_that_has_begun_leaves_the_stored_week_within_the_minute(client):
    def rows():
        return re.findall(r'<span class="event-when">(.*?)</span>\s*<span class="event-name">(.*?)</span>',
                          text(client.get("/en/events")), re.S)
    before = rows()
    assert before and rows() == before
    from kiosk.db import database
    with client.application.app_context(), database.connection_context():
        first = (Event.select().where((Event.starts_at >= clock.now()) & (Event.cancelled == False))  # noqa: E712
                 .order_by(Event.starts_at).first())
    clock.set_offset((first.starts_at - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
                     .total_seconds() + 61)
    after = rows()
    assert after and after[0] != before[0]


def test_what_a_visitor_typed_is_never_stored_nor_shown_to_the_next_one(app, client, db_conn):
    ev = Event.select().where((Event.capacity > 0) & (Event.starts_at > clock.now())).first()
    url = f"/en/signup/event/{ev.uid}"
    assert "Unique Yamada" not in text(client.get(url))       # the empty form, stored
    r = client.post(url, data=dict(FORM, name="Unique Yamada", phone="12"))
    assert r.status_code == 303 and r.location.endswith(url)
    again = client.get(url)
    assert "Unique Yamada" in text(again) and again.headers["Cache-Control"] == "no-store"
    assert "Unique Yamada" not in text(app.test_client().get(url))    # the next visitor
    assert client.post(url, data=dict(FORM, name="Unique Yamada")).status_code == 303
    done = client.get("/en/signup/done")
    code = Signup.get().ref_code
    assert code in text(done) and done.headers["Cache-Control"] == "no-store"
    everything = "".join(stored(app).texts())
    assert "Unique Yamada" not in everything and code not in everything
    assert "090-1111-2222" not in everything
    # Every page, stored or not, stays out of the browser's cache on a shared tablet.
    for page in (f"/en/services/{ev.service.slug}", "/en/", "/en/events"):
        assert client.get(page).headers["Cache-Control"] == "no-store"


def test_the_indicator_refreshes_in_the_pages_language(client):
    page = text(client.get("/ko/"))
    assert 'hx-get="/ko/sync-status"' in page
    assert footer(text(client.get("/ko/sync-status"))) == footer(page)
    assert "Offline" in footer(text(client.get("/en/sync-status")))


def test_a_cookie_is_trusted_only_as_signed_whatever_was_seen_before(app, client):
    """Cookies are checked once and remembered (kiosk.web.sessions): one signed by Flask's own
    serializer opens as before, and one changed by hand opens nothing, even right after the
    genuine one was seen."""
    from flask.sessions import SecureCookieSessionInterface
    made_by_flask = SecureCookieSessionInterface().get_signing_serializer(app)
    genuine = made_by_flask.dumps({"size": 2, "contrast": True, "lang": "en" * 200})
    assert genuine.startswith(".")       # compressed, as Flask signs a long payload
    for _ in range(2):
        client.set_cookie("session", genuine)
        assert '<html lang="en" class="size-2 contrast">' in text(client.get("/en/"))
    forged = genuine[:10] + ("A" if genuine[10] != "A" else "B") + genuine[11:]     # in the payload
    client.set_cookie("session", forged)
    assert '<html lang="en" class="size-0">' in text(client.get("/en/"))
