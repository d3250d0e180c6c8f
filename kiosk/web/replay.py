"""Stored pages sent again without going through Flask, to visitors whose request asks for
exactly what Flask last answered.

A page every visitor shares (kiosk.web.pagecache) costs little to render once stored, but each
request for it still goes through all of Flask: the request context, the session's cookie, the
URL map, a dozen hooks, two small database reads for the page's key, the response object, the
headers. That was four to five times a bare Flask "hello" on the same server. This middleware
sits in front of Flask and remembers, for each request that Flask answered with a stored page,
what the answer depended on; the next request that depends on the same things gets the same
page with its own values in the page's holes, without Flask.

A results fragment (search as you type) is answered again the same way, from the results cache
that holds it, for the same visit only: a search URL names its visit, and another visit's goes to
Flask, which shows it without its term.

A request is answered here only when everything Flask would have read is known to be the same:

- the same method (GET, no body), path, query, host and scheme, and the same htmx headers;
- a visitor whose session holds nothing but her display preferences and the two ids every
  visitor gets (CSRF token, visit), read from a cookie this process has already checked
  (kiosk.web.sessions); her preferences are part of the key, the ids fill the page's holes;
  any other session (a host, a half-typed form, a flash of a finished sign-up) goes to Flask;
- a new visitor (no cookie) gets a new session minted here, exactly as Flask makes one;
- nothing a page may show written since (``PRAGMA data_version`` on a connection of this
  middleware's own sees any commit by anyone; the change counter that triggers on every table
  keep (kiosk.db.watch_changes) tells seats, the catalog, a feed page from the counts of what
  residents look for, which no page shows), the same minute,
  the same sync state in memory (the footer), and no other request than a GET since (a POST may
  change what this process keeps in memory).

Anything else, and anything unexpected, goes to Flask, which answers as it always did and, for
a stored page, tells this middleware what it depended on (``offer``, ``offer_body``). What a view
did besides showing the page (a page opened or a search counted) it hands over too (``also``),
and it is done again with every answer given here.
"""
import collections
import logging
import sqlite3
import threading
import urllib.parse
import zlib

from flask import has_request_context, request

from .. import clock
from . import sessions

log = logging.getLogger(__name__)

OFFER = "kiosk.replay.offer"
ALSO = "kiosk.replay.also"
# Session keys a visitor's session may hold for her pages to be answered here.
IDS = ("csrf_token", "visit")
PREFERENCES = ("size", "contrast", "furigana")
ALLOWED = frozenset(IDS + PREFERENCES)
# The request headers a stored page may depend on (what Flask, htmx-flask and the views read).
KEY_HEADERS = ("HTTP_HOST", "HTTP_HX_REQUEST", "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST",
               "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
               "HTTP_X_FORWARDED_PREFIX", "HTTP_ACCEPT_LANGUAGE")
ENTRIES_KEPT = 512
BODY_BYTES_KEPT = 128 * 1024    # copies of bodies rewritten on their way out (furigana), compressed
# Holes that get a new value on every answer, from a function that needs no request (a form's
# one-time id): kiosk.web.pagecache.fill_each_time puts them here.
FRESH_FILLS = {}


def offer(page_key, values, session):
    """Flask answered this request with the stored page ``page_key`` and ``values`` in its holes,
    for a visitor whose session (after the page) is ``session``."""
    if has_request_context():
        request.environ[OFFER] = (page_key, values, dict(session))


def offer_body(session, lookup):
    """Flask answered this request with a body that is the same for every request alike (a
    results fragment: its URL, the catalog, the minute and her preferences make it), which
    ``lookup()`` gives again while its cache keeps it (else None). Where the body sent is not
    exactly that (rewritten on its way out), a compressed copy is kept instead."""
    if has_request_context():
        request.environ[OFFER] = (None, lookup, dict(session))


def also(action):
    """This request did more than show a page: ``action(session)`` (no request needed; the
    answered visitor's session data, empty for a new one) does the same when the page is
    answered again without Flask (a page opened is counted)."""
    if has_request_context():
        request.environ.setdefault(ALSO, []).append(action)


class Entry:
    __slots__ = ("page_key", "lookup", "body", "visit", "values", "status", "headers", "cookie", "minted",
                 "actions", "stamp")

    def __init__(self, page_key, lookup, body, visit, values, status, headers, cookie, minted, actions, stamp):
        self.page_key, self.values, self.status, self.actions = page_key, values, status, actions
        # A whole body (offer_body), where page_key is None: from its cache by ``lookup``, or a
        # compressed copy. It is for this visit only (a search URL names its visit, and its pager
        # links repeat it: another visit's is answered by Flask, without its term).
        self.lookup, self.body, self.visit = lookup, body, visit
        self.headers, self.cookie, self.stamp = headers, cookie, stamp
        self.minted = minted    # the ids a new visitor's session gets with this page


