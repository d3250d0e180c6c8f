"""Stored pages answered again without Flask (kiosk.web.replay) are the pages Flask makes.

Each shared page kind, asked for again, is answered by the middleware (its ``answered`` count
says so) with the bytes Flask gives the same visitor, down to the headers; a new visitor answered
there gets a session and a CSRF token that Flask and Flask-WTF accept; every visitor gets her own
ids; anything the database, the sync loop or a POST changed reaches the next answer; a session
holding more than display preferences, and a cookie this process never checked, go to Flask.
"""
import re
import sqlite3
import time

import pytest

from kiosk import catalog, clock
from kiosk.models import Event
from tests.conftest import make_app
from tests.helpers import csrf_token, wait_for

SLUG = "machikado-care-cafe"
HX = {"HX-Request": "true"}
# The values that differ between two visitors, or two answers: tokens, visit ids, form ids.
_OWN = re.compile(r'(name="(?:csrf_token|v|submission)"[^>]*value=")[^"]*"|([?&]v=)[A-Za-z0-9_-]+')


pytestmark = pytest.mark.usefixtures("start_of_a_minute")   # tests/integration/conftest.py


def text(resp):
    return resp.get_data(as_text=True)


def answered(app):
    return app.extensions["replay"].answered


def own_values_out(page):
    return _OWN.sub(lambda m: (m.group(1) or m.group(2)) + "…", page)


def pages(db_path):
    con = sqlite3.connect(db_path)
    try:
        uid = con.execute("SELECT uid FROM event WHERE capacity > 0 AND cancelled = 0 "
                          "AND starts_at > datetime('now', '+1 hour') ORDER BY starts_at LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return ["/ja/", "/en/services", "/zh/services?category=gathering", "/ko/events", f"/tl/services/{SLUG}",
            f"/en/signup/event/{uid}", "/ja-easy/needs", "/en/needs/food"]


def headers_of(resp):
    return sorted((k, v) for k, v in resp.headers.items() if k not in ("Set-Cookie", "Content-Length"))


def kept(app, client, url):
    """(the page at ``url`` once answered here, the middleware's count of answers then): a new
    visitor, then her cookie, go to Flask; the third request is answered here."""
    for _ in range(2):
        client.get(url)
    before = answered(app)
    page = client.get(url).data
    assert answered(app) == before + 1
    return page, before + 1


def test_each_shared_page_answered_again_is_what_flask_answers(demo_db):
    app, plain = make_app(demo_db), make_app(demo_db, REPLAY=False)
    assert "replay" not in plain.extensions
    visitor = app.test_client()
    visitor.get("/en/")         # her session: a CSRF token and a visit
    for url in pages(demo_db):
        for headers in ({}, HX) if "/services?" not in url and not url.endswith("/services") else ({},):
            first = visitor.get(url, headers=headers)
            before = answered(app)
            again = visitor.get(url, headers=headers)
            assert answered(app) == before + 1, f"{url} {headers} was not answered again without Flask"
            cookie = visitor.get_cookie("session").value
            flask = plain.test_client()
            flask.set_cookie("session", cookie)
            made = flask.get(url, headers=headers)
            assert again.status_code == made.status_code == first.status_code == 200
            assert headers_of(again) == headers_of(made), url
            assert "Set-Cookie" not in again.headers
            if "signup" in url:     # each form its own one-time id: everything else the same
                assert own_values_out(text(again)) == own_values_out(text(made))
                ids = {re.search(r'name="submission"[^>]*value="([^"]+)"', text(r)).group(1)
                       for r in (first, again, made)}
                assert len(ids) == 3
            else:   # her CSRF token signed at another second by the other app: the same token
                assert own_values_out(text(again)) == own_values_out(text(made)), url
                assert again.data == first.data, url
            assert "__kiosk_hole" not in text(again)


