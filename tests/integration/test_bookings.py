"""Every change of a hub sign-up's status goes through kiosk.hub.bookings, on PostgreSQL and
SQLite: staff, a visitor's cancellation (also one that waited for its sign-up), a session
cancelled by staff, by the catalog screen or by a changed schedule, and the waiting list moving
up. Each leaves the status with its reason, a feed entry for the kiosks and an audit line naming
the cause; cancelling a confirmed seat moves the next waiting party up. A reading of the code
holds that no other module writes a sign-up's status."""
import ast
import pathlib

import pytest

from kiosk import catalog_docs
from kiosk.hub.catalog import admin as catalog_admin
from kiosk.hub.intake import ingest
from kiosk.models import AuditLog, Event, Feed, HubSignup
from tests.helpers import staff_login
from tests.integration.hub_helpers import demo_hub
from tests.records import cancel, family

TZ = "Asia/Tokyo"
DEVICE = "dev-bookings"
PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "kiosk"


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with demo_hub(request.param, tmp_path, "admin", "admin-pass-123", tz=TZ) as app:
        yield app


def staff(app):
    return staff_login(app.test_client(), "admin", "admin-pass-123")


def session(capacity, scheduled=False):
    """A future session of the demo catalog with ``capacity`` seats and none taken."""
    query = Event.select().where((Event.capacity > 0) & (Event.cancelled == False))  # noqa: E712
    if scheduled:
        query = query.where(Event.schedule_uid.is_null(False))
    event = query.order_by(Event.starts_at.desc()).first()
    Event.update(capacity=capacity, seats_taken=0).where(Event.id == event.id).execute()
    return event.uid


def sign_up(uid, *parties):
    """Sign-ups for session ``uid``, one per (adults, children) party, in this arrival order."""
    records = [dict(family(uid, adults, children), service=Event.get(Event.uid == uid).service.slug)
               for adults, children in parties]
    answers = ingest.ingest(DEVICE, records)
    assert [a["result"] for a in answers] == ["accepted"] * len(records), answers
    return records


def last_seq():
    return Feed.select().order_by(Feed.seq.desc()).first().seq


def state(record):
    s = HubSignup.get_by_id(record["id"])
    return s.status, s.reason


def told(record, since):
    """True when the kiosks were told of this sign-up after feed position ``since``."""
    return Feed.select().where((Feed.seq > since) & (Feed.kind == "status") & (Feed.key == record["id"])).exists()


def audited(record):
    """[(action, staff name, detail)] of the audit lines about this sign-up, oldest first."""
    return [(a.action, a.staff_name, a.detail) for a in
            AuditLog.select().where(AuditLog.target == record["ref_code"]).order_by(AuditLog.id)]


def seats_taken(uid):
    return Event.get(Event.uid == uid).seats_taken


def test_staff_cancel_a_confirmed_seat_and_the_next_party_moves_up(hub):
    uid = session(2)
    first, second, third = sign_up(uid, (2, 0), (1, 1), (1, 0))
    assert [state(r)[0] for r in (first, second, third)] == ["confirmed", "waitlisted", "waitlisted"]
    since = last_seq()
    c = staff(hub)
    r = c.post(f"/staff/signups/{first['id']}/status",
               data={"status": "cancelled", "confirm": "1", "reason": "Asked by phone"})
    assert r.status_code == 303
    assert state(first) == ("cancelled", "staff") and told(first, since)
    assert audited(first) == [("status_cancelled", "admin", "confirmed -> cancelled: Asked by phone")]
    # The next party fits (2 seats) and moves up; the one after it waits (no seat left).
    assert state(second) == ("confirmed", "promoted") and told(second, since)
    assert audited(second) == [("promoted", "", "waitlisted -> confirmed")]
    assert state(third) == ("waitlisted", "full") and not told(third, since) and audited(third) == []
    assert seats_taken(uid) == 2
    assert Feed.select().where((Feed.seq > since) & (Feed.kind == "event") & (Feed.key == uid)).exists()


def test_staff_confirm_and_waitlist_are_audited_and_told(hub):
    uid = session(1)
    first, second = sign_up(uid, (1, 0), (1, 0))
    since = last_seq()
    c = staff(hub)
    assert c.post(f"/staff/signups/{second['id']}/status", data={"status": "confirmed"}).status_code == 303
    assert state(second) == ("confirmed", "staff") and told(second, since)
    assert audited(second) == [("status_confirmed", "admin", "waitlisted -> confirmed")]
    assert seats_taken(uid) == 2   # staff may seat more than the capacity
    assert c.post(f"/staff/signups/{first['id']}/status", data={"status": "waitlisted"}).status_code == 303
    # Put back on the waiting list by staff: not moved up again by the seat it freed.
    assert state(first) == ("waitlisted", "staff") and seats_taken(uid) == 1
    assert audited(first) == [("status_waitlisted", "admin", "confirmed -> waitlisted")]


def test_a_visitors_cancellation_frees_her_seat_for_the_waiting_list(hub):
    uid = session(1)
    first, second = sign_up(uid, (1, 0), (1, 0))
    since = last_seq()
    answer = ingest.ingest(DEVICE, [cancel(first["ref_code"], "2222")])[0]
    assert answer["status"] == "cancelled"
    assert state(first) == ("cancelled", "visitor") and told(first, since)
    assert audited(first) == [("visitor_cancel", "", "confirmed -> cancelled")]
    assert state(second) == ("confirmed", "promoted") and told(second, since)
    assert audited(second) == [("promoted", "", "waitlisted -> confirmed")]
    assert seats_taken(uid) == 1
    # Wrong digits change nothing and write no line.
    assert ingest.ingest(DEVICE, [cancel(second["ref_code"], "0000")])[0]["status"] == "mismatch"
    assert state(second) == ("confirmed", "promoted") and len(audited(second)) == 1


