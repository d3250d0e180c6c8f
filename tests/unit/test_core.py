"""The core decisions, each called directly so a failure names its function: outbox
acknowledgement, setting aside and releasing, purge, one-time submissions, the hub's ingest and
capacity decision, applying a feed page, the host PIN lockout."""
import threading
import uuid

import pytest

from kiosk.hub.intake import ingest
from kiosk.models import (Event, Feed, HostPinAttempt, HubSignup, Outbox, RejectedRecord, Signup,
                          SignupStatus)
from kiosk.site import host
from kiosk.site.sync import feed_apply as feed
from kiosk.site.sync import outbox
from tests.records import attendance, signup


def make_signup(**kw):
    fields = dict(kind="volunteer", service_slug="nerries", language="ja", name="練馬 花子",
                  phone="090-1111-2222")
    fields.update(kw)
    return outbox.enqueue_signup(**fields)


# --- outbox ----------------------------------------------------------------------------------

def test_only_final_answers_leave_the_outbox(db_conn):
    a, b, c = make_signup(), make_signup(), make_signup()
    done = outbox.record_results([
        {"id": a.id, "result": "accepted", "status": "confirmed"},
        {"id": b.id, "result": "rejected", "reason": "missing_name"},
        {"id": c.id, "result": "later"}])
    assert done == 2
    assert [e.record_id for e in Outbox.select()] == [c.id]
    assert Signup.get_by_id(a.id).status == "confirmed" and Signup.get_by_id(a.id).acked_at
    assert Signup.get_by_id(b.id).status == "rejected"
    assert Outbox.get(Outbox.record_id == c.id).attempts == 1


def test_a_batch_of_answers_larger_than_a_statement_is_applied_whole(db_conn):
    """More answers than one statement's list (kiosk.db.execute_in cuts them in 500s), with
    several statuses, a record of another kind and one to try again: each final one leaves
    the outbox with its own status; the other stays."""
    made = [make_signup() for _ in range(1203)]
    answers = [{"id": s.id, "result": "accepted", "status": ("confirmed", "waitlisted")[i % 2],
                "reason": ("", "full")[i % 2]} for i, s in enumerate(made[:-1])]
    answers.append({"id": made[-1].id, "result": "later"})
    kinds = {s.id: "signup" for s in made}
    assert outbox.record_results(answers, kinds) == 1202
    assert [e.record_id for e in Outbox.select()] == [made[-1].id]
    statuses = dict(SignupStatus.select(SignupStatus.record_id, SignupStatus.status).tuples())
    assert [statuses[s.id] for s in made[:4]] == ["confirmed", "waitlisted", "confirmed", "waitlisted"]
    assert statuses[made[-1].id] == "provisional"
    assert Signup.select().where(Signup.acked_at.is_null(False)).count() == 1202
    assert SignupStatus.get_by_id(made[1].id).reason == "full"


def test_a_record_failing_alone_is_set_aside_then_released(db_conn):
    bad, good = make_signup(), make_signup()
    entry = Outbox.get(Outbox.record_id == bad.id)
    assert outbox.record_failure(entry, "hub_error_500", 3) is False
    assert outbox.record_failure(entry, "hub_error_500", 3) is False
    assert outbox.record_failure(entry, "hub_error_500", 3) is True
    assert [e.record_id for e in outbox.pending_batch(10)] == [good.id]   # no longer in the way
    assert outbox.held_count() == 1 and outbox.pending_count() == 2
    assert outbox.release_held(3600, 3) == 0          # not yet due by itself
    assert outbox.release_held(0, 3) == 1             # the host's "try again"
    assert [e.record_id for e in outbox.pending_batch(10)] == [bad.id, good.id]
    again = Outbox.get(Outbox.record_id == bad.id)
    assert outbox.record_failure(again, "hub_error_500", 3) is True     # one more try only


def test_same_submission_id_makes_one_signup(db_conn):
    sid = str(uuid.uuid4())
    first = make_signup(submission_id=sid)
    again = make_signup(submission_id=sid, name="other")
    assert again.id == first.id and again.ref_code == first.ref_code
    assert Signup.select().count() == 1 and Outbox.select().count() == 1


def test_purge_leaves_no_copy_in_the_database_or_its_log(db_conn, demo_db):
    names = [f"Purgename{uuid.uuid4().hex[:10]}" for _ in range(3)]
    made = [make_signup(name=n, email=f"{n}@example.jp", note=f"note of {n}") for n in names]
    outbox.record_results([{"id": s.id, "result": "accepted", "status": "confirmed"} for s in made])
    assert outbox.purge_personal_data(0) == 3
    for path in (demo_db, demo_db.with_name(demo_db.name + "-wal")):
        raw = path.read_bytes() if path.exists() else b""
        for n in names:
            assert n.encode() not in raw, path.name
    assert Signup.select().where(Signup.name.is_null(False) & Signup.id.in_([s.id for s in made])).count() == 0


