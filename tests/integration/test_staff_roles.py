"""Staff see what their role allows and no more, on PostgreSQL and SQLite.

A desk user walks every staff page and export reachable by links from /staff/ while the hub
holds sign-ups, call-backs, volunteer registrations, sign-ups needing attention and refused
records of other programs, each with its own distinctive name, phone and email: none of them
shows anywhere, and every page that showed the desk's own people wrote one audit line. Every
CSV export neutralises a formula planted in a published name and in a visitor's name."""
import csv
import datetime
import html
import io
import json
import re
import uuid

import pytest

from kiosk.hub.intake import ingest
from kiosk.models import AuditLog, Device, Event, HubSignup, RejectedRecord, Service, Site, Translation
from kiosk.web import csvexport
from kiosk.models.catalog import utcnow
from tests.integration.hub_helpers import hub_app, in_db, login, xlsx_rows
from tests.records import attendance, ref, signup

DEVICE = "dev-roles"
OWN = ["gaikokujin-sodan", "nihongo-kyoshitsu", "nerries"]        # the desk user's programs
MAX_PAGES = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_RATE="1000 per minute")
        from kiosk.db import database
        from kiosk.demo.loader import load_demo
        from kiosk.hub.desk.staff_auth import set_password
        with app.app_context(), database.connection_context():
            load_demo()
            set_password("admin", "admin-pass-123")
            set_password("intl-desk", "intl-desk-pass-1", role="desk", desks=OWN)
            Device.create(device_id=DEVICE, name="roles", site_slug="cafe-toyotama", secret="s")
        yield app


def person(tag, n):
    """A person no page may show to the wrong desk: name, phone and email all distinctive."""
    return {"name": f"{tag}person Number{n}", "phone": f"090-7{n:03d}-{n:04d}", "email": f"{tag.lower()}-{n}@example.org"}


def markers(people):
    return [v for p in people for v in p.values()]


def window_event(app, service):
    def find():
        now = utcnow()
        ev = (Event.select().join(Service).where((Service.slug == service) & (Event.starts_at > now)
                                                  & (Event.starts_at < now + datetime.timedelta(days=50)))
              .order_by(Event.starts_at).first())
        return ev.uid
    return in_db(app, find)


def plant(app, tag, callback_service, volunteer_service, event_service, n0):
    """Sign-ups of every kind for these programs, a sign-up needing attention, and a refused
    record whose payload carries a person; returns the people planted."""
    people = [person(tag, n0 + i) for i in range(5)]
    uid = window_event(app, event_service)
    records = [
        signup(kind="callback", event=None, service=callback_service, ref_code=ref(), language="tl",
               person=dict(people[0], preferred_language="tl", preferred_time="morning")),
        signup(kind="volunteer", event=None, service=volunteer_service, ref_code=ref(), person=people[1]),
        signup(event=uid, service=event_service, ref_code=ref(), person=people[2]),
        signup(event=str(uuid.uuid4()), service=event_service, ref_code=ref(), person=people[3]),  # unknown session
    ]
    # Refused: a person field the hub does not know. The person comes first in the payload, so
    # the overview's excerpt of it shows the name.
    bad = signup(service=event_service, event=uid, ref_code=ref())
    del bad["person"]
    refused = {"person": dict(people[4], ssn="1"), **bad}
    answers = in_db(app, lambda: ingest.ingest(DEVICE, records + [refused]))
    assert [a["result"] for a in answers] == ["accepted"] * 4 + ["rejected"], answers
    return people


def plant_admin_only(app):
    """Refused records no desk may see: one naming no program, one naming a desk's program with
    a session of another program."""
    people = [person("Adminonly", 900), person("Mismatch", 901)]
    other_event = window_event(app, "machikado-care-cafe")

    def write():
        for payload in ({"person": people[0], "type": "cancel", "ref_code": "ABCD-2345"},
                        {"person": people[1], "service": "nihongo-kyoshitsu", "event": other_event}):
            RejectedRecord.create(record_id=str(uuid.uuid4()), device_id=DEVICE, reason="conflict",
                                  payload=json.dumps(payload, ensure_ascii=True))
    in_db(app, write)
    return people


def links(page):
    """Every staff link on a page (exports included), bounded to the staff screens."""
    for href in re.findall(r'href="([^"]+)"', page):
        href = html.unescape(href)
        if href.startswith("/staff") and not href.startswith("/staff/logout"):
            yield href


