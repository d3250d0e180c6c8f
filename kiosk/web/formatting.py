"""Template helpers both roles use: locale-aware dates and the catalog vocabularies."""
import functools
import re

import babel.dates
import babel.numbers
from flask_babel import format_time, get_locale, to_user_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from .. import vocab
from . import furigana, readings


@functools.lru_cache(maxsize=64)
def _pattern(skeleton, locale):
    """The locale's date pattern for a skeleton (matching a skeleton is slow; do it once)."""
    formats = locale.datetime_skeletons
    return formats[babel.dates.match_skeleton(skeleton, formats)].pattern


def skeleton(dt, name):
    locale = get_locale()
    return babel.dates.format_datetime(dt, _pattern(name, locale), locale=locale)


# Where a locale's own forms mislead or are not how its readers write dates: Korean short times
# read "AM 10:00" (Korean timetables use 24-hour time) and Korean numeric dates are written
# "2026. 12. 8."; Chinese sets the weekday in full-width brackets, 12月8日（周二）; Tagalog's
# abbreviated Tuesday "Mar" reads as March, so Tagalog names every weekday in full (CLDR has no
# full-weekday skeleton for fil). The separators of an event's date line are its translation's.
_TIME_PATTERN = {"ko": "H:mm"}
_DAY_PATTERN = {"fil": "EEEE, MMM d", "zh": "M月d日（E）"}            # event date lines
_HEADING_PATTERN = {"fil": "EEEE, MMMM d", "zh": "M月d日（EEEE）"}     # day headings
_NUMERIC_DATE_PATTERN = {"ko": "y. M. d."}


def short_time(dt):
    locale = get_locale()
    pattern = _TIME_PATTERN.get(locale.language)
    if pattern:
        return babel.dates.format_time(dt, pattern, locale=locale)
    return format_time(dt, "short")


def when(event):
    """'Tue, Nov 25 · 10:00–12:00' in the visitor's locale and the ward's time zone."""
    start, end = to_user_timezone(event.starts_at), to_user_timezone(event.ends_at)
    locale = get_locale()
    pattern = _DAY_PATTERN.get(locale.language)
    if locale.language == "ja" and furigana.on():
        # Japanese with furigana: the date line carries the readings of what it wrote, 12月7日(月)
        # じゅうにがつ なのか (げつ), which an analyser reading the finished text gets wrong.
        day = furigana.ruby_parts(readings.date_parts(start))
        return Markup(_("%(day)s · %(start)s–%(end)s")) % {"day": day, "start": short_time(start),
                                                             "end": short_time(end)}
    day = (babel.dates.format_datetime(start, pattern, locale=locale) if pattern
           else skeleton(start, "MMMEd"))
    return _("%(day)s · %(start)s–%(end)s", day=day, start=short_time(start), end=short_time(end))


@functools.lru_cache(maxsize=16)
def _short_datetime_pattern(locale):
    """The locale's numeric date and its short time, as one pattern (worked out once: staff
    tables format hundreds of these per page)."""
    time_pattern = _TIME_PATTERN.get(locale.language) or locale.time_formats["short"].pattern
    date_pattern = _NUMERIC_DATE_PATTERN.get(locale.language) or _pattern("yMd", locale)
    return f"{date_pattern} {time_pattern}"


def short_datetime(dt):
    """A date and a time, short, without seconds or time-zone names (staff screens, footers)."""
    return short_datetime_formatter(get_locale())(to_user_timezone(dt))


# Numeric fields of a date pattern, each of a date-time in its own zone.
_NUMERIC_FIELDS = {
    "y": lambda dt: str(dt.year), "yyyy": lambda dt: "%04d" % dt.year,
    "M": lambda dt: str(dt.month), "MM": lambda dt: "%02d" % dt.month,
    "d": lambda dt: str(dt.day), "dd": lambda dt: "%02d" % dt.day,
    "H": lambda dt: str(dt.hour), "HH": lambda dt: "%02d" % dt.hour,
    "h": lambda dt: str(dt.hour % 12 or 12), "hh": lambda dt: "%02d" % (dt.hour % 12 or 12),
    "m": lambda dt: str(dt.minute), "mm": lambda dt: "%02d" % dt.minute,
}