def test_a_cancellation_that_waited_for_its_sign_up_is_audited_too(hub):
    uid = session(5)
    early = dict(family(uid), service=Event.get(Event.uid == uid).service.slug)
    assert ingest.ingest(DEVICE, [cancel(early["ref_code"], "2222")])[0]["status"] == "pending"
    since = last_seq()
    assert ingest.ingest(DEVICE, [early])[0]["status"] == "cancelled"
    assert state(early) == ("cancelled", "visitor") and told(early, since)
    assert audited(early) == [("visitor_cancel", "", "arrival -> cancelled")]
    assert seats_taken(uid) == 0


def test_staff_cancel_a_session_from_its_sign_up_screen(hub):
    uid = session(1)
    first, second = sign_up(uid, (1, 0), (1, 0))
    already = sign_up(uid, (1, 0))[0]
    ingest.ingest(DEVICE, [cancel(already["ref_code"], "2222")])
    since = last_seq()
    assert staff(hub).post(f"/staff/events/{uid}/cancel").status_code == 303
    event = Event.get(Event.uid == uid)
    assert event.cancelled and event.change_reason == "other"
    for record, was in ((first, "confirmed"), (second, "waitlisted")):
        assert state(record) == ("cancelled", "event_cancelled") and told(record, since)
        assert audited(record) == [("session_cancel", "admin", f"{was} -> cancelled: {uid} other")]
    # Nobody moves up into a cancelled session; one cancelled before is left as it was.
    assert state(already) == ("cancelled", "visitor") and not told(already, since)


def test_a_date_cancelled_in_the_catalog_screen(hub):
    uid = session(5, scheduled=True)
    record = sign_up(uid, (1, 0))[0]
    since = last_seq()
    r = staff(hub).post(f"/staff/catalog/sessions/{uid}", data={"action": "cancel", "reason": "weather", "confirm": "1"})
    assert r.status_code == 303
    event = Event.get(Event.uid == uid)
    assert event.cancelled and event.change_reason == "weather"
    assert state(record) == ("cancelled", "event_cancelled") and told(record, since)
    assert audited(record) == [("session_cancel", "admin", f"confirmed -> cancelled: {uid} weather")]


def test_a_date_a_changed_schedule_no_longer_makes(hub):
    doc = catalog_docs.live_document("service", "nihongo-kyoshitsu")
    old_uid = doc["schedules"][0]["uid"]
    booked = (Event.select().where(Event.schedule_uid == old_uid).order_by(Event.starts_at.desc()).first())
    record = dict(family(booked.uid), service="nihongo-kyoshitsu")
    assert ingest.ingest(DEVICE, [record])[0]["result"] == "accepted"
    was = state(record)[0]
    since = last_seq()
    doc["schedules"] = doc["schedules"][1:]
    catalog_admin.save_draft("service", "nihongo-kyoshitsu", doc, "editor")
    catalog_admin.publish("service", "nihongo-kyoshitsu", "editor", hub.config)
    event = Event.get(Event.uid == booked.uid)
    assert event.cancelled and event.change_reason == "schedule_changed"
    assert state(record) == ("cancelled", "event_cancelled") and told(record, since)
    assert audited(record) == [("session_cancel", "", f"{was} -> cancelled: {booked.uid} schedule_changed")]


def _writes_status(call):
    """True for a call HubSignup.update(...) that sets the status (by keyword or in a dict)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "update"
            and isinstance(func.value, ast.Name) and func.value.id == "HubSignup"):
        return False
    if any(k.arg == "status" for k in call.keywords):
        return True
    return any(isinstance(key, ast.Attribute) and key.attr == "status"
               or isinstance(key, ast.Constant) and key.value == "status"
               for arg in call.args if isinstance(arg, ast.Dict) for key in arg.keys)


def test_only_bookings_writes_a_sign_ups_status():
    writers = {str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Call) and _writes_status(node)}
    assert writers == {"kiosk/hub/bookings.py"}


def test_one_batch_over_many_sessions_stores_each_sessions_seats(hub):
    """A batch spread over several sessions (kiosk.hub.intake.seats.update_seats_of, one
    statement for all of them) leaves each session's seats taken as its confirmed parties count
    them, and tells the kiosks of each."""
    events = list(Event.select().where((Event.capacity > 0) & (Event.cancelled == False))  # noqa: E712
                  .order_by(Event.uid).limit(4))
    for i, event in enumerate(events):
        Event.update(capacity=3 + i, seats_taken=0).where(Event.id == event.id).execute()
    since = last_seq()
    records = [dict(family(e.uid, 2, 0), service=e.service.slug) for e in events for _ in range(3)]
    answers = ingest.ingest(DEVICE, records)
    assert [a["result"] for a in answers] == ["accepted"] * len(records), answers
    for i, event in enumerate(events):
        capacity = 3 + i
        confirmed = (HubSignup.select().where((HubSignup.event_uid == event.uid)
                                              & (HubSignup.status == "confirmed")).count())
        assert confirmed == capacity // 2 and seats_taken(event.uid) == 2 * confirmed
        assert Feed.select().where((Feed.seq > since) & (Feed.kind == "event") & (Feed.key == event.uid)).exists()