def test_a_new_visitor_answered_without_flask_gets_a_session_flask_and_its_csrf_check_accept(demo_db):
    app = make_app(demo_db, WTF_CSRF_ENABLED=True)
    url = pages(demo_db)[5]       # a sign-up form
    app.test_client().get(url)
    she, he = app.test_client(), app.test_client()
    before = answered(app)
    page_she, page_he = text(she.get(url)), text(he.get(url))
    assert answered(app) == before + 2
    token_she, token_he = csrf_token(page_she), csrf_token(page_he)
    assert token_she != token_he and she.get_cookie("session").value != he.get_cookie("session").value
    with she.session_transaction() as session:      # opened by Flask's own session interface
        assert set(session) == {"csrf_token"}
    form = {"csrf_token": token_she, "name": "Replay Sato", "phone": "090-1111-2222", "consent": "y",
            "age_band": "65-74", "adults": "1", "children": "0",
            "submission": re.search(r'name="submission"[^>]*value="([^"]+)"', page_she).group(1)}
    assert he.post(url, data=form).status_code == 400          # her token is hers only
    sent = she.post(url, data=form)
    assert sent.status_code == 303 and "/signup/done" in sent.location
    assert "Replay Sato" not in text(app.test_client().get(url))


def test_a_visit_answered_without_flask_is_the_visitors_own(demo_db):
    app = make_app(demo_db)
    app.test_client().get("/en/")
    a, b = app.test_client(), app.test_client()
    pa, pb = text(a.get("/en/")), text(b.get("/en/"))
    va, vb = (re.search(r'name="v" value="([^"]+)"', p).group(1) for p in (pa, pb))
    assert va != vb
    with a.session_transaction() as sa:
        assert sa["visit"] == va
    assert text(a.get("/en/")).count(va) == pa.count(va)      # again, with her cookie: the same visit


def test_what_changes_reaches_the_next_answer(app, client, db_conn):
    """A sign-up written by another connection (as another process would), a sync round's board
    and a minute turning each show on the page answered next."""
    ev = Event.select().where((Event.capacity > 0) & (Event.starts_at > clock.now())).first()
    url = f"/en/services/{ev.service.slug}"
    client.get(url)     # a new visitor, then her cookie: Flask both times
    client.get(url)
    before = answered(app)
    page = text(client.get(url))
    assert answered(app) == before + 1
    con = sqlite3.connect(db_conn.database)
    with con:     # the session full, and the catalog's generation moved on, as a feed page does
        con.execute("UPDATE event SET seats_taken = capacity WHERE uid = ?", (ev.uid,))
        con.execute("UPDATE kiosk_state SET value = value || 'x' WHERE key = ?", (catalog.GENERATION_KEY,))
    con.close()
    after = text(client.get(url))
    assert after != page and answered(app) == before + 1        # Flask answered, and saw it

    from kiosk.site.status import Board
    board = Board()
    app.extensions["sync_loop"] = type("Loop", (), {"board": board, "error": "", "failing_since": None})()
    client.get(url)
    client.get(url)
    before = answered(app)
    board.update({"online": "1", "last_sync_at": "2026-12-07T09:30:00Z"})
    online = text(client.get(url))
    assert answered(app) == before and "Online" in online and "Online" not in after
    assert client.get(url).data == online.encode() and answered(app) == before + 1


def test_an_unpaired_kiosks_sync_rounds_keep_the_answers(app, client):
    """A round of the real sync loop that finds no pairing sends nothing, so the answers stay
    (each round dropped them, every 5 s)."""
    from kiosk.site.sync.client import SyncLoop
    loop = SyncLoop(app)
    app.extensions["sync_loop"] = loop
    url = "/en/services"
    # Answers are kept for their minute (the replay's stamp): three rounds must not cross one.
    second = clock.now().second
    if second > 40:
        time.sleep(61 - second)
    page, before = kept(app, client, url)
    loop.start()
    try:
        for rounds in (1, 2, 3):
            loop.wake()
            wait_for(lambda: loop.rounds >= rounds, timeout=10)
    finally:
        loop.stop()
        loop.join(10)
    assert client.get(url).data == page and answered(app) == before + 1
    assert loop.unpaired


def test_counts_of_what_residents_look_for_keep_the_answers(app, client, db_conn):
    """The counts written every second while visitors search change no page: the answers stay
    (kiosk.db.watch_changes); a write to any table a page may show is seen at once."""
    from kiosk.site import demand
    url = "/en/services"
    page, before = kept(app, client, url)
    with app.app_context():
        demand.count("page", "en", "probe")
        demand.flush()
    con = sqlite3.connect(db_conn.database)
    assert con.execute("SELECT n FROM demand_count WHERE key = 'probe'").fetchone()[0] == 1
    assert client.get(url).data == page and answered(app) == before + 1
    with con:
        con.execute("INSERT INTO kiosk_state (key, value) VALUES ('probe', '1')")
    con.close()
    assert client.get(url).data == page and answered(app) == before + 1    # Flask, which saw it


