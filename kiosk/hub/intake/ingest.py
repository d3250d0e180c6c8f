"""Idempotent ingest of kiosk records and the hub's capacity decisions.

Capacity rule (documented in the README): the hub decides in the order records *arrive at the
hub* (its own clock and a strict arrival counter, never the kiosk's clock). A sign-up for an
event is confirmed while the confirmed count is below the event's capacity, otherwise it is
waitlisted; an event with capacity 0 needs no sign-up and confirms everyone. A sign-up for a
cancelled or unknown event is kept with status "cancelled" and a reason, and shown to staff.
When staff cancel a confirmed sign-up, the earliest-arrived waitlisted one moves up.

A kiosk writes only for the site it was enrolled for (Device.site_slug). Of the records a kiosk
sends, attendance is the one that names a site (the host's site, field "site") and a session,
which may be one of the hub's sessions at some site: both must be the device's site, or the
record is refused ("wrong_site", kept for staff and in the security log). A kiosk enrolled with
no site (a code issued without --site) may send only records that name no site: it is refused
attendance until it is enrolled again for its site. Sign-ups name no recording site (the hub
knows it from the device that sends them) and may be for sessions anywhere: a visitor at one
plaza may sign up for a café across the ward. Cancellations name a reference code only; who
may send them is kiosk.hub.intake.cancellations's business.
"""
import datetime
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

import peewee

from ... import boundary
from ...db import database, select_in
from ...models import BaseModel, Device, Event, Feed, HubAttendance, HubSignup, RejectedRecord, Site, StaffUser
from ...models.catalog import utcnow
from . import feed
from ...sync import contract, protocol
from ...sync.records import AttendanceRecord, CatalogKind, RecordResult, SignupRecord
from .. import bookings
from . import cancellations, demand
from ..desk import queues
from . import seats as seats_mod
from .seats import BatchSeats
from ..locks import feed_lock, ingest_lock, write_lock  # noqa: F401  (write_lock: callers of ingest)

log = logging.getLogger(__name__)

# A row to insert, by column name (its values of as many types as the columns).
Row = dict[str, Any]
# What a run of a batch holds: cancellations are stored one by one (cancellations.store).
RunRecord = SignupRecord | AttendanceRecord


def bulk_insert(model: type[BaseModel], rows: Sequence[Row], chunk: int = 200) -> None:
    """Multi-row INSERT with driver parameters. peewee's insert_many spends more time building
    the SQL for a 200-row batch than the database spends storing it (see the sync benchmark)."""
    if not rows:
        return
    columns = list(rows[0])
    table = model._meta.table_name
    names = ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns)
    one = "(" + ", ".join([database.param] * len(columns)) + ")"
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        params = [row[c] for row in part for c in columns]
        database.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ' + ", ".join([one] * len(part)), params)


def _reject_row(device_id: str, record: object, reason: str, detail: str = "") -> tuple[Row, RecordResult]:
    """A RejectedRecord row and the answer for a refused record. The record may be anything a
    client sent, so only what the boundary accepts is stored verbatim."""
    rid = record.get("id") if isinstance(record, dict) else None
    rid = rid if isinstance(rid, str) and len(rid) <= 64 and boundary.is_clean_text(rid) else ""
    if boundary.json_depth_exceeds(record, 64):
        payload = '"(nested too deep to keep)"'
    else:
        # ensure_ascii: control characters and lone surrogates become \u escapes, which any
        # database stores.
        payload = json.dumps(record, ensure_ascii=True, default=str)[:20000]
    row = {"record_id": rid, "device_id": device_id, "reason": reason[:64], "detail": detail[:2000],
           "payload": payload, "received_at": utcnow(), "resolved": False}
    return row, {"id": rid, "result": "rejected", "reason": reason}


