"""Date changes: the single dates staff cancelled or moved, kept apart from the rules that make them.

A rule (kiosk.hub.catalog.schedules) makes dated sessions; staff then cancel or move one date
(admin.cancel_date, admin.move_date). That decision belongs to the date, not to a version of the
service, so:

- restoring an older version keeps it, unless staff choose to undo the changes made since that
  version (`since` lists them on the history page, `undo` reverses them when the restore is
  published);
- the HSDS exchange carries it as an attribute of its schedule (`for_export`, `encode`,
  `decode`), and an import applies it to the session the same rule makes on that date
  (`apply`), or keeps it until the service is published when that session does not exist yet
  (`keep_pending`, `apply_pending`).

A change is a dict: {"kind": "cancelled" | "moved", "date": the date the rule made (ISO),
"reason": kiosk.vocab.CHANGE_REASONS, and for a move "starts_at" / "ends_at" (ISO 8601 with the
ward's offset)}. Sessions a changed rule cancelled or moved itself (reason "schedule_changed")
are not staff's decisions and are not date changes.
"""
import datetime
import json

from ... import clock, vocab
from ...models import Event, KioskState
from ...models.catalog import utcnow
from .. import bookings
from ..intake import feed, seats
from . import schedules

CODES = {"moved": "moved_date", "cancelled": "cancelled_date"}   # HSDS attribute terms, moves first
KIND_OF_CODE = {code: kind for kind, code in CODES.items()}
BY_RULE = "schedule_changed"        # what a changed rule leaves on the sessions it cancels or moves
PENDING_KEY = "hsds_pending_dates"  # imported changes whose session the hub has not made yet


def _is_staff_change():
    return (((Event.cancelled == True) | Event.moved_from.is_null(False))   # noqa: E712
            & (Event.change_reason != BY_RULE))


def _ahead(now):
    """Sessions still to come, at their time and, if moved, at their first time as well: a
    date held or first planned in the past is history, and is neither listed nor undone."""
    return (Event.starts_at > now) & (Event.moved_from.is_null() | (Event.moved_from > now))


def of_service(service_id, now=None):
    """The future sessions of a service that staff cancelled or moved, in date order."""
    now = now or utcnow()
    return list(Event.select().where((Event.service == service_id) & _is_staff_change() & _ahead(now))
                .order_by(Event.starts_at))


def since(events, moment):
    """Those of ``events`` changed after ``moment`` (a version's publication). A date changed
    before the hub kept the time (no changed_at) counts as older than every version."""
    return [e for e in events if e.changed_at is not None and e.changed_at > moment]


def undo(event_uids, now=None):
    """Open cancelled dates again and move moved ones back to their rule's date; returns how many.
    Sign-ups a cancellation cancelled stay cancelled (their people were told). The times come
    back from the rule when the caller syncs the schedule next. Call under the write lock."""
    now = now or utcnow()
    count = 0
    for event in Event.select().where(Event.uid.in_(list(event_uids) or [""]) & _is_staff_change() & _ahead(now)):
        changes = {Event.cancelled: False, Event.change_reason: "", Event.changed_at: None}
        if event.moved_from is not None:
            changes.update({Event.starts_at: event.moved_from, Event.moved_from: None,
                            Event.ends_at: event.moved_from + (event.ends_at - event.starts_at)})
        Event.update(changes).where(Event.id == event.id).execute()
        seats.update_seats(event.uid, announce=False)
        feed.append("event", event.uid)
        count += 1
    return count


# --- HSDS -----------------------------------------------------------------------------------

def rule_date(event, tz):
    """The date the rule made ``event`` for (a moved session keeps its first date)."""
    return clock.ward_time(event.moved_from or event.starts_at, tz).date()