@functools.lru_cache(maxsize=16)
def short_datetime_formatter(locale):
    """short_datetime's pattern for ``locale`` as a function of a date-time already in the
    zone to show: the same text as Babel's format_datetime (tests/unit/test_formatting.py),
    without its object per field (a staff table formats hundreds per page). A pattern with a
    field other than numbers and AM/PM is left to Babel."""
    pattern = _short_datetime_pattern(locale)
    parsed = babel.dates.parse_pattern(pattern)
    periods = babel.dates.get_period_names("abbreviated", "format", locale)
    fields = dict(_NUMERIC_FIELDS, a=lambda dt: periods["pm" if dt.hour >= 12 else "am"])
    names = re.findall(r"%\((\w+)\)s", parsed.format)
    if not all(name in fields for name in names):
        return lambda dt: babel.dates.format_datetime(dt, pattern, locale=locale)
    used = {name: fields[name] for name in names}
    return lambda dt: parsed.format % {name: f(dt) for name, f in used.items()}


def short_clock(dt):
    return short_time(to_user_timezone(dt))


def day_heading(dt):
    """'Tue, December 8' above a day's events, in the visitor's locale."""
    dt = to_user_timezone(dt)
    locale = get_locale()
    pattern = _HEADING_PATTERN.get(locale.language)
    if locale.language == "ja" and furigana.on():
        return furigana.ruby_parts(readings.heading_parts(dt))
    if pattern:
        return babel.dates.format_datetime(dt, pattern, locale=locale)
    return skeleton(dt, "MMMMEEEEd")


def distance(metres):
    """'900 m', '1.3 km', '12 km' in the visitor's locale (metres already rounded: kiosk.nearby)."""
    if metres < 1000:
        return f"{babel.numbers.format_decimal(metres, locale=get_locale())} m"
    return f"{babel.numbers.format_decimal(metres / 1000, format='#,##0.#', locale=get_locale())} km"


def walking(walk):
    """How far a venue is from this kiosk: 'About 12 min walk from here (900 m)', or the distance alone
    where it is too far to walk, or that it is this very site (kiosk.nearby.Walk)."""
    if walk.here:
        return _("Here, at this site")
    if walk.minutes is None:
        return _("About %(distance)s from here", distance=distance(walk.metres))
    return _("About %(minutes)d min walk from here (%(distance)s)", minutes=walk.minutes,
             distance=distance(walk.metres))


_ADDRESS_NUMBER = re.compile(r"[0-9０-９]+(?:[-－‐−][0-9０-９]+)+")


def unbroken_numbers(text):
    """Markup of a text (already Markup: escaped, perhaps with ruby) with each number such as an
    address's 5-26-11 or a phone's 03-0000-4606 kept on one line: browsers break after a hyphen,
    and a slip or a narrow screen must not show 5- on one line and 26-11 on the next."""
    return Markup(_ADDRESS_NUMBER.sub(lambda m: f'<span class="nobreak">{m.group(0)}</span>', str(Markup.escape(text))))


def init_app(app):
    app.add_template_filter(when)
    app.add_template_filter(unbroken_numbers)
    app.add_template_filter(walking)
    app.add_template_filter(day_heading)
    app.add_template_filter(short_datetime)
    app.add_template_filter(short_clock)

    @app.context_processor
    def _vocab():
        return {"vocab": vocab, "demo_catalog": demo_catalog}


def demo_catalog():
    """True while the catalog is the demo: visitor pages then say it is sample information (read
    once a request, with the generation the page cache keys on)."""
    from .pagecache import catalog_state
    return catalog_state()[1]
