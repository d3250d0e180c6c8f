"""The online / last-synced indicator in every kiosk page's footer, read from memory.

The sync loop of this process is what changes the state the footer shows, so it keeps that state
in memory (``Board``) and updates it before it writes it to the database (outbox.set_state): a
page never shows an older state than the database holds. Only the backlog ("3 records waiting")
is counted in the database, once after each round and after each local write (wake_sync), not
once a page: records the hub acknowledges during a round leave the count when the round ends.
Without a loop in this process (tests, a command) the state is read from the database, in two
statements.

Pages stored for every visitor (kiosk.web.pagecache) have a hole where the footer goes; each
request fills it with ``footer_html``, rendered once per state, language and furigana.
"""
import threading
from typing import NamedTuple

from flask import current_app, render_template
from markupsafe import Markup

from .. import vocab
from ..db import SYNC_STATE_KEYS, database, read
from ..models import KioskState, Outbox
from ..sync.protocol import parse_time
from ..web import furigana, pagecache
from ..web.cache import FragmentCache
from ..web.formatting import short_datetime
from ..web.per_request import once


class Snapshot(NamedTuple):
    """The sync state as a page shows it, before formatting for the visitor's language."""
    online: bool
    last_sync_at: str | None
    pending: int
    held: int
    revoked: bool
    error: str
    error_since: object     # naive UTC datetime or None


def stored_state():
    """{key: value} of SYNC_STATE_KEYS as saved in the database, in one statement."""
    p = database.param
    marks = ", ".join([p] * len(SYNC_STATE_KEYS))
    return dict(read(f'SELECT "key", "value" FROM "{KioskState._meta.table_name}" WHERE "key" IN ({marks})',
                     SYNC_STATE_KEYS))


def stored_counts():
    """(records waiting, of which set aside) in the outbox, in one statement."""
    table = Outbox._meta.table_name
    pending, held = read(f'SELECT COUNT(*), COUNT("held_at") FROM "{table}"')[0]
    return int(pending), int(held)


class Board:
    """What the sync loop last wrote, and the backlog as last counted (see the module's
    docstring). The loop writes, waitress threads read: a write replaces the dict a reader may
    hold, never changes it, so reading takes no lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = None
        self._counts = None
        self._version = 0
        self.changes = 0       # every update and recount: kiosk.web.replay's fingerprint

    def state(self):
        state = self._state
        if state is None:
            with self._lock:
                if self._state is None:
                    self._state = stored_state()
                state = self._state
        return state

    def update(self, values):
        """The loop is about to save ``values``: pages show them from now on. Only a change a
        page shows counts as one (a round's new time of sync within the same minute does not)."""
        with self._lock:
            current = self._state if self._state is not None else stored_state()
            self._state = {**current, **{k: str(v) for k, v in values.items() if k in SYNC_STATE_KEYS}}
            if _shown(self._state) != _shown(current):
                self.changes += 1

    def counts(self):
        counts, version = self._counts, self._version
        if counts is None:
            counts = stored_counts()
            with self._lock:
                if self._version == version:     # no write since the count began
                    self._counts = counts
        return counts

    def recount(self):
        """The outbox changed: count it again when a page next asks."""
        with self._lock:
            self._version += 1
            self._counts = None
            self.changes += 1

    def refresh(self):
        """After a sync round: count the backlog again now (in the loop's thread), and let
        pages know only if the count they show moved (a quiet round keeps every stored page)."""
        counts = stored_counts()
        with self._lock:
            if counts != self._counts:
                self._version += 1
                self._counts = counts
                self.changes += 1


def _shown(state):
    """What the footer shows of a state: its time of sync to the minute (short_datetime)."""
    return {k: (v[:16] if k == "last_sync_at" and v else v) for k, v in state.items()}


def board():
    """This process's sync loop's board, or None without a loop."""
    loop = current_app.extensions.get("sync_loop")
    return getattr(loop, "board", None)


def snapshot():
    """This request's Snapshot (read once a request: the page's key and its render agree)."""
    return once("sync_snapshot", _snapshot)


def _snapshot():
    memory = board()
    if memory is not None:
        loop = current_app.extensions["sync_loop"]
        state, (pending, held) = memory.state(), memory.counts()
        error, since = loop.error, loop.failing_since
    else:
        state, (pending, held) = stored_state(), stored_counts()
        error = state.get("sync_error") or ""
        since = parse_time(state.get("sync_error_since")) if error else None
    return Snapshot(
        online=state.get("online") == "1", last_sync_at=state.get("last_sync_at") or None,
        pending=pending, held=held, revoked=state.get("revoked") == "1", error=error,
        error_since=since if error else None)


def fingerprint(app):
    """What the footer and the revoked banner show that the database does not: the loop's board
    and its current failure, for kiosk.web.replay (None without a loop: then it is all stored)."""
    loop = app.extensions.get("sync_loop")
    memory = getattr(loop, "board", None)
    if memory is None:
        # No loop in this process (tests, a command): the footer reads the database, where the
        # change counter does not see these keys (kiosk.db.QUIET_KEYS). Read as it shows them.
        with app.app_context(), database.connection_context():
            return tuple(sorted(_shown(stored_state()).items()))
    return memory.changes, loop.error, loop.failing_since


def revoked():
    """Whether this kiosk has been revoked (the banner on every page)."""
    return snapshot().revoked


def shown(snap):
    """The Snapshot as the footer template reads it, in the visitor's language and time zone."""
    error = snap.error
    return {"online": snap.online,
            "last_sync_at": short_datetime(parse_time(snap.last_sync_at)) if snap.last_sync_at else None,
            "pending": snap.pending,
            "held": snap.held,
            "revoked": snap.revoked,
            "error": vocab.sync_error_text(error) if error and not error.startswith("refused:revoked") else "",
            "error_since": short_datetime(snap.error_since) if error and snap.error_since else None}


def footer_html():
    """The footer's indicator for this request, rendered once per state, language and furigana."""
    from ..web.i18n import current_language
    on = furigana.on()
    key = (current_language(), on, snapshot(), pagecache.catalog_state()[0] if on else None)
    cache = current_app.extensions.setdefault("status_footers", FragmentCache(size=64))

    def render():
        html = render_template("site/_status.html", status=shown(snapshot()))
        return furigana.rewrite(html, furigana.corrections()) if on else html
    return Markup(cache.get_or_render(key, render))


def status_footer():
    """The layout's footer indicator: a hole in a page rendered for every visitor."""
    if pagecache.shared_render():
        return Markup(pagecache.hole("status"))
    return footer_html()


def init_app(app):
    pagecache.FILLERS["status"] = footer_html
    app.jinja_env.globals["status_footer"] = status_footer
