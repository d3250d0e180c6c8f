"""Bookings: every change of a hub sign-up's status, in one place.

A change of status is four writes that belong together, whoever causes it:

- the status and its reason (the pair is what the visitor reads on a kiosk, kiosk.vocab);
- a feed entry, so every kiosk hears of it (kiosk.hub.intake.feed);
- the seats of its session: when a confirmed seat is cancelled the waiting list moves up (who
  fits is the capacity rule, kiosk.hub.intake.seats), and the seat count is stored again;
- a line in the audit trail naming the cause: ``status_<status>`` for staff (with their note),
  ``visitor_cancel``, ``session_cancel``, ``promoted``; the target is the reference code,
  never a person's details.

The causes and the reasons they leave on the sign-up: staff ("staff"), the visitor's own
cancellation ("visitor"), a cancelled session ("event_cancelled", whatever made staff or a
changed schedule cancel it: that is the session's change reason), a seat freed for the waiting
list ("promoted"). A sign-up's first status is decided when it arrives (kiosk.hub.intake.ingest
with seats.BatchSeats); that is not a change, except that a cancellation that waited for its
sign-up gets its audit line here too (``arrived_cancelled``).

Every function here must be called inside a hub write transaction (kiosk.hub.locks.write_lock,
or the write lock ingest takes for a batch holding a visitor's cancellation): they read the
seats, decide and write, which holds only while no other writer interleaves. They take no lock
themselves: the callers hold it around everything they do together.
"""
from ..models import Event, HubSignup
from ..models.catalog import utcnow
from ..sync.contract import HUB_STATUSES
from .desk import queues
from .intake import feed, seats

STATUSES = HUB_STATUSES      # what the hub decides for a sign-up (kiosk.sync.contract)
# The audit action of each cause, by the reason it leaves on the sign-up.
ACTIONS = {"visitor": "visitor_cancel", "event_cancelled": "session_cancel", "promoted": "promoted"}


def action_for(status, reason):
    """The audit trail's name for a change to ``status`` for ``reason``."""
    return "status_" + status if reason == "staff" else ACTIONS.get(reason, "status_" + status)


def _audit(ref_code, was, status, reason, by, note):
    detail = f"{was or 'arrival'} -> {status}" + (f": {note}" if note else "")
    queues.audit(by, action_for(status, reason), ref_code, detail)


def _write(signup, status, reason, by, note=""):
    """The status, its reason, the feed entry and the audit line of one change (seats aside)."""
    was = signup.status
    HubSignup.update(status=status, reason=reason).where(HubSignup.id == signup.id).execute()
    feed.append("status", signup.id)
    _audit(signup.ref_code, was, status, reason, by, note)
    signup.status, signup.reason = status, reason
    return was


def set_status(signup, status, reason, by=None, note=""):
    """Change one sign-up (a HubSignup row) to ``status`` for ``reason``; ``by``: the staff member
    (None for the visitor or the hub itself), ``note``: their words for the audit trail.
    Cancelling a confirmed seat moves the waiting list up; the session's seat count is stored
    again and told to the kiosks. Returns the status it had. Call inside a write transaction."""
    if status not in STATUSES:
        raise ValueError(f"not a sign-up status: {status!r}")
    was = _write(signup, status, reason, by, note)
    if signup.event_uid:
        if was == "confirmed" and status == "cancelled":
            promote(signup.event_uid)
        seats.update_seats(signup.event_uid)
    return was


def cancel(signup, reason, by=None, note=""):
    """Cancel one sign-up (see set_status). Call inside a write transaction."""
    return set_status(signup, "cancelled", reason, by, note)


def promote(event_uid):
    """Move a session's waiting list up while the next party fits (seats.waiting_that_fit);
    returns the sign-ups confirmed. The caller stores the seat count afterwards (set_status
    does). Call inside a write transaction."""
    moved = seats.waiting_that_fit(event_uid)
    for signup in moved:
        _write(signup, "confirmed", "promoted", None)
    return moved


def cancel_session(event_uid, reason, by=None):
    """Cancel one dated session for ``reason`` (its change reason, kiosk.vocab.CHANGE_REASONS):
    its sign-ups are kept, each cancelled with the reason "event_cancelled" and an audit line,
    and kiosks are told. Its seat count stays what it was when it was cancelled: no seat is
    freed for anyone. Call inside a write transaction."""
    Event.update(cancelled=True, change_reason=reason, changed_at=utcnow()).where(Event.uid == event_uid).execute()
    feed.append("event", event_uid)
    for signup in HubSignup.select().where((HubSignup.event_uid == event_uid) & (HubSignup.status != "cancelled")):
        _write(signup, "cancelled", "event_cancelled", by, f"{event_uid} {reason}")


def arrived_cancelled(ref_codes):
    """Audit lines for sign-ups that arrived already cancelled by their visitor (her
    cancellation reached the hub first and waited): ingest decided their first status with
    the batch, and every cancellation is in the audit trail."""
    for ref_code in ref_codes:
        _audit(ref_code, None, "cancelled", "visitor", None, "")
