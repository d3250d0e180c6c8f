"""Retention on the hub reaches every copy of personal data, not only the sign-up's own columns:
a marker planted in a sign-up's name and phone, in the content of a record the hub refused, in
a visitor's cancellation digits and in a staff member's note is, once aged past its retention
and after `kiosk hub-retention`, found in no text column of any table of the hub's database
(PostgreSQL and SQLite), read with a plain driver."""
import datetime
import uuid

import httpx

from tests.helpers import creds, csrf_token, post, staff_login
from tests.records import cancel, family
from tests.sync.conftest import query, run_cli
from tests.sync.sync_helpers import hits, small_event

NAME_MARKER = "Zqvretentionmarker"        # ASCII: refused records keep JSON with \u escapes
PHONE_MARKER = "090-7319-3141"
DIGITS_MARKER = "3141"
NOTE_MARKER = "Wxnotemarker called her daughter"


def everywhere(db_url):
    """Where any of the markers is: names, phones and notes anywhere; the four digits as a whole
    value or as a JSON string (as digits they also occur inside ids and hashes)."""
    return {"name": hits(db_url, NAME_MARKER), "phone": hits(db_url, PHONE_MARKER),
            "note": hits(db_url, NOTE_MARKER), "digits": hits(db_url, DIGITS_MARKER, exact=True)
            + hits(db_url, f'"{DIGITS_MARKER}"')}


def staff_cancels(hub, uid, signup_id, reason):
    """A staff member cancels a sign-up from its session's screen on the hub, giving a reason
    (the screen keeps it in the request's history)."""
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        token = csrf_token(staff.get(f"/staff/events/{uid}").text)
        asked = staff.post(f"/staff/signups/{signup_id}/status", data={"csrf_token": token, "status": "cancelled"})
        assert 'name="reason"' in asked.text
        r = staff.post(f"/staff/signups/{signup_id}/status", data={
            "csrf_token": csrf_token(asked.text), "status": "cancelled", "confirm": "1", "reason": reason})
        assert r.status_code == 303, r.text


def ago(days):
    return datetime.datetime.utcnow() - datetime.timedelta(days=days)


def test_every_copy_of_personal_data_is_blanked_after_its_retention(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid = small_event(hub, 5)
    person = {"name": f"{NAME_MARKER} Hanako", "phone": PHONE_MARKER, "note": f"{NAME_MARKER} note"}
    kept, cancelled = (dict(family(uid), person=dict(person)) for _ in range(2))
    refused = dict(family(uid), person=dict(person), kind="party")          # bad_kind: kept for staff
    answers = post(hub, device_id, secret, {"records": [kept, cancelled, refused]})[0].json()["results"]
    assert [a["result"] for a in answers] == ["accepted", "accepted", "rejected"]
    visitor = cancel(cancelled["ref_code"], DIGITS_MARKER)
    assert post(hub, device_id, secret, {"records": [visitor]})[0].json()["results"][0]["status"] == "cancelled"
    staff_cancels(hub, uid, kept["id"], NOTE_MARKER)
    before = everywhere(hub.db_url)
    # Planted: the sign-ups' columns, the refused record, the cancellation, the history and audit.
    tables = {kind: {t for t, _c, _n in where} for kind, where in before.items()}
    assert {"hub_signup", "rejected_record"} <= tables["name"] and "hub_signup" in tables["phone"]
    assert {"request_history", "audit_log"} <= tables["note"] and "hub_cancel" in tables["digits"]

    # Within their retention nothing goes.
    run_cli(hub.db_url, "hub", "hub-retention")
    assert everywhere(hub.db_url) == before

    # Aged past every retention: the session ended 40 days ago (30), the refusal arrived 31 days
    # ago (30), the cancellation was decided 8 days ago (7).
    hub.query("UPDATE event SET starts_at = %s, ends_at = %s WHERE uid = %s", (ago(40), ago(40), uid))
    hub.query("UPDATE rejected_record SET received_at = %s", (ago(31),))
    hub.query("UPDATE hub_cancel SET applied_at = %s, received_at = %s", (ago(8), ago(8)))
    run_cli(hub.db_url, "hub", "hub-retention")
    assert everywhere(hub.db_url) == {"name": [], "phone": [], "note": [], "digits": []}
    # What staff count and audit stays: the rows, the reasons, who did what.
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 2
    assert hub.query("SELECT reason FROM rejected_record") == [("bad_kind",)]
    assert hub.query("SELECT outcome FROM hub_cancel") == [("cancelled",)]
    assert hub.query("SELECT action, to_state FROM request_history") == [("status", "cancelled")]
    assert hub.query("SELECT count(*) FROM audit_log WHERE action = 'status_cancelled'")[0][0] == 1


def test_a_cancellation_that_waits_too_long_expires_and_loses_its_digits(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid = small_event(hub, 5)
    early = cancel(family(uid)["ref_code"], DIGITS_MARKER)
    assert post(hub, device_id, secret, {"records": [early]})[0].json()["results"][0]["status"] == "pending"
    hub.query("UPDATE hub_cancel SET received_at = %s", (ago(31),))
    run_cli(hub.db_url, "hub", "hub-retention")
    assert hub.query("SELECT outcome, phone_last4 FROM hub_cancel") == [("expired", "")]
    assert hits(hub.db_url, DIGITS_MARKER, exact=True) == []
    # Its sign-up arriving now is not cancelled by blank digits.
    late = dict(family(uid, phone="090-0000-3141"), ref_code=early["ref_code"])
    assert post(hub, device_id, secret, {"records": [late]})[0].json()["results"][0]["status"] == "confirmed"


def test_marker_search_finds_a_copy_in_any_table(hub_db_url):
    """The search itself: a marker written into an unrelated text column of a hub's database
    (PostgreSQL and SQLite; no hub process needed) is found."""
    marker = f"probe-{uuid.uuid4().hex[:8]}"
    query(hub_db_url, "INSERT INTO kiosk_state (key, value) VALUES (%s, %s)", ("probe", f"x{marker}x"))
    assert hits(hub_db_url, marker) == [("kiosk_state", "value", 1)]
