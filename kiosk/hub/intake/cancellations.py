"""Visitors' cancellations on the hub: stored once per id, verified by the last four digits of
the phone number given at sign-up, applied to the sign-up (freeing its seats for the waiting
list). One that arrives before its sign-up waits and is applied when the sign-up arrives.

Who may cancel what, and why:

- A visitor may look her sign-up up by reference code on any kiosk that has synced, and cancel
  it there with the last four digits of her phone (kiosk.site.lookup). So a
  cancellation for a sign-up the hub holds is taken from any enrolled kiosk, whichever site it
  serves: refusing another site's kiosk would refuse her.
- Four digits are only 10,000 guesses, so what protects her is a limit per reference code that
  every kiosk and every hub process shares: after HUB_CANCEL_MAX_MISMATCHES wrong answers for a
  code (counted from the stored cancellations, in the database), every further cancellation for
  it is answered "locked" without comparing digits, and she cancels at the desk (staff still can).
  The 3 tries a kiosk allows itself (kiosk.site.lookup) are a courtesy; this is the limit.
  The price: whoever knows a code can lock it with five wrong answers, which sends its owner to
  the desk but cancels nothing, and shows in the security log.
- A kiosk cannot collect codes to try: the feed gives it other sites' codes only as hashes
  (kiosk.hub.intake.feed). Every wrong answer and every lock is in the security log (device, reason;
  neither the code nor the digits).
- A kiosk may send a cancellation only for a sign-up it holds a record of. Once the hub has the
  sign-up, any kiosk may hold it (from the feed). Before that, only the kiosk that took it can
  (no other kiosk has heard of it): so when a sign-up arrives, a cancellation that waited for it
  from a kiosk that neither took it nor serves the site that did is refused ("not_this_kiosk",
  logged). Waiting cancellations count against the limit too, so none can be stacked up ahead.

The count cannot race: a batch holding a cancellation runs under the hub's exclusive write lock
(kiosk.hub.locks.write_lock), so counting and storing are one transaction that no other
cancellation interleaves with, in any hub process; waiting cancellations are settled under the
ingest lock, which the write lock excludes.
"""
import collections
from collections.abc import Collection
from typing import Any, Protocol, cast

import peewee
from flask import current_app, has_app_context

from ...db import database
from ...models import Device, HubCancel, HubSignup, RejectedRecord
from ...models.catalog import utcnow
from ...sync import contract, protocol
from ...sync.records import CancelRecord, RecordResult
from .. import bookings
from .auth import security_event

# Outcomes that are failed attempts at a code, and those not yet proven (waiting): both count.
FAILED = ("mismatch", "not_this_kiosk")
UNPROVEN = FAILED + ("pending",)
DEFAULT_MAX_MISMATCHES = 5

# How one waiting cancellation ended: (its id, the device that sent it, the outcome).
Settled = tuple[str, str, str]


class RejectRow(Protocol):
    """How the caller refuses a record (kiosk.hub.intake.ingest._reject_row, passed in so this
    module need not import the one that imports it): the RejectedRecord row, by column, and the
    answer."""
    def __call__(self, device_id: str, record: object, reason: str,
                 detail: str = "") -> tuple[dict[str, Any], RecordResult]: ...


def is_cancel(record: object) -> bool:
    return isinstance(record, dict) and record.get("type") == "cancel"


def phone_matches(phone: str | None, last4: str) -> bool:
    """True when ``last4`` is four digits ending the phone number (never for blanked digits)."""
    return contract.phone_ends_with(phone, last4)


def max_mismatches() -> int:
    if has_app_context():
        return int(current_app.config.get("HUB_CANCEL_MAX_MISMATCHES", DEFAULT_MAX_MISMATCHES))
    return DEFAULT_MAX_MISMATCHES


def failed_attempts(ref_code: str) -> int:
    """Wrong or unproven cancellations stored for a code, from every kiosk (call under the lock)."""
    return HubCancel.select().where((HubCancel.ref_code == ref_code) & HubCancel.outcome.in_(UNPROVEN)).count()


class Batch:
    """What the records of one pushed batch share: the failed cancellations per code, counted
    once and then kept here (the write lock keeps every other writer out meanwhile), and the
    security events of the sending device (wrong digits, locked codes, wrong sites), logged
    once per reason with their count. A batch of 500 guesses then costs two queries a guess and
    holds the write lock briefly."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.failed: dict[str, int] = {}
        self.events: collections.Counter[str] = collections.Counter()

    def failed_attempts(self, ref_code: str) -> int:
        if ref_code not in self.failed:
            self.failed[ref_code] = failed_attempts(ref_code)
        return self.failed[ref_code]

    def flush(self) -> None:
        """Write the batch's security events (within its transaction)."""
        for reason, n in sorted(self.events.items()):
            security_event(self.device_id, reason, by_device=True, count=n)
        self.events.clear()