def test_purge_keeps_what_the_hub_has_not_acknowledged(db_conn):
    kept = make_signup(name="Notyetsent")
    assert outbox.purge_personal_data(0) == 0
    assert Signup.get_by_id(kept.id).name == "Notyetsent"


# --- the hub's ingest and capacity decision -------------------------------------------------

def event_with(capacity):
    ev = Event.select().where(Event.capacity > 0, Event.cancelled == False).first()  # noqa: E712
    Event.update(capacity=capacity, seats_taken=0).where(Event.id == ev.id).execute()
    return ev.uid


def test_capacity_decided_by_arrival(db_conn):
    uid = event_with(2)
    answers = ingest.ingest("dev-1", [signup(event=uid) for _ in range(3)])
    assert [a["status"] for a in answers] == ["confirmed", "confirmed", "waitlisted"]
    later = ingest.ingest("dev-2", [signup(event=uid)])
    assert later[0]["status"] == "waitlisted"
    assert Event.get(Event.uid == uid).seats_taken == 2
    arrivals = [s.arrival for s in HubSignup.select().order_by(HubSignup.arrival)]
    assert arrivals == sorted(set(arrivals)) and len(arrivals) == 4


def test_unknown_and_cancelled_events_keep_the_signup(db_conn):
    uid = event_with(5)
    Event.update(cancelled=True).where(Event.uid == uid).execute()
    answers = ingest.ingest("dev-1", [signup(event=uid), signup(event=str(uuid.uuid4()))])
    assert [(a["status"], a["reason"]) for a in answers] == [("cancelled", "event_cancelled"),
                                                              ("cancelled", "unknown_event")]
    assert HubSignup.select().count() == 2


def test_duplicate_and_conflict(db_conn):
    rec = signup(event=event_with(5))
    assert ingest.ingest("d", [rec])[0]["result"] == "accepted"
    assert ingest.ingest("d", [rec, rec])[0]["result"] == "duplicate"
    changed = dict(rec, language="en")
    assert ingest.ingest("d", [changed])[0] == {"id": rec["id"], "result": "rejected", "reason": "conflict"}
    assert HubSignup.select().count() == 1


def test_bad_records_are_refused_and_kept_for_staff(db_conn):
    uid = event_with(5)
    good = [signup(event=uid), attendance()]
    bad = [signup(event=uid, person={"name": "a\x00b", "phone": "090"}), attendance(seq=2 ** 70),
           {"id": "\ud800", "type": "signup"}, [[[[["x"]]]]], signup(event=uid, created_at="0001-01-01T00:00:00+01:00")]
    answers = ingest.ingest("dev-1", bad[:2] + good + bad[2:])
    assert [a["result"] for a in answers] == ["rejected", "rejected", "accepted", "accepted",
                                              "rejected", "rejected", "rejected"]
    assert RejectedRecord.select().count() == 5
    for row in RejectedRecord.select():
        row.payload.encode("utf-8")                   # stored escaped, whatever came in


def test_a_write_failure_the_validator_missed_refuses_only_that_record(db_conn):
    from kiosk.db import database
    uid = event_with(1)
    # A rule the validator does not know, enforced by the database itself.
    database.execute_sql("CREATE TRIGGER no_poison BEFORE INSERT ON hub_signup WHEN NEW.name = 'Poison' "
                         "BEGIN SELECT RAISE(ABORT, 'poison'); END")
    records = [signup(event=uid), signup(event=uid, person={"name": "Poison", "phone": "090"}),
               signup(event=uid)]
    answers = ingest.ingest("dev-1", records)
    assert [a["result"] for a in answers] == ["accepted", "rejected", "accepted"]
    assert answers[1]["reason"] == "store_failed"
    # The seat the refused record would have taken is not lost.
    assert [a["status"] for a in answers if a["result"] == "accepted"] == ["confirmed", "waitlisted"]
    assert HubSignup.select().count() == 2
    assert Feed.select().where(Feed.kind == "status").count() == 2
    assert RejectedRecord.get().reason == "store_failed"


# --- the kiosk applying a feed page -----------------------------------------------------------

def test_feed_page_applies_and_moves_the_cursor(db_conn):
    uid = event_with(10)
    rid = str(uuid.uuid4())
    entries = [
        {"seq": 41, "kind": "status", "key": rid, "deleted": False,
         "data": {"id": rid, "ref_code": "WXYZ-2345", "event": uid, "service": "machikado-care-cafe",
                  "status": "waitlisted", "reason": "full"}},
        {"seq": 42, "kind": "event", "key": uid, "deleted": True, "data": None},
    ]
    assert feed.apply_page(entries) == 2
    assert feed.cursor() == 42
    assert SignupStatus.get_by_id(rid).status == "waitlisted"
    # A session the hub removed, where nobody signed up on this kiosk, is gone.
    assert not Event.select().where(Event.uid == uid).exists()


