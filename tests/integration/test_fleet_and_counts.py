"""The kiosks screen and the counts on the staff screens, on PostgreSQL and SQLite: revoking a
kiosk asks first, naming the kiosk and its site, and a request without the confirmation changes
nothing; a kiosk that enrolled but never synced is in a state of its own until its first sync,
and no kiosk shows two states that contradict each other; every count of a session says whether
it counts sign-ups or people."""
import datetime
import html
import itertools
import re
import time
import uuid

import pytest

from kiosk.hub.intake import ingest
from kiosk.models import AuditLog, Device, Event
from kiosk.models.catalog import utcnow
from kiosk.sync import protocol
from tests.integration.hub_helpers import hub_app, in_db, login
from tests.records import attendance, family

SITE = "cafe-toyotama"
# The one label of each state on the kiosks screen (kiosk.hub.intake.devices.FLEET_STATES).
STATE_LABELS = {"revoked": "Revoked", "never_seen": "Enrolled, never seen",
                "stale": "Not synced for more than 60 minutes", "failing": "Not syncing since",
                "syncing": "Syncing"}


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    """A hub with the demo catalog published, an admin and a desk account. Each request gets
    its own app context (as in production); the test's own queries go through ``in_db``."""
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_RATE="1000 per minute", FLEET_STALE_MINUTES=60)

        def prepare():
            from kiosk.demo import loader
            from kiosk.hub.desk.staff_auth import set_password
            loader.load_demo(weeks=8)
            ingest.publish_catalog(by="load-demo")
            set_password("admin", "admin-pass-123")
            set_password("desk", "desk-pass-1234", role="desk", desks=["machikado-care-cafe"])
        in_db(app, prepare)
        yield app


def text(page):
    """What a person reads of ``page``: its HTML without tags, entities decoded, spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def enrol(hub, staff, name):
    """A kiosk enrolled as at a site: staff issue a code on the kiosks screen, the kiosk
    exchanges it. Returns (device id, secret)."""
    page = staff.post("/staff/kiosks", data={"site": SITE}).get_data(as_text=True)
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>", page).group(1)
    answer = hub.test_client().post("/api/v1/enroll", json={"code": code, "name": name,
                                                            "protocol": protocol.PROTOCOL_VERSION})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["device_id"], answer.get_json()["secret"]


def sync_once(hub, device_id, secret):
    """One signed feed request, as the kiosk's sync loop makes it."""
    path = "/api/v1/feed?since=0"
    answer = hub.test_client().get(path, headers=protocol.signed_headers(device_id, secret, "GET", path, b"",
                                                                         time.time()))
    assert answer.status_code == 200, answer.get_data(as_text=True)


def fleet_rows(staff):
    """{device id prefix: (row state class, the row's text)} of the kiosks screen."""
    page = staff.get("/staff/kiosks").get_data(as_text=True)
    rows = re.findall(r'<tr class="state-([a-z_]+)[^"]*">(.*?)</tr>', page, re.S)
    return {re.search(r"<code>([0-9a-f-]{8})</code>", row).group(1): (state, text(row)) for state, row in rows}


def site_cell(staff, device_id):
    """The site of a kiosk as the kiosks screen names it."""
    page = staff.get("/staff/kiosks").get_data(as_text=True)
    row = re.search(r"<tr class=\"state-[^>]*>(?:(?!</tr>).)*<code>" + device_id[:8] + r"</code>.*?</tr>", page, re.S)
    return text(re.findall(r"<td>(.*?)</td>", row.group(0), re.S)[1])


def labels_in(row_text):
    return [state for state, label in STATE_LABELS.items()
            if re.search(r"(?<![A-Za-z])" + re.escape(label) + r"(?![A-Za-z])", row_text)]


def revoked(hub, device_id):
    return in_db(hub, lambda: Device.get(Device.device_id == device_id).revoked_at is not None)


def change_device(hub, device_id, **fields):
    in_db(hub, lambda: Device.update(**fields).where(Device.device_id == device_id).execute())


def audit_lines(hub, action):
    return in_db(hub, lambda: [(a.target, a.staff_name, a.detail)
                               for a in AuditLog.select().where(AuditLog.action == action)])