def for_export(tz, today, schedule_uids=None):
    """{schedule uid: [change]} for the dates from ``today`` on (of ``schedule_uids``, or of every
    rule), in date order, moves first."""
    out = {}
    events = Event.select().where(Event.schedule_uid.is_null(False) & _is_staff_change()).order_by(Event.starts_at)
    if schedule_uids is not None:
        events = events.where(Event.schedule_uid.in_(list(schedule_uids) or [""]))
    for event in events:
        day = rule_date(event, tz)
        if day < today or schedules.occurrence_uid(event.schedule_uid, day) != event.uid:
            continue
        if event.moved_from is not None:
            out.setdefault(event.schedule_uid, []).append(
                {"kind": "moved", "date": day.isoformat(), "reason": event.change_reason,
                 "starts_at": clock.ward_time(event.starts_at, tz).isoformat(timespec="minutes"),
                 "ends_at": clock.ward_time(event.ends_at, tz).isoformat(timespec="minutes")})
        if event.cancelled:
            out.setdefault(event.schedule_uid, []).append(
                {"kind": "cancelled", "date": day.isoformat(), "reason": event.change_reason})
    for changes in out.values():
        changes.sort(key=lambda c: (c["date"], list(CODES).index(c["kind"])))
    return out


def encode(change):
    """(attribute term code, value): the value is compact JSON of the change without its kind."""
    value = {k: v for k, v in change.items() if k != "kind"}
    return CODES[change["kind"]], json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode(code, value):
    """The change an attribute describes, or None when it is not one we can apply."""
    kind = KIND_OF_CODE.get(code)
    try:
        data = json.loads(value)
        day = datetime.date.fromisoformat(data["date"])
        reason = data.get("reason") or "other"
        if kind is None or reason not in vocab.CHANGE_REASONS or reason == BY_RULE:
            return None
        change = {"kind": kind, "date": day.isoformat(), "reason": reason}
        if kind == "moved":
            starts = datetime.datetime.fromisoformat(data["starts_at"])
            ends = datetime.datetime.fromisoformat(data["ends_at"])
            if starts.tzinfo is None or ends.tzinfo is None or ends <= starts:
                return None
            change.update(starts_at=starts.isoformat(timespec="minutes"), ends_at=ends.isoformat(timespec="minutes"))
        return change
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _utc(text):
    moment = datetime.datetime.fromisoformat(text)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def apply(schedule_uid, change, by=None, dry_run=False):
    """Apply one change to the session its rule makes on its date: "applied", "same" (already
    so) or "pending" (no such session yet). ``dry_run``: only say which (an import's preview).
    Call under the write lock."""
    day = datetime.date.fromisoformat(change["date"])
    event = Event.get_or_none(Event.uid == schedules.occurrence_uid(schedule_uid, day))
    if event is None:
        return "pending"
    if change["kind"] == "cancelled":
        if event.cancelled:
            return "same"
        if not dry_run:
            bookings.cancel_session(event.uid, change["reason"], by)
        return "applied"
    starts, ends = _utc(change["starts_at"]), _utc(change["ends_at"])
    if event.moved_from is not None and (event.starts_at, event.ends_at) == (starts, ends):
        return "same"
    if not dry_run:
        schedules.move(event.uid, starts, ends, change["reason"])
    return "applied"


def keep_pending(items):
    """Keep imported [(schedule uid, change)] until the service that makes them is published."""
    kept = {(s, c["kind"], c["date"]): (s, c) for s, c in _pending()}
    kept.update({(s, c["kind"], c["date"]): (s, c) for s, c in items})
    KioskState.set_value(PENDING_KEY, json.dumps(list(kept.values()), ensure_ascii=False, sort_keys=True))


def _pending():
    try:
        return [(s, c) for s, c in json.loads(KioskState.get_value(PENDING_KEY) or "[]")]
    except (ValueError, TypeError):
        return []


def apply_pending(schedule_uids, tz):
    """Apply the kept changes of these schedules whose session now exists; forget those whose
    date has passed. Returns how many were applied. Call under the write lock (publish)."""
    items = _pending()
    if not items:
        return 0
    today, wanted, applied, left = clock.ward_today(tz), set(schedule_uids), 0, []
    for schedule_uid, change in sorted(items, key=lambda i: list(CODES).index(i[1]["kind"])):
        if datetime.date.fromisoformat(change["date"]) < today:
            continue
        result = apply(schedule_uid, change) if schedule_uid in wanted else "pending"
        if result == "pending":
            left.append((schedule_uid, change))
        applied += result == "applied"
    if left:
        KioskState.set_value(PENDING_KEY, json.dumps(left, ensure_ascii=False, sort_keys=True))
    else:
        KioskState.delete().where(KioskState.key == PENDING_KEY).execute()
    return applied


__all__ = ["of_service", "since", "undo", "for_export", "encode", "decode", "apply", "keep_pending",
           "apply_pending"]