def test_a_post_in_between_goes_to_flask(app, client):
    """What a POST changes in memory (a half-typed form kept for its visitor) is never hidden by
    an answer remembered before it."""
    ev = Event.select().where((Event.capacity > 0) & (Event.starts_at > clock.now())).first()
    url = f"/en/signup/event/{ev.uid}"
    for _ in range(3):
        client.get(url)
    before = answered(app)
    assert client.post(url, data={"name": "Half Typed", "phone": "12", "consent": "y"}).status_code == 303
    assert "Half Typed" in text(client.get(url))
    assert "Half Typed" in text(client.get(url))
    assert answered(app) == before


def test_a_cookie_never_checked_here_goes_to_flask(app, client):
    for _ in range(3):
        client.get("/en/")
    genuine = client.get_cookie("session").value
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    before = answered(app)
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    page = stranger.get("/en/")
    assert answered(app) == before and page.status_code == 200
    assert stranger.get_cookie("session").value not in (forged, genuine)     # a new session of her own


def test_a_session_with_more_than_preferences_goes_to_flask(app, client):
    client.get("/en/")
    with client.session_transaction() as session:
        session["staff_token"] = "x" * 20
    client.get("/en/")
    before = answered(app)
    client.get("/en/")
    assert answered(app) == before


def test_a_search_typed_again_is_answered_here_and_counted_as_flask_counts_it(app, db_conn):
    """The same keystrokes again (a second new visitor, or the same visitor taking a letter back
    and typing it again) are answered without Flask, and counted exactly as Flask counts them:
    a new visitor's search at once, a visit's search once, when it has settled."""
    from kiosk.models import DemandCount
    from kiosk.site import demand

    def searches():
        demand.flush_settled(now=float("inf"))
        demand.flush()
        return sum(r.n for r in DemandCount.select().where(DemandCount.kind == "search"))

    url = "/en/services?q=cafe"
    first = app.test_client().get(url, headers=HX)
    before = answered(app)
    again = app.test_client().get(url, headers=HX)
    assert answered(app) == before + 1 and again.data == first.data
    assert "Set-Cookie" not in again.headers and again.headers["Vary"] == first.headers["Vary"]
    assert searches() == 2                   # two visitors without a visit: each counted at once

    she = app.test_client()
    page = text(she.get("/en/"))
    visit = re.search(r'name="v" value="([^"]+)"', page).group(1)
    for typed in ("caf", "cafe", "caf", "cafe"):       # a letter taken back and typed again
        she.get("/en/services", query_string={"q": typed, "v": visit}, headers=HX)
    assert answered(app) == before + 3
    assert searches() == 3                   # her search, once

    # With furigana (Easy Japanese's default) the fragment is rewritten on its way out: the
    # answer kept is the rewritten one.
    url = "/ja-easy/services?q=%E3%82%AB%E3%83%95%E3%82%A7"
    first = app.test_client().get(url, headers=HX)
    again = app.test_client().get(url, headers=HX)
    assert "<ruby>" in text(first) and again.data == first.data and answered(app) == before + 4


def test_another_visits_search_is_never_answered_here(app):
    """A search URL names its visit: after the idle reset (a new session) Back to it shows the
    page without its term (kiosk.site.directory.services), never the last visitor's results."""
    she = app.test_client()
    visit = re.search(r'name="v" value="([^"]+)"', text(she.get("/en/"))).group(1)
    url = f"/en/services?q=cafe&v={visit}"
    for _ in range(2):
        she.get(url, headers=HX)
    shown = she.get(url, headers=HX)
    assert shown.status_code == 200 and "card" in text(shown)
    he = app.test_client()
    he.get("/en/")
    before = answered(app)
    after_reset = he.get(url, headers=HX)
    assert answered(app) == before and after_reset.status_code == 303 and "q=" not in after_reset.location