def test_revoking_a_kiosk_asks_first_naming_the_kiosk_and_its_site(hub):
    staff = login(hub, "admin", "admin-pass-123")
    device_id, _ = enrol(hub, staff, "Toyotama tablet 2")
    other_id, _ = enrol(hub, staff, "Toyotama tablet 3")
    site_name = site_cell(staff, device_id)
    list_page = staff.get("/staff/kiosks").get_data(as_text=True)
    confirm_url = f"/staff/kiosks/{device_id}/revoke"
    assert f'href="{confirm_url}"' in list_page

    # The revoke request as the old one-click button sent it: nothing changes, the step shows.
    answer = staff.post(confirm_url, data={})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(confirm_url)
    assert not revoked(hub, device_id)
    page = staff.get(confirm_url).get_data(as_text=True)
    words = text(page)
    assert "Revoke kiosk Toyotama tablet 2?" in words and device_id[:8] in words
    assert site_name and site_name in words and SITE not in words    # the site by its name
    assert f"Yes, revoke Toyotama tablet 2 at {site_name}" in words
    assert "Tick the box to confirm." not in words

    # From the step, without the box ticked, or ticked for another kiosk: nothing changes.
    answer = staff.post(confirm_url, data={"step": "confirm"})
    assert answer.status_code == 303 and "unconfirmed=1" in answer.headers["Location"]
    assert "Tick the box to confirm." in text(staff.get(answer.headers["Location"]).get_data(as_text=True))
    staff.post(confirm_url, data={"step": "confirm", "confirm": other_id})
    staff.post(confirm_url, data={"step": "confirm", "confirm": "1"})
    assert not revoked(hub, device_id) and not revoked(hub, other_id)
    assert audit_lines(hub, "revoke_kiosk") == []

    # A desk account may not revoke; unknown or impossible ids are not found.
    desk = login(hub, "desk", "desk-pass-1234")
    assert desk.post(confirm_url, data={"step": "confirm", "confirm": device_id}).status_code == 403
    assert desk.get(confirm_url).status_code == 403
    assert staff.get(f"/staff/kiosks/{uuid.uuid4()}/revoke").status_code == 404
    assert staff.post("/staff/kiosks/%00/revoke", data={"confirm": "\x00"}).status_code in (400, 404)
    assert staff.get("/staff/kiosks/" + "x" * 300 + "/revoke").status_code == 404
    assert not revoked(hub, device_id)

    # Confirmed: revoked, in the audit trail with the kiosk and its site; the other kiosk stays.
    answer = staff.post(confirm_url, data={"step": "confirm", "confirm": device_id})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/staff/kiosks")
    assert revoked(hub, device_id) and not revoked(hub, other_id)
    ((target, who, detail),) = audit_lines(hub, "revoke_kiosk")
    assert target == device_id and who == "admin" and SITE in detail
    state, row = fleet_rows(staff)[device_id[:8]]
    assert state == "revoked" and labels_in(row) == ["revoked"], row
    assert staff.get(confirm_url).status_code == 303          # nothing left to confirm


def test_a_kiosk_enrolled_but_never_synced_is_its_own_state_until_its_first_sync(hub):
    staff = login(hub, "admin", "admin-pass-123")
    device_id, secret = enrol(hub, staff, "New plaza tablet")
    # As the tester found it: enrolled 19 minutes ago, never synced.
    change_device(hub, device_id, enrolled_at=utcnow() - datetime.timedelta(minutes=19))
    state, row = fleet_rows(staff)[device_id[:8]]
    assert state == "never_seen" and labels_in(row) == ["never_seen"], row
    health = hub.test_client().get("/healthz").get_json()
    assert (health["kiosks_never_seen"], health["kiosks_stale"], health["status"]) == (1, 0, "ok")

    # Enrolled long ago and still never seen: never seen still, not "not synced for an hour".
    change_device(hub, device_id, enrolled_at=utcnow() - datetime.timedelta(days=2))
    state, row = fleet_rows(staff)[device_id[:8]]
    assert state == "never_seen" and labels_in(row) == ["never_seen"], row

    sync_once(hub, device_id, secret)
    state, row = fleet_rows(staff)[device_id[:8]]
    assert state == "syncing" and labels_in(row) == ["syncing"], row
    health = hub.test_client().get("/healthz").get_json()
    assert (health["kiosks_never_seen"], health["kiosks_stale"], health["status"]) == (0, 0, "ok")

    # Silent for two hours: stale, and no longer "syncing".
    change_device(hub, device_id, last_seen_at=utcnow() - datetime.timedelta(hours=2))
    state, row = fleet_rows(staff)[device_id[:8]]
    assert state == "stale" and labels_in(row) == ["stale"], row
    health = hub.test_client().get("/healthz").get_json()
    assert (health["kiosks_never_seen"], health["kiosks_stale"], health["status"]) == (0, 1, "degraded")