def ingest(device_id: str, records: Sequence[object], texts_checked: bool = False,
           site: str | None = None, after: int = 0, last: int = 0) -> list[RecordResult]:
    """Store each record exactly once and answer for each; one bad record blocks nothing.

    The whole batch is decided with a handful of queries: existing ids and event counts are
    read once, new rows and feed entries are written in bulk. If that write still fails
    (something the validator did not foresee), it is rolled back and the batch is stored
    record by record, each in a savepoint, so only the record that fails is refused (reason
    "store_failed") and the others are stored.

    Sign-ups and attendance take narrow locks (ingest_lock), so hub processes ingest side by
    side; a batch holding a visitor's cancellation, which may free seats anywhere, takes the
    write lock. ``texts_checked``: the request body was found clean of forbidden characters as
    a whole (boundary.json_text_is_clean), so records need not be checked text by text.
    ``site``: the site the device was enrolled for (read from its row when not given; None for
    a device the hub never enrolled, whose records come from the hub's own tools, not a kiosk:
    the sync API always gives the requesting device's site).

    ``after``, ``last``: the kiosk's outbox numbers of the batch it sent before this one (0: none)
    and of this batch's last record. A kiosk keeps more than one batch in flight; a batch whose
    predecessor is not stored yet waits for it (at most ORDER_WAIT_SECONDS), so the hub decides a
    kiosk's sign-ups in the order its visitors made them, as with one batch at a time.
    """
    prepared = prepare(records, texts_checked)   # while the batch before it is being written
    wait_for_previous(device_id, after)
    if site is None:
        site = Device.select(Device.site_slug).where(Device.device_id == device_id).scalar()
    if any(cancellations.is_cancel(r) for r in records):
        lock = write_lock()
    else:
        lock = ingest_lock(device_id, {r.get("event") for r in records
                                       if isinstance(r, dict) and isinstance(r.get("event"), str)})
    with lock:
        try:
            with database.atomic():
                results = _store_in_order(device_id, records, site, texts_checked, prepared)
        except STORE_ERRORS as exc:
            log.warning("batch of %d could not be stored at once (%s); storing one by one",
                        len(records), type(exc).__name__)
            results = [_store_one(device_id, record, site) for record in records]
        _stored_through(device_id, last)
    _progressed()     # committed: a batch of this process waiting for it goes on at once
    return results


# How long a batch waits for the one its kiosk sent before it (lost, or failed as a whole: then
# the kiosk sends its records again after this one, and a resend is answered "duplicate").
ORDER_WAIT_SECONDS = 2.0


ORDER_POLL_SECONDS = 0.005   # how often a waiting batch looks again for one another process stores

# A batch stored by this process wakes the batches waiting in it at once (_progressed); one
# stored by another hub process is seen at the next look.
_progress = threading.Condition()
_stored_batches = 0


def wait_for_previous(device_id: str, after: int, timeout: float = ORDER_WAIT_SECONDS) -> bool:
    """Wait until the device's batch ending at outbox number ``after`` is stored (True), or
    ``timeout`` seconds (False). Read outside any lock: the earlier batch takes them."""
    if not after:
        return True
    deadline = time.monotonic() + timeout
    while True:
        with _progress:
            seen = _stored_batches
        row = database.execute_sql(f'SELECT outbox_seq FROM "{Device._meta.table_name}" WHERE device_id = '
                                   f"{database.param}", (device_id,)).fetchone()
        if row is None or row[0] is None or row[0] >= after:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            log.warning("a kiosk's batch waited %.0f s for the one before it; stored without it", timeout)
            return False
        with _progress:
            if _stored_batches == seen:
                _progress.wait(min(left, ORDER_POLL_SECONDS))


def _progressed() -> None:
    global _stored_batches
    with _progress:
        _stored_batches += 1
        _progress.notify_all()


def _stored_through(device_id: str, last: int) -> None:
    """Note the kiosk's outbox number stored through (in the batch's transaction)."""
    if last:
        (Device.update(outbox_seq=last)
         .where((Device.device_id == device_id) & (Device.outbox_seq < last)).execute())


# What a write can raise for a value the validator let through: the driver's refusals
# (peewee wraps them as DatabaseError), psycopg2's ValueError for NUL, UnicodeEncodeError,
# SQLite's OverflowError for a too large integer.
STORE_ERRORS = (peewee.DatabaseError, ValueError, OverflowError, TypeError)


class Prepared(NamedTuple):
    """What deciding a sign-up or attendance record needs of the record alone: why it is invalid
    (None: valid), and when valid its payload hash, the desk's search text and when the kiosk
    made it (sign-ups)."""
    reason: str | None
    digest: str = ""
    search_text: str = ""
    created_at: datetime.datetime | None = None


