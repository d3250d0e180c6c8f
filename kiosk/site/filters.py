"""Template helpers for the kiosk screens: locale-aware dates, vocab labels, status line."""
import functools

import babel.dates
from flask import current_app
from flask_babel import format_time, get_locale, to_user_timezone
from flask_babel import gettext as _

from .. import vocab
from .session import sync_status


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
    day = skeleton(start, "MMMEd")
    return _("%(day)s · %(start)s–%(end)s", day=day, start=format_time(start, "short"),
             end=format_time(end, "short"))


def day_heading(dt):
    local = to_user_timezone(dt)
    return skeleton(local, "MMMMEEEEd")


def init_app(app):
    app.add_template_filter(when)
    app.add_template_filter(day_heading)

    @app.context_processor
    def _vocab():
        return {"vocab": vocab, "idle_seconds": current_app.config["IDLE_SECONDS"],
                "idle_countdown": current_app.config["IDLE_COUNTDOWN_SECONDS"],
                "sync_status": sync_status}