def test_no_kiosk_shows_two_states(hub):
    """Every combination of what the hub knows of a kiosk shows exactly one state, the one
    kiosk.hub.intake.devices.fleet_state names."""
    now = utcnow()
    expected = {}
    combos = itertools.product((None, now - datetime.timedelta(days=1)),                        # revoked
                               (None, now - datetime.timedelta(minutes=5), now - datetime.timedelta(hours=3)),
                               ("", "network"), (0, 2), (0, 1))            # sync error, held, PIN lockouts
    made = []
    for revoked_at, seen, error, held, lockouts in combos:
        device_id = str(uuid.uuid4())
        made.append(dict(device_id=device_id, name="combo", site_slug=SITE, secret="",
                         enrolled_at=now - datetime.timedelta(days=3), revoked_at=revoked_at, last_seen_at=seen,
                         sync_error=error, sync_error_since=now - datetime.timedelta(hours=4) if error else None,
                         held_reported=held, pin_lockouts=lockouts, pin_lockout_at=now if lockouts else None))
        expected[device_id[:8]] = ("revoked" if revoked_at else "never_seen" if seen is None
                                   else "stale" if seen < now - datetime.timedelta(hours=1)
                                   else "failing" if error else "syncing")
    in_db(hub, lambda: [Device.create(**fields) for fields in made])
    rows = fleet_rows(login(hub, "admin", "admin-pass-123"))
    assert len(rows) == len(expected) == 48
    for prefix, want in expected.items():
        state, row = rows[prefix]
        assert state == want and labels_in(row) == [want], (want, row)


def test_counts_say_whether_they_count_sign_ups_or_people(hub):
    """A session with one sign-up for three people: the overview and the session's page say
    "1 sign-up" and "3 people", not a bare 1 beside a bare 3."""
    def first_session_with_one_family():
        now = utcnow()
        ev = (Event.select().where((Event.starts_at >= now - datetime.timedelta(days=7)) & ~Event.cancelled)
              .order_by(Event.starts_at, Event.uid).first())
        Event.update(capacity=10).where(Event.id == ev.id).execute()
        return ev, ingest.ingest("dev-counts", [family(ev.uid, adults=2, children=1)])
    ev, answers = in_db(hub, first_session_with_one_family)
    assert [a["result"] for a in answers] == ["accepted"]
    staff = login(hub, "admin", "admin-pass-123")

    overview = staff.get("/staff/").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>\s*<td><a href=\"/staff/events/" + ev.uid + r"\">.*?</tr>", overview, re.S).group(0)
    cells = dict(re.findall(r'<td data-status="([a-z]+)">(.*?)</td>', row, re.S))
    assert text(cells["confirmed"]) == "1 sign-up · 3 people"
    assert text(cells["waitlisted"]) == text(cells["cancelled"]) == "—"
    assert "10 people" in text(row)                                   # the seats, as people

    page = text(staff.get(f"/staff/events/{ev.uid}").get_data(as_text=True))
    assert "Confirmed: 1 sign-up · 3 people" in page and "Seats: 10 people" in page
    assert "3 people (2 adults, 1 children)" in page                 # the sign-up's own row

    # The attendance report counts people (and sessions), and says so.
    day = datetime.date.today().isoformat()
    session = str(uuid.uuid4())
    taps = [attendance(date=day, session=session, group=group) for group in ("age_65_plus", "children")]
    assert [a["result"] for a in in_db(hub, lambda: ingest.ingest("dev-counts", taps))] == ["accepted"] * 2
    report = staff.get("/staff/reports/", query_string={"month": day[:7]}).get_data(as_text=True)
    row = re.search(r'<tr><td>[^<]*</td><td>[^<]*</td><td class="sessions">.*?</tr>', report, re.S).group(0)
    cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][2:]
    assert cells == ["1 session", "2 people", "1 person", "1 person"]      # sessions, head count, each group
