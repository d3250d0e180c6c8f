"""Near this kiosk first: a service's venues and each day's sessions nearest the kiosk's
own site first, with the walk to each; a result card leads with the session at the nearest venue,
and with one in the area a visitor chose when she chose one."""
import datetime
import html
import re
import uuid
import zoneinfo

import httpx
import pytest

from kiosk import vocab
from kiosk.models import Event, Service, Site, Translation
from kiosk.models.catalog import utcnow
from tests.conftest import Server

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
CAFE = "machikado-care-cafe"   # three venues: Toyotama (Nerima area), Hikarigaoka, Oizumi


def text(resp):
    return resp.get_data(as_text=True)


def plain(fragment):
    """Text without tags, each run of white space (a narrow no-break space in a time, too) one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def site_name(slug, lang="en"):
    site = Site.get(Site.slug == slug)
    return Translation.get(owner="site", owner_id=site.id, field="name", language=lang).text


def places(body):
    """[(venue name, walk text or None)] of the page's "Where" list, in order."""
    block = body.split('<ul class="places">', 1)[1].split("</ul>", 1)[0]
    out = []
    for item in block.split("<li>")[1:]:
        name = plain(re.search(r"<strong>(.*?)</strong>", item, re.S).group(1))
        walk = re.search(r'<span class="walk">(.*?)</span>', item, re.S)
        out.append((name, plain(walk.group(1)) if walk else None))
    return out


def session_uids(body):
    """Sign-up links of the page's upcoming sessions, in order."""
    block = body.split('class="event-list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"/signup/event/([0-9a-f-]{36})", block)


def card(body, slug):
    """The plain text of the result card of one service."""
    for item in body.split('<li class="card">')[1:]:
        if f'/services/{slug}"' in item:
            return plain(item.split("</li>", 1)[0])
    raise AssertionError(f"no card for {slug}")


def add_session(site, start, service=CAFE, hours=2):
    """A session of ``service`` at ``site`` starting at ``start`` (naive UTC), as the hub's feed brings one."""
    uid = str(uuid.uuid4())
    Event.create(uid=uid, service=Service.get(Service.slug == service), site=Site.get(Site.slug == site),
                 starts_at=start, ends_at=start + datetime.timedelta(hours=hours), capacity=10)
    return uid


def local(day, hhmm):
    """Naive UTC of a wall-clock time in the ward on ``day``."""
    at = datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm), TOKYO)
    return at.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def when(app, event, lang="en"):
    """How the screens write a session's date and time (the template filter itself)."""
    from kiosk.web import formatting
    with app.test_request_context(f"/{lang}/"):
        app.preprocess_request()
        return plain(formatting.when(event))


def first_session(service_slug, sites):
    return (Event.select().join(Service).switch(Event).join(Site)
            .where((Service.slug == service_slug) & Site.slug.in_(sites) & (Event.starts_at >= utcnow())
                   & (Event.cancelled == False))  # noqa: E712
            .order_by(Event.starts_at).first())


@pytest.mark.parametrize("kiosk_site, order, nearest_walk", [
    # Straight lines: Oizumi plaza to the Oizumi café 1.43 km (1.9 km of streets, 23.2 min),
    # to Hikarigaoka 3.7 km, to Toyotama 6.9 km; Nerima plaza to Toyotama 0.97 km (16 min).
    ("plaza-oizumi", ["cafe-oizumi", "cafe-hikarigaoka", "cafe-toyotama"], "About 24 min walk from here (1.9 km)"),
    ("plaza-nerima", ["cafe-toyotama", "cafe-hikarigaoka", "cafe-oizumi"], "About 16 min walk from here (1.3 km)"),
])
def test_service_page_lists_venues_nearest_first_with_the_walk(app, client, db_conn, kiosk_site, order,
                                                                nearest_walk):
    app.config["SITE_SLUG"] = kiosk_site
    listed = places(text(client.get(f"/en/services/{CAFE}")))
    assert [name for name, _ in listed] == [site_name(slug) for slug in order]
    assert listed[0][1] == nearest_walk
    for _name, walk in listed[1:]:
        assert re.fullmatch(r"About \d+(\.\d)? km from here", walk), walk   # too far to walk: the distance alone


def test_the_kiosks_own_site_says_here(app, client, db_conn):
    app.config["SITE_SLUG"] = "plaza-nerima"
    listed = dict(places(text(client.get("/en/services/kodomo-shokudo"))))
    assert listed[site_name("plaza-nerima")] == "Here, at this site"


@pytest.mark.parametrize("how", ["unknown site", "site without coordinates"])
def test_without_a_position_nothing_is_shown_and_the_order_stays(app, client, db_conn, how):
    if how == "unknown site":
        app.config["SITE_SLUG"] = "no-such-site"
    else:
        app.config["SITE_SLUG"] = "plaza-oizumi"
        Site.update(latitude=None, longitude=None).where(Site.slug == "plaza-oizumi").execute()
    body = text(client.get(f"/en/services/{CAFE}"))
    by_id = [s.slug for s in Site.select().where(Site.slug.in_(["cafe-toyotama", "cafe-hikarigaoka", "cafe-oizumi"]))
             .order_by(Site.id)]
    assert places(body) == [(site_name(slug), None) for slug in by_id]
    assert 'class="walk"' not in body and "About " not in body


def test_a_venue_without_coordinates_comes_after_the_known_ones(app, client, db_conn):
    app.config["SITE_SLUG"] = "plaza-oizumi"
    Site.update(latitude=None, longitude=None).where(Site.slug == "cafe-oizumi").execute()
    listed = places(text(client.get(f"/en/services/{CAFE}")))
    assert listed[-1] == (site_name("cafe-oizumi"), None)
    assert [name for name, _ in listed[:2]] == [site_name("cafe-hikarigaoka"), site_name("cafe-toyotama")]