def prepare(records: Sequence[object], texts_checked: bool = False) -> dict[int, Prepared]:
    """{id(record): Prepared} for the sign-ups and attendance of a batch. Worked out before the
    batch waits for the one its kiosk sent before it and takes its locks: meanwhile that one's
    rows are being written, and this Python work is a fifth of a batch's."""
    out = {}
    for record in records:
        if not (cancellations.is_cancel(record) or demand.is_demand(record)):
            out[id(record)] = _prepared(record, texts_checked)
    return out


def _prepared(raw: object, texts_checked: bool) -> Prepared:
    reason = protocol.validate_record(raw, texts_checked)
    if reason:
        return Prepared(reason)
    record = _validated(raw)
    if record["type"] != "signup":
        return Prepared(None, protocol.payload_hash(record))
    return Prepared(None, protocol.payload_hash(record), queues.search_text(record["person"], record["ref_code"]),
                    protocol.parse_time(record["created_at"]))


def _store_in_order(device_id: str, records: Sequence[object], site: str | None,
                    texts_checked: bool = False, prepared: Mapping[int, Prepared] | None = None) -> list[RecordResult]:
    """Decide and write a batch in arrival order: runs of sign-ups and attendance in bulk, and
    each cancellation on its own between them (it may free seats for what comes after it), as
    each kiosk's day of counts (kiosk.hub.intake.demand)."""
    results: list[RecordResult] = []
    run: list[object] = []
    batch = cancellations.Batch(device_id)
    for record in list(records) + [_END]:
        if record is _END or cancellations.is_cancel(record) or demand.is_demand(record):
            if run:
                answers, rows = _decide(device_id, run, site, texts_checked, batch, prepared or {})
                _write(rows)
                results += answers
                run = []
            if demand.is_demand(record):
                results.append(demand.store(device_id, record, site, _reject_row, bulk_insert))
            elif record is not _END:
                results.append(cancellations.store(device_id, record, _reject_row, batch))
        else:
            run.append(record)
    batch.flush()
    return results


_END = object()    # not None: a client may send null as a record, and it gets its answer


def _store_one(device_id: str, record: object, site: str | None) -> RecordResult:
    """Decide and write one record in its own savepoint; refuse it if its write fails."""
    try:
        with database.atomic():
            return _store_in_order(device_id, [record], site)[0]
    except STORE_ERRORS as exc:
        log.warning("record refused: could not be stored (%s)", type(exc).__name__)
        row, answer = _reject_row(device_id, record, "store_failed", type(exc).__name__)
        try:
            with database.atomic():
                bulk_insert(RejectedRecord, [row])
        except STORE_ERRORS:
            with database.atomic():
                bulk_insert(RejectedRecord, [dict(row, record_id="", payload='"(not storable)"')])
        return answer


class Decided(NamedTuple):
    """What deciding a run leaves to write: new rows per model, the sessions whose seats
    changed, how the cancellations that waited for its sign-ups ended, and the reference codes
    of sign-ups that arrived already cancelled."""
    rows: dict[type[BaseModel], list[Row]]
    touched: set[str]
    cancels_applied: list[cancellations.Settled]
    arrived_cancelled: list[str]


def _write(decided: Decided) -> None:
    """Insert the decided rows in bulk, refresh the seat counts of the events touched, write the
    audit lines of sign-ups that arrived cancelled, then append the feed entries under the feed
    lock."""
    rows = decided.rows
    for model in (HubSignup, HubAttendance, RejectedRecord):
        bulk_insert(model, rows[model])
    feed_rows = rows[Feed]
    seats_mod.update_seats_of(decided.touched)
    for uid in sorted(decided.touched):
        feed_rows.append({"kind": "event", "key": uid, "deleted": False, "created_at": utcnow()})
    for cancel_id, sender, outcome in decided.cancels_applied:
        cancellations.mark_applied(cancel_id, outcome, sender)
    bookings.arrived_cancelled(decided.arrived_cancelled)
    if feed_rows:
        feed_lock()
        bulk_insert(Feed, feed_rows)


def _sessions_sites(records: Sequence[RunRecord]) -> dict[str, str]:
    """{event uid: its site's slug} for the hub sessions attendance records name."""
    uids = list({r["session"] for r in records if r["type"] == "attendance"})
    if not uids:
        return {}
    return dict(Event.select(Event.uid, Site.slug).join(Site).where(Event.uid.in_(uids)).tuples())


