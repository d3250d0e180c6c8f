"""The SQL the four busiest staff screens send, on PostgreSQL and SQLite: the desk queue, a
session's sign-ups, the overview and the attendance report each send the same statements with N
rows in the hub as with 3N (no list looks anything up row by row: names, kiosks, sites and texts
come with their list, counts are grouped), read the staff session once, and write at most one
audit line. The statements are the ones peewee logs on its 'peewee' logger (DEBUG), one record
per statement sent."""
import contextlib
import datetime
import logging
import uuid

import pytest

from kiosk import clock
from kiosk.hub.intake import ingest
from kiosk.models import Device, Event, Service, Site
from kiosk.models.catalog import utcnow
from tests.integration.hub_helpers import hub_app, in_db, login
from tests.records import attendance, demand_day, ref, signup

N = 20
DESK = ["gaikokujin-sodan", "nerries", "nihongo-kyoshitsu"]    # the desk user's programs
SESSION_SERVICE = "nihongo-kyoshitsu"                            # the session page's program
KIOSKS = {"kiosk-toyotama": "cafe-toyotama", "kiosk-hikarigaoka": "cafe-hikarigaoka"}
HOST_TOOLS = "host-tools"      # a device the hub never enrolled: attendance from the hub's own tools
# What each screen sends at most (the session read and the audit line included); a desk's
# overview also reads the sessions its refused records name, to tell which are the desk's.
MOST = {("admin", "queue"): 6, ("admin", "session"): 6, ("admin", "overview"): 10, ("admin", "report"): 6,
        ("desk", "queue"): 6, ("desk", "session"): 6, ("desk", "overview"): 11, ("desk", "report"): 6,
        ("admin", "demand"): 9, ("desk", "demand"): 9}


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_RATE="1000 per minute")

        def prepare():
            from kiosk.demo.loader import load_demo
            from kiosk.hub.desk.staff_auth import set_password
            load_demo()
            set_password("admin", "admin-pass-123")
            set_password("desk", "desk-pass-12345", role="desk", desks=DESK)
            for device_id, site in KIOSKS.items():
                Device.create(device_id=device_id, name=device_id, site_slug=site, secret="s")
        in_db(app, prepare)
        yield app


