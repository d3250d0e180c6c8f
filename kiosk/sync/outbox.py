"""The kiosk's transactional outbox: a record and its outbox entry commit together, and an entry
leaves the outbox only when the hub has durably answered for it."""
import datetime
import json
import secrets
import uuid

from peewee import fn

from .. import clock
from ..db import database
from ..models import Attendance, KioskState, Outbox, Signup
from . import protocol

# No 0/O, 1/I/L: a reference code read aloud over the phone must not be misheard.
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PERSONAL = ("name", "name_kana", "phone", "email", "age_band", "preferred_language",
            "preferred_time", "note")
FINAL = ("accepted", "duplicate", "rejected")


def new_ref_code():
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def signup_payload(signup):
    """The record as the hub receives it (see protocol.validate_record)."""
    return {
        "id": signup.id, "type": "signup", "kind": signup.kind, "ref_code": signup.ref_code,
        "service": signup.service_slug, "event": signup.event_uid, "language": signup.language,
        "created_at": protocol.format_time(signup.created_at),
        "person": {f: getattr(signup, f) for f in PERSONAL if getattr(signup, f) is not None},
    }


def enqueue_signup(**fields):
    """Create a sign-up and its outbox entry in one transaction; returns the Signup."""
    with database.atomic():
        for _ in range(5):
            code = new_ref_code()
            if not Signup.select().where(Signup.ref_code == code).exists():
                break
        signup = Signup.create(id=str(uuid.uuid4()), ref_code=code, created_at=clock.now(), **fields)
        Outbox.create(record_id=signup.id, kind="signup",
                      payload=json.dumps(signup_payload(signup), ensure_ascii=False),
                      created_at=signup.created_at)
    return signup


def attendance_payload(a):
    return {"id": a.id, "type": "attendance", "session": a.session_key, "service": a.service_slug,
            "site": a.site_slug, "date": a.session_date, "kind": a.kind, "group": a.grp,
            "delta": a.delta, "ref": a.ref, "text": a.text, "seq": a.seq,
            "created_at": protocol.format_time(a.created_at)}


def enqueue_attendance(**fields):
    """Record one host tap and its outbox entry in one transaction; returns the Attendance."""
    from ..models import Attendance
    with database.atomic():
        seq = (Attendance.select(fn.MAX(Attendance.seq)).scalar() or 0) + 1
        a = Attendance.create(id=str(uuid.uuid4()), seq=seq, created_at=clock.now(), **fields)
        Outbox.create(record_id=a.id, kind="attendance",
                      payload=json.dumps(attendance_payload(a), ensure_ascii=False),
                      created_at=a.created_at)
    return a


def pending_count():
    return Outbox.select().count()


def pending_batch(limit=100, after=0):
    """The oldest entries after ``after``, in the order they were made (bounded: memory stays flat)."""
    return list(Outbox.select().where(Outbox.seq > after).order_by(Outbox.seq).limit(limit))


def record_results(results):
    """Apply the hub's per-record answers; only final answers leave the outbox (in bulk)."""
    now = clock.now()
    final, retry = {}, []
    for r in results:
        rid, outcome = r.get("id"), r.get("result")
        if outcome in FINAL:
            status = r.get("status") or ("rejected" if outcome == "rejected" else "provisional")
            final.setdefault((status, str(r.get("reason", ""))[:64]), []).append(rid)
        else:
            retry.append((rid, str(r.get("reason", outcome))[:255]))
    done = 0
    with database.atomic():
        for (status, reason), ids in final.items():
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                (Signup.update(acked_at=now, status=status, status_reason=reason)
                 .where(Signup.id.in_(chunk)).execute())
                Attendance.update(acked_at=now).where(Attendance.id.in_(chunk)).execute()
                done += Outbox.delete().where(Outbox.record_id.in_(chunk)).execute()
        for rid, error in retry:
            (Outbox.update(attempts=Outbox.attempts + 1, last_error=error)
             .where(Outbox.record_id == rid).execute())
    return done


def record_failure(entries, error):
    ids = [e.record_id for e in entries]
    (Outbox.update(attempts=Outbox.attempts + 1, last_error=str(error)[:255])
     .where(Outbox.record_id.in_(ids)).execute())


def purge_personal_data(retention_seconds):
    """Blank the personal fields of sign-ups the hub has had for longer than the retention."""
    cutoff = clock.now() - datetime.timedelta(seconds=retention_seconds)
    blank = {getattr(Signup, f): None for f in PERSONAL}
    blank[Signup.purged_at] = clock.now()
    return (Signup.update(blank)
            .where(Signup.acked_at.is_null(False) & (Signup.acked_at <= cutoff)
                   & Signup.purged_at.is_null())
            .execute())


def set_state(**values):
    for key, value in values.items():
        KioskState.set_value(key, value)
