"""This machine's clock (a kiosk's or the hub's), and the ward's calendar read from it.
CLOCK_OFFSET_SECONDS exists so tests can give a kiosk a wrong clock (a year ahead, days behind)
and prove it still syncs; in production it is 0. The ward's day is worked out only here, from
now(): a test that moves the clock moves every "today"."""
import datetime
import zoneinfo

_offset = datetime.timedelta(0)


def set_offset(seconds):
    global _offset
    _offset = datetime.timedelta(seconds=float(seconds or 0))


def now():
    """Naive UTC 'now' as this kiosk's (possibly wrong) clock says."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + _offset


def timestamp():
    return (datetime.datetime.now(datetime.timezone.utc) + _offset).timestamp()


# --- The ward's calendar ---------------------------------------------------------------------
# Times are stored as naive UTC; days are the ward's (TIMEZONE, an IANA name such as
# "Asia/Tokyo"). These are the one place that turns the one into the other.

def ward_time(moment, tz):
    """A naive UTC moment as the ward's wall clock reads it (aware, in ``tz``)."""
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zoneinfo.ZoneInfo(tz))


def ward_today(tz):
    """Today in the ward, by this machine's clock (CLOCK_OFFSET_SECONDS included)."""
    return ward_time(now(), tz).date()


def day_bounds(day, tz):
    """(start, end) of a day in the ward as naive UTC: a moment t is on that day when
    start <= t < end (the end is the next day's midnight, so a day of a clock change is right)."""
    zone = zoneinfo.ZoneInfo(tz)
    return tuple(datetime.datetime.combine(d, datetime.time(0), zone).astimezone(datetime.timezone.utc)
                 .replace(tzinfo=None) for d in (day, day + datetime.timedelta(days=1)))