def test_sessions_of_one_day_nearest_venue_first(app, client, db_conn):
    """On one day, the session a visitor can walk to leads, even when a far one starts earlier;
    the days themselves stay in date order."""
    day = (datetime.datetime.now(TOKYO) + datetime.timedelta(days=3)).date()
    far_morning = add_session("cafe-oizumi", local(day, "09:00"))
    near_afternoon = add_session("cafe-toyotama", local(day, "15:00"))

    app.config["SITE_SLUG"] = "plaza-nerima"
    body = text(client.get(f"/en/services/{CAFE}"))
    uids = session_uids(body)
    assert uids.index(near_afternoon) < uids.index(far_morning)
    starts = {e.uid: e.starts_at for e in Event.select().where(Event.uid.in_(uids))}
    days = [starts[u].replace(tzinfo=datetime.timezone.utc).astimezone(TOKYO).date() for u in uids]
    assert days == sorted(days) and day in days
    row = body.split(f"/signup/event/{near_afternoon}")[0].rsplit('<li class="event">', 1)[1]
    assert "About 16 min walk from here (1.3 km)" in plain(row)

    app.config["SITE_SLUG"] = "plaza-oizumi"
    uids = session_uids(text(client.get(f"/en/services/{CAFE}")))
    assert uids.index(far_morning) < uids.index(near_afternoon)   # from Oizumi, the Oizumi café is near


def test_card_leads_with_a_session_in_the_chosen_area(app, client, db_conn):
    """The issue: after filtering to an area, the card led with a session elsewhere."""
    app.config["SITE_SLUG"] = "plaza-nerima"
    # The soonest session of all: in an hour, or before the demo's own at the same café when that
    # one begins sooner (run in the morning, the demo's 10:00 session was the soonest).
    start = utcnow() + datetime.timedelta(hours=1)
    demo_first = first_session(CAFE, ["cafe-toyotama"])
    if demo_first is not None and demo_first.starts_at <= start:
        start = utcnow() + (demo_first.starts_at - utcnow()) / 2
    soonest = add_session("cafe-toyotama", start)
    add_session("cafe-oizumi", utcnow() + datetime.timedelta(days=10))   # one in the area, whatever the calendar

    in_oizumi = card(text(client.get("/en/services?category=gathering&area=oizumi")), CAFE)
    expected = first_session(CAFE, ["cafe-oizumi"])
    assert when(app, expected) in in_oizumi
    assert site_name("cafe-oizumi") in in_oizumi and site_name("cafe-toyotama") not in in_oizumi
    assert "About 9.8 km from here" in in_oizumi

    everywhere = card(text(client.get("/en/services?category=gathering")), CAFE)
    assert when(app, Event.get(Event.uid == soonest)) in everywhere
    assert site_name("cafe-toyotama") in everywhere and "About 16 min walk from here (1.3 km)" in everywhere


def test_card_leads_with_the_nearest_venue_over_a_sooner_far_one(app, client, db_conn):
    app.config["SITE_SLUG"] = "plaza-oizumi"
    add_session("cafe-toyotama", utcnow() + datetime.timedelta(hours=1))
    add_session("cafe-oizumi", utcnow() + datetime.timedelta(days=10))
    shown = card(text(client.get("/en/services?q=care+cafe")), CAFE)
    assert when(app, first_session(CAFE, ["cafe-oizumi"])) in shown
    assert site_name("cafe-oizumi") in shown and "About 24 min walk from here (1.9 km)" in shown

    app.config["SITE_SLUG"] = "no-such-site"   # no position: the soonest anywhere, as before
    shown = card(text(client.get("/en/services?q=care+cafe")), CAFE)
    assert when(app, first_session(CAFE, ["cafe-toyotama", "cafe-hikarigaoka", "cafe-oizumi"])) in shown
    assert "from here" not in shown and "Here, at this site" not in shown


@pytest.mark.parametrize("area", list(vocab.AREAS))
def test_every_card_in_an_area_leads_with_a_venue_there(app, client, db_conn, area):
    names = {site_name(s.slug, "ja") for s in Site.select().where(Site.area == area)}
    for query in (f"area={area}", f"area={area}&upcoming=1"):
        body = text(client.get(f"/ja/services?{query}"))
        venues = [plain(v).lstrip("📍 ").split(" · ")[0]
                  for v in re.findall(r'<span class="card-where">(.*?)</span>\s*</span>', body, re.S)]
        assert venues, f"no card shows where its next session is ({query})"
        assert set(venues) <= names, (query, venues)
        if "upcoming" in query:   # sessions soon in the area: every card has one to show
            assert len(venues) == body.count('<li class="card">'), query


def test_a_real_kiosk_at_oizumi_puts_oizumi_first(demo_db):
    """The kiosk's site comes from its settings (KIOSK_SITE_SLUG) in a real waitress server."""
    server = Server(demo_db, env={"KIOSK_SITE_SLUG": "plaza-oizumi"}).start()
    try:
        page = httpx.get(f"{server.url}/en/services/{CAFE}", timeout=10)
        fragment = httpx.get(f"{server.url}/en/services?category=gathering&area=oizumi",
                             headers={"HX-Request": "true"}, timeout=10)
    finally:
        server.stop()
    assert page.status_code == 200
    assert places(page.text)[0] == ("Machikado Care Café Oizumi", "About 24 min walk from here (1.9 km)")
    assert "Oizumi" in card(fragment.text, CAFE) and "About 24 min walk from here (1.9 km)" in card(fragment.text, CAFE)
