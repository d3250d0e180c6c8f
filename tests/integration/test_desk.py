"""The ward's desk on PostgreSQL and SQLite: queues limited to a desk's programs, moves with
their history (and refused when someone moved first), search that folds what staff type, exports
that open in Japanese Excel and carry no formulas, the audit trail, roles, login throttling,
security events for refused kiosk requests, and retention of personal details."""
import csv
import datetime
import io
import re
import time
import uuid

import pytest

from kiosk.hub.intake import ingest, retention
from kiosk.models import AuditLog, HubSignup, RequestHistory, SecurityEvent
from kiosk.models.catalog import utcnow
from tests.helpers import staff_login
from tests.integration.hub_helpers import hub_app
from tests.records import ref, signup

DEVICE = "dev-desk"


@pytest.fixture(params=["postgresql", "sqlite"])
def desk(request, tmp_path):
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_WINDOW_SECONDS=2, STAFF_LOGIN_MAX_FAILURES=5,
                          STAFF_LOGIN_RATE="1000 per minute")
        from kiosk.db import database
        from kiosk.hub.desk.staff_auth import set_password
        with app.app_context(), database.connection_context():
            set_password("admin", "admin-pass-123")
            set_password("tagalog-desk", "desk-pass-123", role="desk", desks=["gaikokujin-sodan"])
        yield app


def db(app):
    from kiosk.db import database
    ctx = app.app_context()
    ctx.push()
    database.connect(reuse_if_open=True)
    return ctx


def callback(service="gaikokujin-sodan", **person):
    rec = signup(kind="callback", event=None, service=service, language="tl", ref_code=ref())
    rec["person"] = {"name": "Maria Dela Cruz", "phone": "080-1234-5678", "preferred_language": "tl",
                     "preferred_time": "morning", **person}
    return rec


def store(app, *records):
    ctx = db(app)
    try:
        return ingest.ingest(DEVICE, list(records))
    finally:
        ctx.pop()


def client_as(app, username, password):
    return staff_login(app.test_client(), username, password)


def test_a_desk_sees_only_its_own_programs(desk):
    mine, other = callback(), callback(service="tsunagaru-madoguchi", name="Other Desk")
    store(desk, mine, other)
    page = client_as(desk, "tagalog-desk", "desk-pass-123").get("/staff/queue/callback").get_data(as_text=True)
    assert mine["ref_code"] in page and "Other Desk" not in page
    admin = client_as(desk, "admin", "admin-pass-123").get("/staff/queue/callback").get_data(as_text=True)
    assert "Maria Dela Cruz" in admin and "Other Desk" in admin
    c = client_as(desk, "tagalog-desk", "desk-pass-123")
    assert c.get(f"/staff/requests/{other['id']}").status_code == 404
    assert c.get("/staff/kiosks").status_code == 403 and c.get("/staff/accounts").status_code == 403


def test_a_call_back_moves_through_its_states_with_history(desk):
    rec = callback()
    store(desk, rec)
    c = client_as(desk, "tagalog-desk", "desk-pass-123")
    page = c.get(f"/staff/requests/{rec['id']}").get_data(as_text=True)
    assert "080-1234-5678" in page and "Tagalog" in page and "タガログ語" in page
    for action in ("take", "unreachable", "unreachable", "called_back", "close"):
        assert c.post(f"/staff/requests/{rec['id']}/move", data={"action": action, "note": f"{action} note"}).status_code == 303
    ctx = db(desk)
    try:
        s = HubSignup.get_by_id(rec["id"])
        assert (s.desk_state, s.attempts) == ("closed", 2)
        steps = [(h.from_state, h.to_state, h.staff_name) for h in RequestHistory.select().order_by(RequestHistory.id)]
        assert steps == [("new", "in_progress", "tagalog-desk"), ("in_progress", "unreachable", "tagalog-desk"),
                         ("unreachable", "unreachable", "tagalog-desk"), ("unreachable", "called_back", "tagalog-desk"),
                         ("called_back", "closed", "tagalog-desk")]
        assert AuditLog.select().where(AuditLog.action == "view_person").count() >= 1
    finally:
        ctx.pop()
    # A move from a state the request has already left is refused, not applied twice.
    assert c.post(f"/staff/requests/{rec['id']}/move", data={"action": "take"}).status_code == 409