def crawl(app, client):
    """Visit every staff page reachable by links from /staff/; returns {url: (text, audit lines
    written while it was served)}."""
    audit_count = lambda: in_db(app, lambda: AuditLog.select().count())  # noqa: E731
    seen, queue = {}, ["/staff/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        before = audit_count()
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        if r.mimetype == XLSX:      # a workbook is read as its cells' text
            text = "\n".join(str(c.value) for row in xlsx_rows(r.get_data()) for c in row if c.value is not None)
        else:
            text = r.get_data(as_text=True)
        seen[url] = (text, audit_count() - before)
        if r.mimetype == "text/html":
            queue += [u for u in links(text) if u not in seen]
    assert len(seen) < MAX_PAGES, "the crawl did not finish"
    return seen


def test_a_desk_sees_no_other_programs_people_on_any_page_or_export(hub):
    own = plant(hub, "Own", "gaikokujin-sodan", "nerries", "nihongo-kyoshitsu", 100)
    other = plant(hub, "Other", "tsunagaru-madoguchi", "kyodo-lab", "machikado-care-cafe", 200)
    admin_only = plant_admin_only(hub)
    forbidden = markers(other + admin_only)

    # The planted people are there to be seen: an administrator's overview shows them.
    overview = login(hub, "admin", "admin-pass-123").get("/staff/").get_data(as_text=True)
    for p in (other[0], other[3], other[4], admin_only[0], admin_only[1]):
        assert p["name"] in overview, p

    pages = crawl(hub, login(hub, "intl-desk", "intl-desk-pass-1"))
    paths = {url.split("?")[0] for url in pages}
    for needed in ("/staff/", "/staff/queue/callback", "/staff/queue/volunteer", "/staff/export/callback.csv",
                   "/staff/export/volunteer.csv", "/staff/export/event.csv", "/staff/reports/",
                   "/staff/reports/attendance.csv", "/staff/export/callback.xlsx", "/staff/export/volunteer.xlsx",
                   "/staff/export/event.xlsx", "/staff/reports/attendance.xlsx", "/staff/password"):
        assert needed in paths, (needed, sorted(paths))
    assert any(p.startswith("/staff/requests/") for p in paths) and any(p.startswith("/staff/events/") for p in paths)

    showed_own = 0
    for url, (text, audited) in pages.items():
        leaked = [m for m in forbidden if m in text]
        assert not leaked, (url, leaked)
        if any(m in text for m in markers(own)):
            showed_own += 1
            assert audited == 1, (url, audited)     # one audit line per page that showed people
    # The desk's own people were shown: on the overview (each list), the queues, the request
    # and session pages and the exports.
    assert showed_own >= 8
    text = pages["/staff/"][0]
    for p in own:
        assert p["name"] in text, p


def test_other_programs_requests_sessions_and_exports_stay_closed_to_a_desk(hub):
    other = plant(hub, "Other", "tsunagaru-madoguchi", "kyodo-lab", "machikado-care-cafe", 300)
    c = login(hub, "intl-desk", "intl-desk-pass-1")
    ids = in_db(hub, lambda: [s.id for s in HubSignup.select()])
    for rid in ids:
        assert c.get(f"/staff/requests/{rid}").status_code == 404
    uid = window_event(hub, "machikado-care-cafe")
    assert c.get(f"/staff/events/{uid}").status_code == 404
    export = c.get("/staff/export/event.csv", query_string={"event": uid}).get_data(as_text=True)
    assert not [m for m in markers(other) if m in export]
    assert c.post("/staff/rejected/1/resolve").status_code == 403


def csv_cells(response):
    raw = response.get_data()
    assert response.mimetype == "text/csv" and raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return [cell for row in rows[1:] for cell in row]


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1"]


def test_every_export_neutralises_formulas_in_names(hub):
    """Formulas planted in a published service name, a site name and visitors' names come out
    of every CSV export as text."""
    uid = window_event(hub, "machikado-care-cafe")
    today = datetime.date.today().isoformat()

    def publish_formula_names():
        services = Service.select().where(Service.slug.in_(["machikado-care-cafe", "tsunagaru-madoguchi", "nerries"]))
        (Translation.update(text=FORMULAS[0])
         .where((Translation.owner == "service") & (Translation.field == "name")
                & Translation.owner_id.in_([s.id for s in services])).execute())
        site = Site.get(Site.slug == "cafe-toyotama")
        (Translation.update(text=FORMULAS[1])
         .where((Translation.owner == "site") & (Translation.field == "name") & (Translation.owner_id == site.id))
         .execute())
    in_db(hub, publish_formula_names)
    records = [signup(kind="callback", event=None, service="tsunagaru-madoguchi", ref_code=ref(),
                      person={"name": f, "phone": "090-1111-2222", "preferred_language": "ja"}) for f in FORMULAS]
    records += [signup(kind="volunteer", event=None, service="nerries", ref_code=ref(),
                       person={"name": FORMULAS[3], "phone": "090-1111-2222"}),
                signup(event=uid, service="machikado-care-cafe", ref_code=ref(),
                       person={"name": FORMULAS[2], "phone": "090-1111-2222", "note": FORMULAS[0]}),
                attendance(service="machikado-care-cafe", site="cafe-toyotama", date=today)]
    answers = in_db(hub, lambda: ingest.ingest(DEVICE, records))
    assert all(a["result"] == "accepted" for a in answers), answers

    c = login(hub, "admin", "admin-pass-123")
    # Each streamed export is read as it arrives.
    exports = {name: csv_cells(c.get(url, query_string=args)) for name, url, args in (
        ("callback", "/staff/export/callback.csv", {}), ("volunteer", "/staff/export/volunteer.csv", {}),
        ("event", "/staff/export/event.csv", {"event": uid}),
        ("attendance", "/staff/reports/attendance.csv", {"month": today[:7]}))}
    for name, cells in exports.items():
        assert "'" + FORMULAS[0] in cells, name                  # the published service name
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], name
    for formula in FORMULAS:
        assert "'" + formula in exports["callback"]               # the visitors' names
    assert "'" + FORMULAS[1] in exports["attendance"]             # the site name
    # Numbers stay numbers: a count is never turned into text. A carriage return cannot come
    # in through a record (the boundary refuses it), but would be neutralised too.
    assert "1" in exports["attendance"]
    assert csvexport.neutralise("\r=1+1") == "'\r=1+1" and csvexport.neutralise(-3) == -3
