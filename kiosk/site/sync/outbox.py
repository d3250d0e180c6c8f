"""The kiosk's transactional outbox: a record and its outbox entry commit together, and an entry
leaves the outbox only when the hub has durably answered for it."""
import datetime
import json
import uuid

from flask import current_app, has_app_context
from peewee import IntegrityError, fn

from ... import clock
from ...db import database, execute_in
from ...models import Attendance, Cancellation, Event, KioskState, Outbox, Signup
from ...sync import contract, protocol
from . import statuses

FINAL = ("accepted", "duplicate", "rejected")


def new_id():
    return str(uuid.uuid4())


def signup_payload(signup):
    """The record as the hub receives it (see protocol.validate_record)."""
    return {
        "id": signup.id, "type": "signup", "kind": signup.kind, "ref_code": signup.ref_code,
        "service": signup.service_slug, "event": signup.event_uid, "language": signup.language,
        "created_at": protocol.format_time(signup.created_at),
        "person": {f: getattr(signup, f) for f in contract.PERSON_FIELDS if getattr(signup, f) is not None},
        **({"party": {"adults": signup.adults, "children": signup.children}} if signup.kind == "event" else {}),
    }


def enqueue_signup(submission_id=None, **fields):
    """Create a sign-up and its outbox entry in one transaction; returns the Signup.

    ``submission_id`` is the one-time id of the form that was posted: if a sign-up was already
    made from it (a double submission, or a resend after the kiosk died before answering),
    that sign-up is returned and nothing new is recorded."""
    if submission_id:
        earlier = Signup.get_or_none(Signup.submission_id == submission_id)
        if earlier is not None:
            return earlier
    try:
        return _create_signup(submission_id, fields)
    except IntegrityError:
        # Two posts of one form raced: the other one committed first.
        earlier = Signup.get_or_none(Signup.submission_id == submission_id) if submission_id else None
        if earlier is None:
            raise
        return earlier


def _create_signup(submission_id, fields):
    with database.atomic():
        for _ in range(5):
            code = contract.new_ref_code()
            if not Signup.select().where(Signup.ref_code == code).exists():
                break
        signup = Signup.create(id=str(uuid.uuid4()), ref_code=code, created_at=clock.now(),
                               submission_id=submission_id, **fields)
        statuses.record(signup.id, "provisional", ref_code=code, event_uid=signup.event_uid,
                        service_slug=signup.service_slug)
        Outbox.create(record_id=signup.id, kind="signup",
                      payload=json.dumps(signup_payload(signup), ensure_ascii=False),
                      created_at=signup.created_at)
    return signup


def cancel_payload(c):
    return {"id": c.id, "type": "cancel", "ref_code": c.ref_code, "phone_last4": c.phone_last4,
            "created_at": protocol.format_time(c.created_at)}


def enqueue_cancel(ref_code, phone_last4, signup=None):
    """Record a visitor's cancellation and its outbox entry in one transaction; a sign-up made
    here is marked cancelled at once (its seats are no longer counted here)."""
    with database.atomic():
        c = Cancellation.create(id=str(uuid.uuid4()), ref_code=ref_code, phone_last4=phone_last4,
                                created_at=clock.now())
        Outbox.create(record_id=c.id, kind="cancel", payload=json.dumps(cancel_payload(c)),
                      created_at=c.created_at)
        if signup is not None:
            statuses.record(signup.id, "cancelled", "visitor")
    return c


def attendance_payload(a):
    return {"id": a.id, "type": "attendance", "session": a.session_key, "service": a.service_slug,
            "site": a.site_slug, "date": a.session_date, "kind": a.kind, "group": a.grp,
            "delta": a.delta, "ref": a.ref, "text": a.text, "seq": a.seq,
            "created_at": protocol.format_time(a.created_at)}


def enqueue_attendance(**fields):
    """Record one host tap and its outbox entry in one transaction; returns the Attendance."""
    from ...models import Attendance
    with database.atomic():
        seq = (Attendance.select(fn.MAX(Attendance.seq)).scalar() or 0) + 1
        a = Attendance.create(id=str(uuid.uuid4()), seq=seq, created_at=clock.now(), **fields)
        Outbox.create(record_id=a.id, kind="attendance",
                      payload=json.dumps(attendance_payload(a), ensure_ascii=False),
                      created_at=a.created_at)
    return a


def pending_count():
    """Every record still waiting for the hub (set-aside ones included)."""
    return Outbox.select().count()


def held_count():
    return Outbox.select().where(Outbox.held_at.is_null(False)).count()


def held_entries(limit=50):
    """Records set aside as needing attention, oldest first (no personal data in the fields read)."""
    return list(Outbox.select(Outbox.seq, Outbox.record_id, Outbox.kind, Outbox.created_at,
                              Outbox.attempts, Outbox.last_error, Outbox.held_at)
                .where(Outbox.held_at.is_null(False)).order_by(Outbox.seq).limit(limit))


class Pending:
    """An outbox entry as a push reads it: what it sends, and what a failure sent alone counts
    (a plain object, not a model: a batch is hundreds of them)."""
    __slots__ = ("seq", "record_id", "kind", "payload", "attempts")

    def __init__(self, seq, record_id, kind, payload, attempts):
        self.seq, self.record_id, self.kind, self.payload, self.attempts = seq, record_id, kind, payload, attempts


def pending_batch(limit=100, after=0):
    """The oldest entries after ``after`` that are not set aside, in the order they were made
    (bounded: memory stays flat)."""
    query = (Outbox.select(Outbox.seq, Outbox.record_id, Outbox.kind, Outbox.payload, Outbox.attempts)
             .where((Outbox.seq > after) & Outbox.held_at.is_null()).order_by(Outbox.seq).limit(limit))
    return [Pending(*row) for row in database.execute(query)]


