"""Template helpers both roles use: locale-aware dates and the catalog vocabularies."""
import functools

import babel.dates
from flask_babel import format_time, get_locale, to_user_timezone
from flask_babel import gettext as _

from .. import vocab


@functools.lru_cache(maxsize=64)
def _pattern(skeleton, locale):
    """The locale's date pattern for a skeleton (matching a skeleton is slow; do it once)."""
    formats = locale.datetime_skeletons
    return formats[babel.dates.match_skeleton(skeleton, formats)].pattern


def skeleton(dt, name):
    locale = get_locale()
    return babel.dates.format_datetime(dt, _pattern(name, locale), locale=locale)


def when(event):
    """'Tue, Nov 25 · 10:00–12:00' in the visitor's locale and the ward's time zone."""
    start, end = to_user_timezone(event.starts_at), to_user_timezone(event.ends_at)
    return _("%(day)s · %(start)s–%(end)s", day=skeleton(start, "MMMEd"),
             start=format_time(start, "short"), end=format_time(end, "short"))


def day_heading(dt):
    return skeleton(to_user_timezone(dt), "MMMMEEEEd")


def init_app(app):
    app.add_template_filter(when)
    app.add_template_filter(day_heading)

    @app.context_processor
    def _vocab():
        return {"vocab": vocab}