class Statements(logging.Handler):
    """The statements peewee sends while it is attached, as (sql, params)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sent = []

    def emit(self, record):
        if isinstance(record.msg, tuple):
            self.sent.append(record.msg)


@contextlib.contextmanager
def recorded():
    log = logging.getLogger("peewee")
    handler, level = Statements(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield handler.sent
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def session_uid(app):
    """A session of the desk's program in the overview's window (the next one)."""
    def find():
        now = utcnow()
        return (Event.select(Event.uid).join(Service)
                .where((Service.slug == SESSION_SERVICE) & (Event.starts_at > now)
                       & (Event.starts_at < now + datetime.timedelta(days=50)))
                .order_by(Event.starts_at).scalar())
    return in_db(app, find)


def fill(app, n, session):
    """``n`` more session sign-ups (half for ``session``, a quarter for sessions the hub does not
    know, which need attention, the rest spread over the window's sessions), n/2 call-backs and
    n/4 volunteer registrations spread over the desks, from two kiosks; n attendance records over
    the month's sessions; n/10 records the hub refuses."""
    def write():
        now = utcnow()
        events = list(Event.select(Event.uid, Service.slug).join(Service)
                      .where(Event.starts_at.between(now - datetime.timedelta(days=7), now + datetime.timedelta(days=60)))
                      .order_by(Event.starts_at).tuples())
        desks = {c: [s for (s,) in Service.select(Service.slug).where(Service.category == c).tuples()]
                 for c in ("consultation", "volunteering")}
        records = []
        for i in range(n):
            if i % 2 == 0:
                uid, service = session, SESSION_SERVICE
            elif i % 4 == 1:
                uid, service = str(uuid.uuid4()), SESSION_SERVICE
            else:
                uid, service = events[i % len(events)]
            records.append(signup(event=uid, service=service, ref_code=ref(), party={"adults": 1, "children": i % 2},
                                  person={"name": f"Person {i}", "phone": f"090-1234-{i:04d}"}))
        for i in range(n // 2):
            records.append(signup(kind="callback", event=None, service=desks["consultation"][i % len(desks["consultation"])],
                                  ref_code=ref(),
                                  language="tl", person={"name": f"Caller {i}", "phone": f"080-5555-{i:04d}",
                                                         "preferred_language": "tl", "preferred_time": "morning"}))
        for i in range(n // 4):
            records.append(signup(kind="volunteer", event=None, service=desks["volunteering"][i % len(desks["volunteering"])],
                                  ref_code=ref(),
                                  person={"name": f"Volunteer {i}", "phone": f"070-5555-{i:04d}"}))
        for i in range(n // 10):
            refused = signup(event=session, service=SESSION_SERVICE, ref_code=ref())
            refused["person"] = {"name": "Refused", "ssn": str(i)}          # a field the hub does not know
            records.append(refused)
        kiosks = list(KIOSKS)
        for k, kiosk in enumerate(kiosks):
            ingest.ingest(kiosk, records[k::len(kiosks)])
        pairs = sorted(set(Event.select(Service.slug, Site.slug).join(Service).switch(Event).join(Site).tuples()))
        today = clock.ward_today(app.config["TIMEZONE"])
        ingest.ingest(HOST_TOOLS, [attendance(service=pairs[i % len(pairs)][0], site=pairs[i % len(pairs)][1],
                                              date=today.replace(day=1 + i % today.day).isoformat(),
                                              session=str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(pairs[i % len(pairs)]))),
                                              seq=i)
                                   for i in range(n)])
        # What residents looked for: each kiosk's days of this month, words typed on many days.
        ingest.ingest(kiosks[0], [demand_day(day=today.replace(day=1 + i % today.day).isoformat(), counts=[
            {"kind": "search", "language": "en", "key": "none", "n": 1 + i},
            {"kind": "word", "language": "en", "key": f"word {i % 7}", "n": 1},
            {"kind": "need", "language": "ja", "key": "food", "n": 2},
            {"kind": "page", "language": "ja", "key": SESSION_SERVICE, "n": 3}]) for i in range(n // 10)])
    in_db(app, write)


def screens(session):
    return {"queue": "/staff/queue/callback", "session": f"/staff/events/{session}", "overview": "/staff/",
            "report": "/staff/reports/", "demand": "/staff/demand/"}


def sent_by(client, path):
    """(the statements one request for ``path`` sends, the page): all of them but the session's
    touch of its last-seen time, which falls at most once a minute in whichever request."""
    client.get(path)        # once before: what only a first request does is not counted
    with recorded() as sent:
        answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return [sql for sql, _params in sent if not sql.startswith('UPDATE "staff_session"')], answer.get_data(as_text=True)


def test_each_screen_sends_the_same_statements_with_n_rows_as_with_3n(hub):
    session = session_uid(hub)
    clients = {"admin": login(hub, "admin", "admin-pass-123"), "desk": login(hub, "desk", "desk-pass-12345")}
    sent, rows = [], []
    for added in (N, 2 * N):                 # N rows in the hub, then 3N
        fill(hub, added, session)
        sent.append({})
        shown = {}
        for who, client in clients.items():
            for screen, path in screens(session).items():
                statements, page = sent_by(client, path)
                sent[-1][who, screen] = statements
                reads = [s for s in statements if s.startswith("SELECT") and 'FROM "staff_session"' in s]
                audits = [s for s in statements if s.startswith('INSERT INTO "audit_log"')]
                assert len(reads) == 1, (who, screen, reads)
                # One audit line on each screen that shows people; the report and demand show none.
                assert len(audits) == (0 if screen in ("report", "demand") else 1), (who, screen, audits)
                assert len(statements) <= MOST[who, screen], (who, screen, len(statements), statements)
                if who == "admin":
                    shown[screen] = page.count('action="/staff/signups/') + page.count('href="/staff/requests/')
        rows.append(shown)
    # The lists were longer with 3N rows (sign-ups of the session, call-backs), so a lookup per
    # row would have shown in the counts.
    few, many = rows
    assert 0 < few["session"] < many["session"] and 0 < few["queue"] < many["queue"], rows
    few, many = sent
    for key in few:
        assert len(few[key]) == len(many[key]), (key, few[key], many[key])
