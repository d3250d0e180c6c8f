"""Retention on the hub: the personal details of finished requests and of
sign-ups for sessions that are over are blanked after a retention per kind; the rows stay, so
counts and reports keep working.

Personal details also travel into other rows, and each copy goes with its own clock:

- a request's history notes (staff write who they reached and why), and the reason a staff
  member gave for changing a sign-up's status (kept in the history and the audit trail): with
  the request's own details;
- the content of a record the hub refused (it may hold a name and a phone number):
  HUB_RETENTION_DAYS_REJECTED after it arrived, resolved or not;
- the phone digits of a visitor's cancellation: HUB_RETENTION_DAYS_CANCEL after it was
  decided; one still waiting for its sign-up expires after HUB_RETENTION_DAYS_CANCEL_PENDING
  (its digits blanked, never applied).
"""
import datetime
from typing import Any

from flask import current_app, has_app_context
from peewee import ModelSelect

from ...models import (AuditLog, Event, HubCancel, HubSignup, KioskState, RejectedRecord,
                       RequestHistory)
from ...models.catalog import utcnow
from ...sync.contract import DONE_STATES, PERSON_FIELDS

LAST_RUN_KEY = "hub_retention_at"
BLANKED_PAYLOAD = '"(blanked after retention)"'
DEFAULT_DAYS = {"HUB_RETENTION_DAYS_REJECTED": 30, "HUB_RETENTION_DAYS_CANCEL": 7,
                "HUB_RETENTION_DAYS_CANCEL_PENDING": 30}


def _days(key: str, given: int | str | None) -> int:
    if given is not None:
        return int(given)
    if has_app_context():
        return int(current_app.config.get(key, DEFAULT_DAYS[key]))
    return DEFAULT_DAYS[key]


def blank_expired(days_callback: int, days_volunteer: int, days_event: int, now: datetime.datetime | None = None,
                  days_rejected: int | str | None = None, days_cancel: int | str | None = None,
                  days_cancel_pending: int | str | None = None) -> int:
    """Blank what is past its retention; returns how many requests were blanked. The other
    retentions come from the app's settings unless given."""
    now = now or utcnow()
    blank: dict[Any, str | None] = {getattr(HubSignup, f): None for f in PERSON_FIELDS}
    blank[HubSignup.search_text] = ""
    still_named = HubSignup.name.is_null(False) | HubSignup.phone.is_null(False) | HubSignup.email.is_null(False)
    done = 0
    for kind, days in (("callback", days_callback), ("volunteer", days_volunteer)):
        cutoff = now - datetime.timedelta(days=days)
        done += (HubSignup.update(blank)
                 .where((HubSignup.kind == kind) & HubSignup.desk_state.in_(sorted(DONE_STATES))
                        & (HubSignup.state_changed_at < cutoff) & still_named).execute())
    event_cutoff = now - datetime.timedelta(days=days_event)
    over = Event.select(Event.uid).where(Event.ends_at < event_cutoff)
    done += (HubSignup.update(blank)
             .where((HubSignup.kind == "event") & HubSignup.event_uid.in_(over) & still_named).execute())
    # A sign-up for a session the hub never had (or no longer has) has no end to wait for.
    done += (HubSignup.update(blank)
             .where((HubSignup.kind == "event") & HubSignup.event_uid.not_in(Event.select(Event.uid))
                    & (HubSignup.received_at < event_cutoff) & still_named).execute())
    blank_notes()
    blank_rejected(now - datetime.timedelta(days=_days("HUB_RETENTION_DAYS_REJECTED", days_rejected)))
    blank_cancel_digits(now, _days("HUB_RETENTION_DAYS_CANCEL", days_cancel),
                        _days("HUB_RETENTION_DAYS_CANCEL_PENDING", days_cancel_pending))
    KioskState.set_value(LAST_RUN_KEY, now.isoformat())
    return done


def _blanked_signups() -> ModelSelect:
    return HubSignup.select(HubSignup.id).where(
        HubSignup.name.is_null() & HubSignup.phone.is_null() & HubSignup.email.is_null())


def blank_notes() -> int:
    """Staff notes on requests whose details are blanked: the history keeps who moved the request
    and when, not what they wrote; the audit trail keeps a status change, not its reason."""
    n = (RequestHistory.update(note="")
         .where((RequestHistory.note != "") & RequestHistory.signup_id.in_(_blanked_signups())).execute())
    refs = HubSignup.select(HubSignup.ref_code).where(HubSignup.id.in_(_blanked_signups()))
    n += (AuditLog.update(detail="")
          .where(AuditLog.action.startswith("status_") & (AuditLog.detail != "") & AuditLog.target.in_(refs))
          .execute())
    return n


def blank_rejected(cutoff: datetime.datetime) -> int:
    """The content of refused records that arrived before ``cutoff``; reason and id stay."""
    return (RejectedRecord.update(payload=BLANKED_PAYLOAD)
            .where((RejectedRecord.received_at < cutoff) & (RejectedRecord.payload != BLANKED_PAYLOAD))
            .execute())


def blank_cancel_digits(now: datetime.datetime, days_decided: int, days_pending: int) -> int:
    """Phone digits of cancellations decided ``days_decided`` ago; cancellations still waiting
    for their sign-up after ``days_pending`` expire (never applied) and lose theirs too."""
    n = (HubCancel.update(phone_last4="")
         .where((HubCancel.applied_at < now - datetime.timedelta(days=days_decided)) & (HubCancel.phone_last4 != ""))
         .execute())
    n += (HubCancel.update(phone_last4="", outcome="expired", applied_at=now)
          .where(HubCancel.applied_at.is_null() & (HubCancel.outcome == "pending")
                 & (HubCancel.received_at < now - datetime.timedelta(days=days_pending)))
          .execute())
    return n