def site_problem(record: RunRecord, site: str | None, session_sites: Mapping[str, str]) -> str | None:
    """Why a record may not come from a device enrolled for ``site``, or None (module docstring).
    ``site`` None: not a kiosk's request (see ingest)."""
    if record["type"] != "attendance" or site is None:
        return None
    if not site:
        return "kiosk enrolled without a site: enrol it again with a code for its site"
    venue = session_sites.get(record["session"])
    if record["site"] != site or (venue is not None and venue != site):
        return (f"attendance for site {record['site']} (session at {venue or 'no hub session'}) "
                f"from a kiosk enrolled for {site}")
    return None


def _decide(device_id: str, records: Sequence[object], site: str | None, texts_checked: bool,
            batch: cancellations.Batch, prepared: Mapping[int, Prepared]) -> tuple[list[RecordResult], Decided]:
    """(answers, rows to write) for a batch: validation, duplicates, conflicts, the device's
    site, capacity. ``batch`` (cancellations.Batch) collects the security events; ``prepared``:
    what prepare() worked out of its records (what it did not is worked out here)."""
    results: list[RecordResult] = []
    new_rows: list[Row] = []
    rejected_rows: list[Row] = []
    feed_rows: list[Row] = []
    attendance_rows: list[Row] = []
    applied: list[cancellations.Settled] = []
    arrived_cancelled: list[str] = []
    known = [prepared.get(id(r)) or _prepared(r, texts_checked) for r in records]
    valid = [_validated(r) for r, pre in zip(records, known) if not pre.reason]
    ids = list({r["id"] for r in valid})
    # (Plain statements: peewee would make a node of each of a batch's 500 ids.)
    signups, attendance = HubSignup._meta.table_name, HubAttendance._meta.table_name
    existing: dict[str, Row] = {
        rid: {"id": rid, "payload_hash": digest, "status": status, "reason": reason}
        for rid, digest, status, reason in select_in(
            f'SELECT id, payload_hash, status, reason FROM "{signups}" WHERE id IN ({{}})', (), ids)}
    existing.update({rid: {"id": rid, "payload_hash": digest, "status": None, "reason": ""}
                     for rid, digest in select_in(
                         f'SELECT id, payload_hash FROM "{attendance}" WHERE id IN ({{}})', (), ids)})
    seats = BatchSeats([r for r in valid if r["type"] == "signup"])
    pending = cancellations.pending_for([r["ref_code"] for r in valid if r["type"] == "signup"])
    session_sites = _sessions_sites(valid)
    arrivals = iter(seats_mod.next_arrivals(sum(1 for r in valid if r["type"] == "signup"
                                                and r["id"] not in existing)))
    received = utcnow()
    seen_in_batch: dict[str, Row] = {}
    for raw, pre in zip(records, known):
        if pre.reason:
            row, answer = _reject_row(device_id, raw, pre.reason)
            rejected_rows.append(row)
            results.append(answer)
            continue
        record = _validated(raw)
        digest = pre.digest
        prior = existing.get(record["id"]) or seen_in_batch.get(record["id"])
        if prior is not None:
            if prior["payload_hash"] == digest:
                answer = {"id": record["id"], "result": "duplicate", "reason": prior["reason"]}
                if prior["status"]:
                    answer["status"] = prior["status"]
                results.append(answer)
            else:
                row, answer = _reject_row(device_id, record, "conflict",
                                          "same id, different content: kept the first")
                rejected_rows.append(row)
                results.append(answer)
            continue
        wrong = site_problem(record, site, session_sites)
        if wrong:
            row, answer = _reject_row(device_id, record, "wrong_site", wrong)
            rejected_rows.append(row)
            results.append(answer)
            batch.events["wrong_site"] += 1
            continue
        if record["type"] == "attendance":
            row = attendance_row(device_id, record, digest, received)
            attendance_rows.append(row)
            seen_in_batch[record["id"]] = dict(row, status=None, reason="")
            results.append({"id": record["id"], "result": "accepted"})
            continue
        settled, cancelled = cancellations.settle_pending(pending.pop(record["ref_code"], []),
                                                          record["person"].get("phone"), device_id, site)
        if cancelled:
            status, why = "cancelled", "visitor"     # cancelled before it arrived: takes no seat
            arrived_cancelled.append(record["ref_code"])
        else:
            status, why = seats.decide(record)
        applied += settled
        adults, children = protocol.party_of(record)
        person = record["person"]
        row = dict(id=record["id"], device_id=device_id, payload_hash=digest,
                   ref_code=record["ref_code"], kind=record["kind"], service_slug=record["service"],
                   event_uid=record.get("event"), language=record["language"], status=status,
                   reason=why, kiosk_created_at=pre.created_at,
                   received_at=received, arrival=next(arrivals), adults=adults, children=children,
                   search_text=pre.search_text, desk_state="new", attempts=0,
                   **{f: person.get(f) for f in contract.PERSON_FIELDS})
        new_rows.append(row)
        seen_in_batch[record["id"]] = row
        feed_rows.append({"kind": "status", "key": record["id"], "deleted": False, "created_at": received})
        results.append({"id": record["id"], "result": "accepted", "status": status, "reason": why})
    rows = {HubSignup: new_rows, HubAttendance: attendance_rows, RejectedRecord: rejected_rows,
            Feed: feed_rows}
    return results, Decided(rows, seats.touched, applied, arrived_cancelled)


