"""Retention on the hub (DESIGN.md section 11): the personal details of finished requests and of
sign-ups for sessions that are over are blanked after a retention per kind; the rows stay, so
counts and reports keep working."""
import datetime

from ..models import Event, HubSignup, KioskState
from ..models.catalog import utcnow
from ..models.desk import DONE_STATES
from ..sync.protocol import PERSON_FIELDS

LAST_RUN_KEY = "hub_retention_at"


def blank_expired(days_callback, days_volunteer, days_event, now=None):
    """Blank what is past its retention; returns how many requests were blanked."""
    now = now or utcnow()
    blank = {getattr(HubSignup, f): None for f in PERSON_FIELDS}
    blank[HubSignup.search_text] = ""
    still_named = HubSignup.name.is_null(False) | HubSignup.phone.is_null(False) | HubSignup.email.is_null(False)
    done = 0
    for kind, days in (("callback", days_callback), ("volunteer", days_volunteer)):
        cutoff = now - datetime.timedelta(days=days)
        done += (HubSignup.update(blank)
                 .where((HubSignup.kind == kind) & HubSignup.desk_state.in_(sorted(DONE_STATES))
                        & (HubSignup.state_changed_at < cutoff) & still_named).execute())
    over = Event.select(Event.uid).where(Event.ends_at < now - datetime.timedelta(days=days_event))
    done += (HubSignup.update(blank)
             .where((HubSignup.kind == "event") & HubSignup.event_uid.in_(over) & still_named).execute())
    KioskState.set_value(LAST_RUN_KEY, now.isoformat())
    return done


def run_if_due(config, every_seconds=3600):
    """Blank expired details at most once an hour (called as kiosks sync, and by the CLI)."""
    last = KioskState.get_value(LAST_RUN_KEY)
    if last and (utcnow() - datetime.datetime.fromisoformat(last)).total_seconds() < every_seconds:
        return 0
    done = blank_expired(int(config["HUB_RETENTION_DAYS_CALLBACK"]), int(config["HUB_RETENTION_DAYS_VOLUNTEER"]),
                         int(config["HUB_RETENTION_DAYS_EVENT"]))
    from . import compaction
    compaction.compact(int(config.get("FEED_PAST_DAYS", 14)), int(config.get("FEED_REQUEST_DAYS", 90)))
    return done