def test_a_request_names_the_language_for_the_call_as_the_queue_does(desk):
    """Its own name, marked as written in it, with the Japanese name beside it unless it is
    Japanese (not "日本語 (日本語)")."""
    tagalog, japanese = callback(), callback(name="山田 花子", preferred_language="ja")
    store(desk, tagalog, japanese)
    c = client_as(desk, "tagalog-desk", "desk-pass-123")
    def call_language(rec):
        page = c.get(f"/staff/requests/{rec['id']}").get_data(as_text=True)
        return re.search(r"<dd>(<span lang=.*?)</dd>", page).group(1)
    assert call_language(tagalog) == '<span lang="tl">Tagalog</span> (タガログ語)'
    assert call_language(japanese) == '<span lang="ja">日本語</span>'


def test_search_finds_what_was_typed_on_any_keyboard(desk):
    rec = callback(name="サトウ ハナコ", phone="090-2222-3333")
    store(desk, rec, callback(name="Someone Else", phone="090-9999-0000"))
    c = client_as(desk, "admin", "admin-pass-123")
    for q in ("さとう", "ｻﾄｳ", "09022223333", "０９０−２２２２", rec["ref_code"].lower()):
        page = c.get("/staff/queue/callback", query_string={"q": q}).get_data(as_text=True)
        assert rec["ref_code"] in page and "Someone Else" not in page, q


def test_exports_open_in_japanese_excel_and_carry_no_formulas(desk):
    store(desk, callback(name="=HYPERLINK(\"http://x\")", note="+1 call"), callback(name="@SUM(A1)"))
    r = client_as(desk, "admin", "admin-pass-123").get("/staff/export/callback.csv")
    raw = r.get_data()
    assert r.mimetype == "text/csv" and raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'@SUM(A1)" in cells and "'+1 call" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_two_hundred_wrong_passwords_are_throttled_then_the_owner_gets_in(desk):
    c = desk.test_client()
    started = time.monotonic()
    codes = [c.post("/staff/login", data={"username": "admin", "password": f"guess-{i}"}).status_code
             for i in range(200)]
    windows = (time.monotonic() - started) / 2 + 1
    # Five guesses per window (2 s here), whatever the pace: the rest are refused unchecked.
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert codes.count(401) <= 5 * windows and codes.count(429) >= 150
    assert c.post("/staff/login", data={"username": "admin", "password": "admin-pass-123"}).status_code == 429
    time.sleep(2.2)                       # the window (2 s here, 15 minutes by default)
    assert c.post("/staff/login", data={"username": "admin", "password": "admin-pass-123"}).status_code == 303


def test_accounts_roles_and_passwords(desk):
    admin = client_as(desk, "admin", "admin-pass-123")
    short = admin.post("/staff/accounts", data={"username": "new-desk", "role": "desk", "password": "short"})
    assert short.status_code == 422
    made = admin.post("/staff/accounts", data={"username": "new-desk", "role": "desk", "password": "long-enough-1",
                                               "desks": ["nerries"]})
    assert made.status_code == 303
    c = client_as(desk, "new-desk", "long-enough-1")
    assert c.get("/staff/queue/volunteer").status_code == 200
    assert c.post("/staff/password", data={"current": "long-enough-1", "new": "changed-pass-2",
                                            "again": "changed-pass-2"}).status_code == 200
    ctx = db(desk)
    try:
        from kiosk.models import StaffUser
        user_id = StaffUser.get(StaffUser.username == "new-desk").id
    finally:
        ctx.pop()
    assert admin.post(f"/staff/accounts/{user_id}/disable").status_code == 303
    assert c.get("/staff/queue/volunteer").status_code == 302          # its session ended
    assert desk.test_client().post("/staff/login", data={"username": "new-desk", "password": "changed-pass-2"}).status_code == 401