def record_results(results, kinds=None):
    """Apply the hub's per-record answers; only final answers leave the outbox, in bulk: one
    statement per table written (per status for the sign-ups' statuses), whatever the batch's
    size. ``kinds``: {record id: outbox kind} of the batch answered, so only the tables holding
    its records are written (without it, every table the id could be in)."""
    now = clock.now()
    final, retry = {}, []
    for r in results:
        rid, outcome = r.get("id"), r.get("result")
        if outcome in FINAL:
            status = r.get("status") or ("rejected" if outcome == "rejected" else "provisional")
            final.setdefault((status, str(r.get("reason", ""))[:64]), []).append(rid)
        else:
            retry.append((rid, str(r.get("reason", outcome))[:255]))
    ids = [rid for group in final.values() for rid in group]
    done = 0
    with database.atomic():
        for model, kind in ((Signup, "signup"), (Attendance, "attendance"), (Cancellation, "cancel")):
            mine = ids if kinds is None else [r for r in ids if kinds.get(r) == kind]
            if not mine:
                continue
            execute_in(f'UPDATE "{model._meta.table_name}" SET "{model.acked_at.column_name}" = {database.param} '
                       f'WHERE "{model._meta.primary_key.column_name}" IN ({{}})', (model.acked_at.db_value(now),), mine)
            if kind == "signup":
                statuses.mark_acknowledged({key: [r for r in group if kinds is None or kinds.get(r) == kind]
                                            for key, group in final.items()})
        done = execute_in(f'DELETE FROM "{Outbox._meta.table_name}" WHERE "{Outbox.record_id.column_name}" IN ({{}})',
                          (), ids)
        for rid, error in retry:
            (Outbox.update(attempts=Outbox.attempts + 1, last_error=error)
             .where(Outbox.record_id == rid).execute())
    return done


def record_failure(entry, error, max_failures):
    """Count a failure of one record sent alone; set it aside once it has failed
    ``max_failures`` times. Returns True if it is now set aside."""
    attempts = entry.attempts + 1
    held = attempts >= max_failures
    (Outbox.update(attempts=attempts, last_error=str(error)[:255],
                   held_at=clock.now() if held else None)
     .where(Outbox.record_id == entry.record_id).execute())
    entry.attempts = attempts
    return held


def release_held(older_than_seconds=0, max_failures=1):
    """Put records set aside back in the queue (all of them, or those held for longer than
    ``older_than_seconds``). They keep one try: a further failure sets them aside again."""
    cutoff = clock.now() - datetime.timedelta(seconds=older_than_seconds)
    return (Outbox.update(held_at=None, attempts=max(max_failures - 1, 0))
            .where(Outbox.held_at.is_null(False) & (Outbox.held_at <= cutoff)).execute())


def purge_personal_data(retention_seconds, timezone="Asia/Tokyo"):
    """Blank the personal fields of sign-ups the hub has had for longer than the retention,
    and leave no copy behind: the outbox payload goes with them, SQLite overwrites what it
    frees (secure_delete, set in kiosk.db), and the write-ahead log, which still holds the old
    pages, is checkpointed and truncated.

    A session sign-up keeps its name until the day after its session, so the
    café host can check the person in by name: it is purged only once its session's local date
    is past, or its session is unknown here."""
    now = clock.now()
    cutoff = now - datetime.timedelta(seconds=retention_seconds)
    day_start = clock.day_bounds(clock.ward_time(now, timezone).date(), timezone)[0]
    session_over = (Signup.event_uid.is_null()
                    | Signup.event_uid.in_(Event.select(Event.uid).where(Event.starts_at < day_start))
                    | Signup.event_uid.not_in(Event.select(Event.uid)))
    blank = {getattr(Signup, f): None for f in contract.PERSON_FIELDS}
    blank[Signup.purged_at] = now
    due = (Signup.acked_at.is_null(False) & (Signup.acked_at <= cutoff) & Signup.purged_at.is_null()
           & session_over)
    with database.atomic():
        ids = [sid for (sid,) in Signup.select(Signup.id).where(due).tuples()]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            Outbox.update(payload="{}").where(Outbox.record_id.in_(chunk)).execute()
            Signup.update(blank).where(Signup.id.in_(chunk)).execute()
        (Cancellation.update(phone_last4="").where(Cancellation.acked_at.is_null(False)
                                                   & (Cancellation.acked_at <= cutoff)
                                                   & (Cancellation.phone_last4 != "")).execute())
    if ids or KioskState.get_value("wal_purge_pending") == "1":
        truncate_wal()
    return len(ids)


def truncate_wal():
    """Checkpoint the write-ahead log into the database file and truncate it to zero bytes.
    A reader holding an old snapshot can keep it from finishing: then try again next round."""
    busy, _log_frames, _done = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    KioskState.set_value("wal_purge_pending", "1" if busy else "0")
    if not busy:
        # Writing that flag appended to the log again: truncate once more (it cannot be busy
        # now without a new reader, and the flag holds no personal data).
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return not busy


def set_state(**values):
    """Save the sync state the footer shows; this process's sync loop keeps it in memory too,
    told first, so a page never shows an older state than the database holds (kiosk.site.status)."""
    loop = current_app.extensions.get("sync_loop") if has_app_context() else None
    if loop is not None:
        loop.board.update(values)
    for key, value in values.items():
        KioskState.set_value(key, value)
