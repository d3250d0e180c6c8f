"""Visitors' cancellations on the hub: stored once per id, verified by the last four digits of
the phone number given at sign-up, applied to the sign-up (freeing its seats for the waiting
list). One that arrives before its sign-up waits and is applied when the sign-up arrives."""
import re

from ..models import HubCancel, HubSignup, RejectedRecord
from ..models.catalog import utcnow
from ..sync import feed, protocol
from . import seats


def is_cancel(record):
    return isinstance(record, dict) and record.get("type") == "cancel"


def phone_matches(phone, last4):
    digits = re.sub(r"[^0-9]", "", phone or "")
    return len(digits) >= 4 and digits.endswith(last4)


def pending_for(ref_codes):
    """Cancellations waiting for sign-ups with these reference codes, by code."""
    if not ref_codes:
        return {}
    rows = (HubCancel.select().where(HubCancel.ref_code.in_(list(set(ref_codes))) & HubCancel.applied_at.is_null())
            .order_by(HubCancel.received_at))
    return {c.ref_code: c for c in rows}


def mark_applied(cancel_id, outcome):
    HubCancel.update(applied_at=utcnow(), outcome=outcome).where(HubCancel.id == cancel_id).execute()


def apply(signup, last4):
    """Cancel ``signup`` if ``last4`` proves it is hers; returns the outcome."""
    if not phone_matches(signup.phone, last4):
        return "mismatch"
    if signup.status == "cancelled":
        return "already"
    was = signup.status
    HubSignup.update(status="cancelled", reason="visitor").where(HubSignup.id == signup.id).execute()
    feed.append("status", signup.id)
    if signup.event_uid:
        if was == "confirmed":
            seats.promote_waiting(signup.event_uid)
        seats.update_seats(signup.event_uid)
    return "cancelled"


def store(device_id, record, reject_row):
    """Store one cancellation record exactly once and answer for it (call under the write lock)."""
    reason = protocol.validate_record(record)
    if reason:
        row, answer = reject_row(device_id, record, reason)
        RejectedRecord.insert(**row).execute()
        return answer
    digest = protocol.payload_hash(record)
    prior = HubCancel.get_or_none(HubCancel.id == record["id"])
    if prior is not None:
        if prior.payload_hash != digest:
            row, answer = reject_row(device_id, record, "conflict", "same id, different content: kept the first")
            RejectedRecord.insert(**row).execute()
            return answer
        return {"id": record["id"], "result": "duplicate", "status": prior.outcome}
    signup = (HubSignup.select().where(HubSignup.ref_code == record["ref_code"])
              .order_by(HubSignup.arrival).first())
    outcome = apply(signup, record["phone_last4"]) if signup is not None else "pending"
    HubCancel.create(id=record["id"], device_id=device_id, payload_hash=digest,
                     ref_code=record["ref_code"], phone_last4=record["phone_last4"],
                     kiosk_created_at=protocol.parse_time(record["created_at"]),
                     applied_at=None if signup is None else utcnow(), outcome=outcome)
    return {"id": record["id"], "result": "accepted", "status": outcome}