def test_refused_kiosk_requests_are_security_events(desk):
    c = desk.test_client()
    c.post("/api/v1/records", json={"records": []}, headers={"X-Kiosk-Protocol": "1",
                                                               "X-Kiosk-Device": str(uuid.uuid4())})
    ctx = db(desk)
    try:
        assert [e.reason for e in SecurityEvent.select()] == ["unknown_device"]
    finally:
        ctx.pop()
    page = client_as(desk, "admin", "admin-pass-123").get("/staff/audit").get_data(as_text=True)
    assert "unknown_device" in page


def test_personal_details_are_blanked_after_retention_and_counts_kept(desk):
    done, open_, fresh = callback(name="Old Closed"), callback(name="Still Open"), callback(name="Just Closed")
    store(desk, done, open_, fresh)
    ctx = db(desk)
    try:
        old = utcnow() - datetime.timedelta(days=100)
        HubSignup.update(desk_state="closed", state_changed_at=old).where(HubSignup.id == done["id"]).execute()
        HubSignup.update(desk_state="in_progress", state_changed_at=old).where(HubSignup.id == open_["id"]).execute()
        HubSignup.update(desk_state="closed", state_changed_at=utcnow()).where(HubSignup.id == fresh["id"]).execute()
        assert retention.blank_expired(90, 365, 30) == 1
        names = dict(HubSignup.select(HubSignup.id, HubSignup.name).tuples())
        assert names == {done["id"]: None, open_["id"]: "Still Open", fresh["id"]: "Just Closed"}
        assert HubSignup.get_by_id(done["id"]).phone is None and HubSignup.select().count() == 3
    finally:
        ctx.pop()


def test_overview_pages_through_the_window_and_counts_only_what_it_shows(desk, monkeypatch):
    from kiosk.hub.desk import staff
    from kiosk.models import Event
    monkeypatch.setattr(staff, "OVERVIEW_PAGE", 3)
    c = client_as(desk, "admin", "admin-pass-123")
    c.get("/language/en", query_string={"next": "/staff/"})
    first = c.get("/staff/").get_data(as_text=True)
    assert "No sign-ups yet." in first and "Call-back requests: 0 new" in first
    ctx = db(desk)
    try:
        from kiosk.demo.loader import load_demo
        load_demo()
        now = utcnow()
        window = list(Event.select().where((Event.starts_at >= now - datetime.timedelta(days=7))
                                           & (Event.starts_at < now + datetime.timedelta(days=60)))
                      .order_by(Event.starts_at, Event.uid))
    finally:
        ctx.pop()
    assert len(window) > 3
    fourth = window[3]
    rec = signup(event=fourth.uid, service=fourth.service.slug, ref_code=ref())
    store(desk, rec, callback())
    first = c.get("/staff/").get_data(as_text=True)
    sessions = first.split('<table class="events">')[1].split("</table>")[0]
    assert f"/staff/events/{window[0].uid}" in sessions and f"/staff/events/{fourth.uid}" not in sessions
    assert "Call-back requests: 1 new" in first and "No sign-ups yet." not in first
    assert 'href="/staff/?page=2"' in first
    second = c.get("/staff/?page=2").get_data(as_text=True)
    sessions = second.split('<table class="events">')[1].split("</table>")[0]
    assert f"/staff/events/{fourth.uid}" in sessions and 'href="/staff/?page=1"' in second
    row = sessions[sessions.index(f"/staff/events/{fourth.uid}"):].split("</tr>")[0]
    # Its one confirmed sign-up (for one person), counted on the page that shows it.
    assert '<td data-status="confirmed"><span class="count signups" data-num="1">1 sign-up</span>' in row