def _validated(record: object) -> RunRecord:
    """A record of a run that protocol.validate_record passed, as its type: a check at run time
    that the type checker cannot follow."""
    return cast(RunRecord, record)


def attendance_row(device_id: str, record: AttendanceRecord, digest: str, received: datetime.datetime) -> Row:
    return {"id": record["id"], "device_id": device_id, "payload_hash": digest,
            "session_key": record["session"], "service_slug": record["service"],
            "site_slug": record["site"], "session_date": record["date"], "kind": record["kind"],
            "grp": record.get("group"), "delta": record.get("delta") or 0, "ref": record.get("ref"),
            "text": record.get("text"), "seq": record["seq"],
            "kiosk_created_at": protocol.parse_time(record["created_at"]), "received_at": received}


def set_status(signup_id: str, status: str, by: StaffUser | None = None, note: str = "") -> str | None:
    """Staff confirm, waitlist or cancel a sign-up (kiosk.hub.bookings.set_status, under the
    write lock); ``by``: the staff member, ``note``: their words. None for an unknown sign-up
    or status."""
    with write_lock():
        signup = HubSignup.get_or_none(HubSignup.id == signup_id)
        if signup is None or status not in bookings.STATUSES:
            return None
        bookings.set_status(signup, status, "staff", by, note)
        return status


def cancel_event(event_uid: str, reason: str = "other", by: StaffUser | None = None) -> None:
    """Staff cancel an event (kiosk.hub.bookings.cancel_session, under the write lock): its
    sign-ups are kept, marked cancelled, and kiosks are told. The staff screen asks no reason,
    so the session says "for other reasons"."""
    with write_lock():
        bookings.cancel_session(event_uid, reason, by)


def publish_catalog(by: str = "") -> None:
    """Put every catalog row in the feed (after loading a catalog on the hub), and start each
    record's history with the state it was loaded in. Its Japanese texts are read here first,
    with the hub's corrections, so they go to kiosks with their furigana."""
    import json
    from ... import catalog_docs
    from ...models import CatalogVersion, Organization, Service, Site
    from ...web import furigana
    catalog: tuple[tuple[CatalogKind, type[BaseModel]], ...] = (
        ("organization", Organization), ("site", Site), ("service", Service))
    with write_lock():
        catalog_docs.refresh_readings(furigana.reader())
        for kind, model in catalog:
            for (slug,) in model.select(model.slug).tuples():
                feed.append(kind, slug)
                if not CatalogVersion.select().where((CatalogVersion.kind == kind)
                                                     & (CatalogVersion.key == slug)).exists():
                    CatalogVersion.create(kind=kind, key=slug, version=1, published_by=by,
                                          data=json.dumps(catalog_docs.live_document(kind, slug),
                                                          ensure_ascii=False, sort_keys=True))
        for e in Event.select(Event.uid):
            feed.append("event", e.uid)
        feed.append("meta", feed.DEMO_KEY)
