"""Recurring sessions: HSDS schedules (RFC 5545 rules) expanded into dated events ahead of time.

A schedule says "every Tuesday 10:00-12:00 at this plaza, 20 seats". The hub keeps its dated
sessions SCHEDULE_WEEKS_AHEAD weeks ahead by itself (`keep_ahead`, run at most once a day by
whichever hub process sees a request first); kiosks receive the sessions through the feed.

An event's uid is derived from its schedule and the occurrence's date, so expanding twice never
makes a second session, and a date that staff cancelled or moved keeps its uid and is never
recreated. Recurrence is python-dateutil's rrule; Japan's public holidays come from `holidays`.
A rule that skips public holidays also skips the ward's year-end closing (年末年始, 29 December to
3 January), when its offices, plazas and halls are shut although only 1 January is a holiday.
"""
import datetime
import functools
import uuid
import zoneinfo

import holidays
from dateutil.rrule import rrulestr

from ... import clock
from ...catalog_docs import schedule_document
from ...models import Event, HubSignup, KioskState, Schedule, Service
from ...models.catalog import utcnow
from .. import bookings
from ..intake import feed

FREQS = ("WEEKLY", "MONTHLY", "")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EVENT_NAMESPACE = uuid.UUID("6f1c1b1e-5d2a-4c55-9a53-3f4f5c6b7a80")
AHEAD_KEY = "schedules_ahead_on"
_checked_on = {"day": None}   # this process already kept the sessions ahead today


@functools.lru_cache(maxsize=8)
def _japan_holidays(year):
    return frozenset(holidays.Japan(years=year))


def is_holiday(day):
    return day in _japan_holidays(day.year)


def is_year_end(day):
    """29 December to 3 January: the ward's offices close for the New Year."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def rule_text(s):
    """The RFC 5545 RRULE of a schedule (without DTSTART), or "" for a single date."""
    if not s["freq"]:
        return ""
    parts = [f"FREQ={s['freq']}", f"INTERVAL={int(s.get('interval') or 1)}"]
    if s.get("byday"):
        parts.append(f"BYDAY={s['byday']}")
    if s.get("bymonthday"):
        parts.append(f"BYMONTHDAY={s['bymonthday']}")
    return ";".join(parts)


def check(s):
    """The error code of a schedule document, or None. Used by forms and the HSDS import."""
    s = parsed(s)
    if s.get("freq") not in FREQS:
        return "freq"
    try:
        opens = datetime.time.fromisoformat(s["opens_at"])
        closes = datetime.time.fromisoformat(s["closes_at"])
    except (KeyError, TypeError, ValueError):
        return "time"
    if closes <= opens:
        return "time_order"
    if not isinstance(s.get("valid_from"), datetime.date):
        return "valid_from"
    # parsed() leaves "invalid" for a date it could not read: refused, never compared with a date.
    if s.get("valid_to") is not None and (not isinstance(s["valid_to"], datetime.date)
                                          or s["valid_to"] < s["valid_from"]):
        return "valid_to"
    if not 1 <= int(s.get("interval") or 1) <= 12:
        return "interval"
    if s["freq"] == "WEEKLY" and not s.get("byday"):
        return "byday"
    if s["freq"] == "MONTHLY" and not (s.get("byday") or s.get("bymonthday")):
        return "byday"
    if s["freq"]:
        try:
            rrulestr(rule_text(s), dtstart=datetime.datetime.combine(s["valid_from"], opens))
        except (ValueError, TypeError):
            return "rule"
    if not 0 <= int(s.get("capacity") or 0) <= 100_000:
        return "capacity"
    return None


def dates(s, start, end):
    """Occurrence dates of a schedule document within [start, end]; with skip_holidays, none on
    a public holiday or in the year-end closing (a single date is kept as it was set)."""
    first = max(start, s["valid_from"])
    last = min(end, s["valid_to"]) if s.get("valid_to") else end
    if first > last:
        return []
    if not s["freq"]:
        days = [s["valid_from"]] if first <= s["valid_from"] <= last else []
    else:
        # DTSTART is valid_from so that "every 2 weeks" counts from the rule's first week.
        rule = rrulestr(rule_text(s), dtstart=datetime.datetime.combine(s["valid_from"], datetime.time()))
        days = [d.date() for d in rule.between(datetime.datetime.combine(first, datetime.time()),
                                               datetime.datetime.combine(last, datetime.time()), inc=True)]
    if s.get("skip_holidays", True) and s["freq"]:
        days = [d for d in days if not is_holiday(d) and not is_year_end(d)]
    return days


def occurrence_uid(schedule_uid, day):
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{schedule_uid}|{day.isoformat()}"))


def as_utc(day, hhmm, tz):
    local = datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm), zoneinfo.ZoneInfo(tz))
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def document(schedule):
    """A Schedule row as a document with its dates parsed."""
    return parsed(schedule_document(schedule))


def parsed(s):
    """A schedule document with valid_from / valid_to as dates (documents carry ISO strings)."""
    out = dict(s)
    for key in ("valid_from", "valid_to"):
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = datetime.date.fromisoformat(value) if value else None
            except ValueError:
                out[key] = "invalid"
    return out


def expand(schedule, today, weeks, tz, announce=True):
    """Create the missing sessions of one schedule from today to ``weeks`` ahead. Call under the
    hub's write lock. Returns the number created. ``announce``: add feed entries (the hub)."""
    doc = document(schedule)
    end = today + datetime.timedelta(weeks=weeks)
    wanted = {occurrence_uid(schedule.uid, d): d for d in dates(doc, today, end)}
    if not wanted:
        return 0
    have = {uid for (uid,) in Event.select(Event.uid).where(Event.uid.in_(list(wanted))).tuples()}
    created = 0
    for uid, day in wanted.items():
        if uid in have:
            continue
        Event.create(uid=uid, service=schedule.service_id, site=schedule.site_id, schedule_uid=schedule.uid,
                     starts_at=as_utc(day, schedule.opens_at, tz), ends_at=as_utc(day, schedule.closes_at, tz),
                     capacity=schedule.capacity)
        if announce:
            feed.append("event", uid)
        created += 1
    return created


