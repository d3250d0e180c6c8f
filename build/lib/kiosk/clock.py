"""The kiosk's clock. CLOCK_OFFSET_SECONDS exists so tests can give a kiosk a wrong clock (a year
ahead, days behind) and prove it still syncs; in production it is 0."""
import datetime

_offset = datetime.timedelta(0)


def set_offset(seconds):
    global _offset
    _offset = datetime.timedelta(seconds=float(seconds or 0))


def now():
    """Naive UTC 'now' as this kiosk's (possibly wrong) clock says."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + _offset


def timestamp():
    return (datetime.datetime.now(datetime.timezone.utc) + _offset).timestamp()
