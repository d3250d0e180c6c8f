"""Catalog pages rendered once and served to every visitor from memory.

Most of what visitors open (home, directory, sessions, a service, an empty sign-up form) is the
same for everyone who reads it in the same language with the same display preferences, until
the catalog changes. Rendering such a page costs tens of milliseconds (Jinja, Babel, peewee);
serving it from memory costs a dictionary look-up. A page is stored under everything that changes
its HTML:

- its URL with the query, and whether it is an htmx fragment or a full page;
- the visitor's display preferences (text size, contrast, furigana);
- the catalog's generation (kiosk.catalog.bump_generation: every feed page, every load) and
  whether the catalog is the demo (its banner), read in one statement per request;
- the minute, since a session that has begun is no longer upcoming;
- the kiosk's own site (distances, the site's name) and the public address its QR codes open;
- what the view adds (``vary``): seats left on pages that show them, the revoked banner.

What belongs to one visitor or one moment is never stored. The page is kept with holes where the
CSRF token, the visit's id, a form's submission id and the online indicator go, and each request
fills them (``FILLERS``). A page with anything a visitor typed (a form shown again) does not come
here at all, and every page stays ``no-store`` for the browser (kiosk.web.security).
"""
import collections
import functools
import logging
import re
import threading

from flask import current_app, g, request, session

from .. import clock
from ..catalog import catalog_state
from ..search import analyser
from . import furigana
from .per_request import note, noted
from . import replay
from .render import wants_fragment
from .sessions import csrf_token

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
_HOLE = "__kiosk_hole_{}__"
_HOLE_RE = re.compile(r"__kiosk_hole_([a-z]+)__")
# A session value this long that shows up in a page means the page is someone's own: never stored.
_PERSONAL_MIN_LENGTH = 8

# name -> function giving this request's text for the hole (HTML-safe where the hole sits).
FILLERS = {"csrf": csrf_token}


def fill_each_time(name, make):
    """``make()`` (no request needed) fills the hole ``name`` anew for every request, with or
    without Flask (kiosk.web.replay)."""
    FILLERS[name] = replay.FRESH_FILLS[name] = make


def hole(name):
    """The placeholder a shared render puts where ``name`` goes (see FILLERS)."""
    return _HOLE.format(name)


def shared_render():
    """True while the page being rendered is for every visitor: per-visitor values are holes."""
    return bool(noted("shared_render"))


class Page:
    """A stored page: literal bytes with the names of holes between them."""
    __slots__ = ("parts", "vary", "size")

    def __init__(self, parts, vary):
        self.parts = parts      # [bytes, name, bytes, name, ..., bytes]
        self.vary = vary
        self.size = sum(len(p) for p in parts[::2])


class PageCache:
    """Pages by key, least recently used out first, within a budget of bytes. (Any entry with a
    ``size`` will do: the result cards are kept in one too, kiosk.site.cards.)"""

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._pages = collections.OrderedDict()
        self._bytes = 0
        self._epoch = None
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page, epoch=None):
        """Store ``page``. ``epoch``: what every key of the moment shares (the catalog's generation
        and the minute); a newer one means the stored pages can no longer be asked for."""
        if page.size > self.max_bytes:
            return
        with self._lock:
            if epoch != self._epoch:
                self._pages.clear()
                self._bytes, self._epoch = 0, epoch
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self.max_bytes:
                _k, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.size

    def clear(self):
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._pages)

    def texts(self):
        """Every stored page's text, holes left out: what a look into the store would find."""
        with self._lock:
            pages = list(self._pages.values())
        return [b"".join(page.parts[::2]).decode() for page in pages]


def epoch():
    """What everything stored for visitors at this moment shares: the catalog's generation and
    the minute (a session that has begun is no longer upcoming). Pages, cards and results
    fragments name it, so a newer one means the stored ones can no longer be asked for."""
    return catalog_state()[0], clock.now().replace(second=0, microsecond=0)


def _key(vary):
    """(epoch, this request's own part): the epoch is what every key of the moment shares."""
    req, visitor = request._get_current_object(), session._get_current_object()
    _generation, demo = catalog_state()
    config = current_app.config
    return (epoch(), (req.full_path, wants_fragment(), bool(req.htmx), visitor.get("size", 0),
                    bool(visitor.get("contrast")), furigana.on(), demo, tuple(v() for v in vary),
                    config.get("SITE_SLUG"), config.get("PUBLIC_BASE_URL")))   # where "near" is; the QR codes


def shared_page(*vary, when=None):
    """Serve the view's page from the cache, rendering it once per key (see the module's
    docstring). ``vary``: functions of the request whose values also change the page.
    ``when``: a function saying whether this request may be served so (else the view runs)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.method not in ("GET", "HEAD") or (when is not None and not when()):
                return view(*args, **kwargs)
            return serve(lambda: view(*args, **kwargs), vary)
        return wrapper
    return decorate


def serve(render, vary=()):
    """The page for this request: stored, or rendered for everyone by ``render`` and stored."""
    cache = current_app.extensions["page_cache"]
    key = _key(vary)
    page = cache.get(key)
    if page is None:
        page, response = _render_shared(render)
        if page is None:
            return response
        cache.put(key, page, epoch=key[0])
    values = {}
    response = _fill(page, values=values)
    replay.offer(key, values, session)     # the next such request may be answered without Flask
    return response


def _render_shared(render):
    """(Page, None) for a page that may be stored, else (None, the response with holes filled)."""
    note("shared_render", True)
    misses = analyser.misses
    try:
        response = current_app.make_response(render())
    finally:
        note("shared_render", False)
    if response.direct_passthrough or response.mimetype != "text/html":
        return None, response
    furigana.apply(response)
    body = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token, hole("csrf"))
    page = _split(body, response.vary)
    # A page rendered while the analyser was away lacks readings: shown, not kept.
    if response.status_code != 200 or _personal(body) or analyser.misses != misses:
        return None, _fill(page, response)
    return page, None


def _personal(body):
    """Does the page hold a value of this visitor's session? Then it is hers, and not stored."""
    found = [k for k, v in session.items()
             if isinstance(v, str) and len(v) >= _PERSONAL_MIN_LENGTH and v in body]
    if found:
        log.warning("a shared page holds the visitor's session values %s; not stored", sorted(found))
    return bool(found)


def _split(body, vary):
    pieces = _HOLE_RE.split(body)
    parts = [p.encode() if i % 2 == 0 else p for i, p in enumerate(pieces)]
    return Page(parts, tuple(vary))


def _fill(page, response=None, values=None):
    """The page with this request's values in its holes, as a response (``values``: a dict to
    fill with them)."""
    values = {} if values is None else values
    out = []
    for i, part in enumerate(page.parts):
        if i % 2 == 0:
            out.append(part)
            continue
        if part not in values:
            values[part] = str(FILLERS[part]()).encode()
        out.append(values[part])
    body = b"".join(out)
    if response is None:
        response = current_app.response_class(body, mimetype="text/html")
        if page.vary:
            response.headers["Vary"] = ", ".join(page.vary)
    else:
        response.set_data(body)
        for header in page.vary:
            response.vary.add(header)
    note("furigana_applied")    # a stored page had its readings added before it was stored
    return response


def init_app(app):
    app.extensions["page_cache"] = PageCache(int(float(app.config.get("PAGE_CACHE_MB", 4)) * 1024 * 1024))