def pending_for(ref_codes: Collection[str]) -> dict[str, list[HubCancel]]:
    """Cancellations waiting for sign-ups with these reference codes: {code: [oldest first]}."""
    if not ref_codes:
        return {}
    codes = list(set(ref_codes))
    # The codes as one node (peewee would make a node of each of a batch's 500).
    among = peewee.SQL(f"{HubCancel.ref_code.column_name} IN ({', '.join([database.param] * len(codes))})", codes)
    rows = (HubCancel.select().where(among & HubCancel.applied_at.is_null() & (HubCancel.outcome == "pending"))
            .order_by(HubCancel.received_at, HubCancel.id))
    out: dict[str, list[HubCancel]] = {}
    for c in rows:
        out.setdefault(c.ref_code, []).append(c)
    return out


def settle_pending(waiting: list[HubCancel], phone: str | None, taker: str,
                   taker_site: str | None) -> tuple[list[Settled], bool]:
    """Outcomes [(cancel id, device id, outcome)] of the cancellations that waited for a sign-up
    now arriving from device ``taker`` at ``taker_site`` (None: not sent by a kiosk, see
    kiosk.hub.intake.ingest.ingest), and whether one of them cancels it."""
    sites = dict(Device.select(Device.device_id, Device.site_slug)
                 .where(Device.device_id.in_(list({c.device_id for c in waiting}))).tuples()) if waiting else {}
    outcomes: list[Settled] = []
    cancelled = False
    for c in waiting:
        knew = (c.device_id == taker or taker_site is None
                or (bool(taker_site) and sites.get(c.device_id) == taker_site))
        if not knew:
            outcome = "not_this_kiosk"     # it could not have known of this sign-up
        elif cancelled:
            outcome = "already"
        elif phone_matches(phone, c.phone_last4):
            outcome, cancelled = "cancelled", True
        else:
            outcome = "mismatch"
        outcomes.append((c.id, c.device_id, outcome))
    return outcomes, cancelled


def mark_applied(cancel_id: str, outcome: str, device_id: str = "") -> None:
    """Record how a waiting cancellation ended; a refusal goes to the security log."""
    HubCancel.update(applied_at=utcnow(), outcome=outcome).where(HubCancel.id == cancel_id).execute()
    if outcome in FAILED:
        # The sender's address is not known now: it sent the cancellation in an earlier request.
        security_event(device_id, {"mismatch": "cancel_mismatch"}.get(outcome, outcome), by_device=True, address="")


def apply(signup: HubSignup, last4: str) -> str:
    """Cancel ``signup`` if ``last4`` proves it is hers (kiosk.hub.bookings.cancel: the waiting
    list moves up, the audit trail says "visitor_cancel"); returns the outcome."""
    if not phone_matches(signup.phone, last4):
        return "mismatch"
    if signup.status == "cancelled":
        return "already"
    bookings.cancel(signup, "visitor")
    return "cancelled"


def store(device_id: str, raw: object, reject_row: RejectRow, batch: Batch) -> RecordResult:
    """Store one cancellation record exactly once and answer for it (call under the write lock;
    ``batch``: the Batch of the records pushed with it, flushed by the caller)."""
    reason = protocol.validate_record(raw)
    if reason:
        row, answer = reject_row(device_id, raw, reason)
        RejectedRecord.insert(**row).execute()
        return answer
    # Only a well-formed cancellation passes protocol.validate_record: a check at run time that
    # the type checker cannot follow.
    record = cast(CancelRecord, raw)
    digest = protocol.payload_hash(record)
    prior = HubCancel.get_or_none(HubCancel.id == record["id"])
    if prior is not None:
        if prior.payload_hash != digest:
            row, answer = reject_row(device_id, record, "conflict", "same id, different content: kept the first")
            RejectedRecord.insert(**row).execute()
            return answer
        return {"id": record["id"], "result": "duplicate", "status": prior.outcome}
    code = record["ref_code"]
    if batch.failed_attempts(code) >= max_mismatches():
        outcome = "locked"     # the digits are not even compared: the visitor goes to the desk
    else:
        signup = HubSignup.select().where(HubSignup.ref_code == code).order_by(HubSignup.arrival).first()
        outcome = "pending" if signup is None else apply(signup, record["phone_last4"])
    HubCancel.create(id=record["id"], device_id=device_id, payload_hash=digest,
                     ref_code=code, phone_last4="" if outcome == "locked" else record["phone_last4"],
                     kiosk_created_at=protocol.parse_time(record["created_at"]),
                     applied_at=None if outcome == "pending" else utcnow(), outcome=outcome)
    if outcome in UNPROVEN:
        batch.failed[code] += 1
    if outcome in ("mismatch", "locked"):
        batch.events["cancel_" + outcome] += 1
    return {"id": record["id"], "result": "accepted", "status": outcome}