def retire(schedule_uid, keep_uids, now):
    """Future sessions of a schedule that its new rule no longer makes: deleted when nobody
    signed up, otherwise cancelled (their people keep their records and see the status).
    A date already cancelled or moved stays as it is: deleting it would let the rule, once
    restored, make the date again as if staff had never cancelled or moved it (its uid is the
    rule's and the date's). Call under the hub's write lock."""
    query = Event.select().where((Event.schedule_uid == schedule_uid) & (Event.starts_at > now)
                                 & Event.uid.not_in(list(keep_uids) or [""]) & (Event.moved_from.is_null())
                                 & (Event.cancelled == False))   # noqa: E712
    for event in list(query):
        if HubSignup.select().where(HubSignup.event_uid == event.uid).exists():
            bookings.cancel_session(event.uid, "schedule_changed")
        else:
            event.delete_instance()
            feed.append("event", event.uid, deleted=True)


def sync_schedule(schedule, today, weeks, tz):
    """After a rule was published: retire what it no longer makes, create what it now makes."""
    doc = document(schedule)
    end = today + datetime.timedelta(weeks=weeks)
    keep = {occurrence_uid(schedule.uid, d): d for d in dates(doc, today, end)}
    now = utcnow()
    # A session whose time or place changed keeps its date's uid, so it changes in place. One
    # already begun, cancelled or moved stays as it is (kiosk.hub.catalog.rule_plan says what
    # this does before staff save the change).
    for event in Event.select().where(Event.uid.in_(list(keep) or [""]) & Event.moved_from.is_null()
                                      & (Event.cancelled == False) & (Event.starts_at > now)):   # noqa: E712
        day = keep[event.uid]
        starts, ends = as_utc(day, schedule.opens_at, tz), as_utc(day, schedule.closes_at, tz)
        if (event.starts_at, event.ends_at, event.capacity, event.site_id) == (starts, ends, schedule.capacity,
                                                                                schedule.site_id):
            continue
        Event.update(capacity=schedule.capacity, site=schedule.site_id).where(Event.id == event.id).execute()
        if ((event.starts_at, event.ends_at, event.site_id) != (starts, ends, schedule.site_id)
                and HubSignup.select().where(HubSignup.event_uid == event.uid).exists()):
            # People signed up: moved as staff move one date, so their kiosks and status page say so.
            move(event.uid, starts, ends, "schedule_changed")
        else:
            Event.update(starts_at=starts, ends_at=ends).where(Event.id == event.id).execute()
            feed.append("event", event.uid)
    retire(schedule.uid, keep, now)
    expand(schedule, today, weeks, tz)


def keep_ahead(config, force=False):
    """Expand every active service's schedules; at most once a day per database unless forced."""
    from ..locks import write_lock
    tz = config["TIMEZONE"]
    today = clock.ward_today(tz)
    if not force and _checked_on["day"] == today:
        return 0
    if not force and KioskState.get_value(AHEAD_KEY) == today.isoformat():
        _checked_on["day"] = today
        return 0
    weeks = int(config.get("SCHEDULE_WEEKS_AHEAD", 8))
    created = 0
    with write_lock():
        for schedule in (Schedule.select().join(Service)
                         .where(Service.active == True)):   # noqa: E712
            created += expand(schedule, today, weeks, tz)
        KioskState.set_value(AHEAD_KEY, today.isoformat())
    _checked_on["day"] = today
    return created


def move(event_uid, starts_at, ends_at, reason):
    """Move one dated session to another time; its sign-ups keep their seats. Call under the
    hub's write lock."""
    event = Event.get(Event.uid == event_uid)
    Event.update(starts_at=starts_at, ends_at=ends_at, change_reason=reason, changed_at=utcnow(),
                 moved_from=event.moved_from or event.starts_at).where(Event.id == event.id).execute()
    feed.append("event", event_uid)