class Replay:
    """The middleware (see the module's docstring) around ``app.wsgi_app``."""

    def __init__(self, app, database_path, fresh_fills=FRESH_FILLS, fingerprint=lambda app: None):
        self.app = app
        self.fingerprint = fingerprint     # what pages show from memory (the sync loop's board)
        self.next = app.wsgi_app
        self.cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
        self.fresh_fills = fresh_fills
        self._entries = collections.OrderedDict()     # oldest first
        self._lock = threading.Lock()
        self._body_bytes = 0
        self._others = 0         # requests other than GET seen (each one twice: start and end)
        self.database_path = database_path
        self._con = None
        self._version = self._seen = None
        self.answered = 0        # requests answered here (the tests read it)

    # --- what a stored answer depends on ---------------------------------------------------

    def _changes(self):
        """Changes with every commit by any other connection, in this process or another, that
        wrote what a page may show: ``PRAGMA data_version`` says something was committed, and
        then the change counter (kiosk.db.watch_changes) and the schema's version say whether
        it was only what no page shows (the counts of what residents look for, written every
        second while they search). A file without the counter: every commit counts."""
        with self._lock:
            if self._con is None:
                # Opened at the first request, not with the app (a command that restores the
                # file never serves), and read-only: closing it never checkpoints or removes
                # the write-ahead log.
                self._con = sqlite3.connect(f"file:{urllib.parse.quote(self.database_path)}?mode=ro", uri=True,
                                            check_same_thread=False, isolation_level=None)
                self._con.execute("PRAGMA cache_size = -64")
            version = self._con.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                # Read after the version: what it reads is at least as new as what the version saw.
                try:
                    self._seen = self._con.execute(
                        "SELECT n, (SELECT schema_version FROM pragma_schema_version) "
                        "FROM change_counter WHERE id = 1").fetchone()
                except sqlite3.OperationalError:
                    self._seen = None
                if self._seen is None:
                    self._seen = ("commit", version)
                self._version = version
            return self._seen

    def _stamp(self):
        return (self._changes(), clock.now().replace(second=0, microsecond=0),
                self.fingerprint(self.app), self._others)

    def _visitor(self, environ):
        """(the session's data or None for a new visitor, its cookie) or None: not for here."""
        header = environ.get("HTTP_COOKIE")
        if not header:
            return None, None
        value = None
        for part in header.split(";"):
            name, _, v = part.strip().partition("=")
            if name == self.cookie_name:
                if value is not None:
                    return None
                value = v
        if value is None:
            return None, None
        if not value or value.startswith('"'):
            return None
        data = self.app.session_interface.remembered(value)
        if data is None or not ALLOWED.issuperset(data):
            return None
        return data, value

    def _key(self, environ, data):
        prefs = tuple(data.get(k) for k in PREFERENCES) if data is not None else None
        return (environ.get("PATH_INFO"), environ.get("QUERY_STRING"), environ.get("SCRIPT_NAME"),
                environ.get("wsgi.url_scheme"), tuple(environ.get(h) for h in KEY_HEADERS), prefs)

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET":
            return self._other(environ, start_response)
        if environ.get("CONTENT_LENGTH") not in (None, "", "0") or environ.get("HTTP_TRANSFER_ENCODING"):
            return self.next(environ, start_response)
        try:
            visitor = self._visitor(environ)
            if visitor is None:
                return self.next(environ, start_response)
            data, _cookie = visitor
            key = self._key(environ, data)
            stamp = self._stamp()
            entry = self._entries.get(key)
            if entry is not None and entry.stamp == stamp:
                answer = self._answer(entry, data)
                if answer is not None:
                    status, headers, body = answer
                    for action in entry.actions:
                        action(data or {})
                    start_response(status, headers)
                    self.answered += 1
                    return [body]
        except Exception:   # noqa: BLE001 - Flask answers whatever this could not
            log.exception("replay: a request went to Flask after an error here")
            return self.next(environ, start_response)
        return self._through(environ, start_response, key, data, stamp)

    def _other(self, environ, start_response):
        """A POST (or any other method): what it changes in memory may change a page."""
        with self._lock:
            self._others += 1
        try:
            return self.next(environ, start_response)
        finally:
            with self._lock:
                self._others += 1

    def _through(self, environ, start_response, key, data, stamp):
        """Flask answers; a stored page it offers is remembered for the next such request."""
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.next(environ, capture)
        offered = environ.get(OFFER)
        if offered is not None and seen.get("status", "").startswith("200 "):
            if offered[0] is None:      # a whole body: read it here, and send it on
                try:
                    whole = b"".join(body)
                finally:
                    if hasattr(body, "close"):
                        body.close()
                body = [whole]
            else:
                whole = None
            try:
                self._remember(key, data, stamp, offered, whole, seen["status"], seen["headers"],
                               environ.get(ALSO, ()))
            except Exception:   # noqa: BLE001 - not remembered; the visitor has her page
                log.exception("replay: an answer could not be remembered")
        return body

    def _remember(self, key, data, stamp, offered, whole, status, headers, actions):
        page_key, values, session_after = offered
        lookup = None
        if page_key is None:
            lookup, values = values, {}
        cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        if data is None and session_after:
            # A new visitor: Flask made her a session with ids only, and sent it.
            if not set(IDS).issuperset(session_after) or len(cookies) != 1 \
                    or not cookies[0].startswith(self.cookie_name + "="):
                return
            cookie = cookies[0].partition(";")[2]     # its attributes (Path, HttpOnly, SameSite)
        else:   # a visitor whose session the page did not change (a new one's stays empty)
            if cookies or session_after != (data or {}):
                return
            cookie = None
        minted = tuple(k for k in IDS if k in session_after) if data is None else ()
        kept = [(k, v) for k, v in headers if k.lower() not in ("set-cookie", "content-length")]
        fixed = {name: value for name, value in values.items()
                 if name not in self.fresh_fills and name not in VISITOR_FILLS}
        packed = None
        if whole is not None:
            if lookup() != whole:       # not the cached text as it is: a copy of its own
                lookup, packed = None, zlib.compress(whole, 1)
                if len(packed) > BODY_BYTES_KEPT // 16:
                    return
        entry = Entry(page_key, lookup, packed, (data or {}).get("visit"), fixed, status, kept, cookie, minted,
                      tuple(actions), stamp)
        with self._lock:
            old = self._entries.pop(key, None)
            self._body_bytes += len(packed or b"") - (len(old.body) if old is not None and old.body else 0)
            self._entries[key] = entry
            while len(self._entries) > ENTRIES_KEPT or self._body_bytes > BODY_BYTES_KEPT:
                _key, dropped = self._entries.popitem(last=False)
                self._body_bytes -= len(dropped.body) if dropped.body else 0

    def _answer(self, entry, data):
        """(status, headers, body) for this visitor, or None when the page is no longer stored."""
        headers = list(entry.headers)
        if entry.page_key is None:
            if entry.visit != (data or {}).get("visit"):
                return None
            body = entry.lookup() if entry.lookup is not None else zlib.decompress(entry.body)
            if body is None:
                return None
            headers.append(("Content-Length", str(len(body))))
            return entry.status, headers, body
        page = self.app.extensions["page_cache"].get(entry.page_key)
        if page is None:
            return None
        if entry.minted:
            data = self._mint(entry.minted)
            attributes = f";{entry.cookie}" if entry.cookie else ""
            headers.append(("Set-Cookie", f"{self.cookie_name}={self._cookie_value(data)}{attributes}"))
        elif data is None:
            data = {}
        values = dict(entry.values)
        out = []
        for i, part in enumerate(page.parts):
            if i % 2 == 0:
                out.append(part)
                continue
            value = values.get(part)
            if value is None:
                if part in VISITOR_FILLS:
                    try:
                        value = VISITOR_FILLS[part](self.app, data).encode()
                    except KeyError:    # her session lacks it: Flask adds it, and sends the cookie
                        return None
                elif part in self.fresh_fills:
                    value = str(self.fresh_fills[part]()).encode()
                else:
                    return None
                if part not in self.fresh_fills:
                    values[part] = value
            out.append(value)
        body = b"".join(out)
        headers.append(("Content-Length", str(len(body))))
        return entry.status, headers, body

    # --- a new visitor's session, as Flask makes it ------------------------------------------

    def _mint(self, keys):
        """A new visitor's session with the ids ``keys``, made as Flask's side makes them."""
        made = {"csrf_token": sessions.new_raw_csrf, "visit": sessions.new_visit_id}
        return {key: made[key]() for key in keys}

    def _cookie_value(self, data):
        interface = self.app.session_interface
        value = interface.get_signing_serializer(self.app).dumps(data)
        interface.remember(value, data)
        return value


# Holes each visitor fills with her own session's values.
VISITOR_FILLS = {"csrf": lambda app, data: sessions.signed_csrf(app, data["csrf_token"]),
                 "visit": lambda app, data: data["visit"]}


def install(app, fingerprint):
    """Put the middleware in front of a kiosk's Flask app (its database a SQLite file).
    ``fingerprint(app)``: what its pages show from memory rather than from the database."""
    url = app.config.get("DATABASE_URL", "")
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else None
    if not app.config.get("REPLAY", True) or not path or path == ":memory:":
        return None
    middleware = Replay(app, path, fingerprint=fingerprint)
    app.wsgi_app = middleware
    app.extensions["replay"] = middleware
    return middleware