def test_a_service_document_brings_its_needs_to_the_kiosk(db_conn):
    """The needs staff publish reach the kiosk's tables with the service: a new service gets
    them, a changed list replaces the old one, an empty list clears them."""
    from kiosk import catalog_docs
    from kiosk.models import Service, ServiceNeed

    def needs(slug):
        return sorted(n.need for n in ServiceNeed.select().join(Service).where(Service.slug == slug))

    doc = catalog_docs.live_document("service", "kodomo-shokudo", with_schedules=False)
    assert needs("kodomo-shokudo") == ["children", "food", "loneliness"]
    seq = feed.cursor()
    new = dict(doc, slug="kodomo-shokudo-2", needs=["food", "children"])
    feed.apply_page([{"seq": seq + 1, "kind": "service", "key": "kodomo-shokudo-2", "deleted": False, "data": new},
                     {"seq": seq + 2, "kind": "service", "key": "kodomo-shokudo", "deleted": False,
                      "data": dict(doc, needs=["food", "money"])}])
    assert needs("kodomo-shokudo-2") == ["children", "food"]
    assert needs("kodomo-shokudo") == ["food", "money"]
    assert catalog_docs.live_document("service", "kodomo-shokudo-2")["needs"] == ["children", "food"]
    feed.apply_page([{"seq": seq + 3, "kind": "service", "key": "kodomo-shokudo", "deleted": False,
                      "data": dict(doc, needs=[])}])
    assert needs("kodomo-shokudo") == []


def test_feed_page_that_cannot_apply_changes_nothing(db_conn):
    before = feed.cursor()
    rid = str(uuid.uuid4())
    with pytest.raises(Exception):
        feed.apply_page([
            {"seq": 50, "kind": "status", "key": rid, "deleted": False,
             "data": {"id": rid, "ref_code": "WXYZ-2345", "event": None, "service": "x",
                      "status": "confirmed"}},
            {"seq": 51, "kind": "service", "key": "x", "deleted": False, "data": {"slug": 5}}])
    assert feed.cursor() == before
    assert SignupStatus.get_or_none(SignupStatus.record_id == rid) is None


# --- host PIN lockout -------------------------------------------------------------------------

def test_pin_attempts_are_claimed_before_checking(db_conn):
    assert host.claim_attempt(60, 3) == 0
    assert host.claim_attempt(60, 3) == 0
    assert host.claim_attempt(60, 3) == 0
    assert host.claim_attempt(60, 3) > 0          # the fourth is refused before any hash check
    assert HostPinAttempt.select().count() == 3


def test_concurrent_pin_guesses_get_no_more_checks_than_allowed(app, demo_db):
    from kiosk.db import database
    allowed = []

    def guess():
        with app.app_context(), database.connection_context():
            if host.claim_attempt(60, 5) == 0:
                allowed.append(1)
    threads = [threading.Thread(target=guess) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 5


# --- staff login ------------------------------------------------------------------------------

def test_unknown_staff_name_costs_one_hash_check_like_a_known_one(app, db_conn, monkeypatch):
    import werkzeug.security
    from kiosk.hub.desk import staff_auth
    staff_auth.set_password("staff", "staff-pass-1")
    staff_auth._dummy_hash()                           # made once, at the first unknown name
    calls = []
    real_check, real_make = staff_auth.check_password_hash, staff_auth.generate_password_hash
    monkeypatch.setattr(staff_auth, "check_password_hash", lambda *a: calls.append("check") or real_check(*a))
    monkeypatch.setattr(staff_auth, "generate_password_hash", lambda *a: calls.append("make") or real_make(*a))
    with app.test_request_context():
        assert staff_auth.login("nobody", "guess") is None
        unknown = list(calls)
        calls.clear()
        assert staff_auth.login("staff", "guess") is None
        known = list(calls)
    assert unknown == known == ["check"]
    assert werkzeug.security.check_password_hash(staff_auth._dummy_hash(), "guess") is False


def test_a_session_signup_keeps_its_name_until_the_day_after_the_session(db_conn):
    import datetime
    from kiosk import clock
    ev = Event.select().where(Event.capacity > 0).order_by(Event.starts_at.desc()).first()
    kept = make_signup(kind="event", service_slug="machikado-care-cafe", event_uid=ev.uid, name="Checkinname")
    outbox.record_results([{"id": kept.id, "result": "accepted", "status": "confirmed"}])
    assert outbox.purge_personal_data(0) == 0
    assert Signup.get_by_id(kept.id).name == "Checkinname"
    days = (ev.starts_at - datetime.datetime.utcnow()).days + 2
    clock.set_offset(days * 86400)
    try:
        assert outbox.purge_personal_data(0) == 1
    finally:
        clock.set_offset(0)
    assert Signup.get_by_id(kept.id).name is None
