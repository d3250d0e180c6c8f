"""Result cards rendered once and shared by every search and browse page that shows them.

Search as you type shows twelve cards for every keystroke, and the letters of one word mostly
find the same services: a card's HTML (its name, summary, next session and the walk to it) is
the same for every visitor reading in the same language, until the catalog changes or the
minute turns (a session that has begun is no longer next). Rendering twelve cards and reading
their texts and sessions cost more than the search itself; a stored card costs a look-up.

A card is stored under its service, the language, the area the visitor filtered to (the next
session is in it), the kiosk's own site (the walk), furigana, and the catalog's generation and
the minute. The store keeps at most CARDS_MAX_BYTES of text, least recently used out first.
"""
import collections
import sys
import threading

from flask import current_app, g, render_template
from markupsafe import Markup

from .. import catalog, clock
from ..search import analyser
from ..web import furigana
from ..web.i18n import current_language
from ..web.pagecache import catalog_state

DEFAULT_MAX_BYTES = 1024 * 1024
_END = "<!--/card-->"       # what follows each card in a batch render (escaped text cannot hold "<")


class CardStore:
    """Cards by key within a budget of bytes; a new epoch (generation and minute) empties it."""

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._cards = collections.OrderedDict()    # key -> (html, plain note needed, size)
        self._bytes = 0
        self._epoch = None
        self._lock = threading.Lock()

    def get_many(self, epoch, keys):
        """{key: (html, plain)} of the stored cards among ``keys``."""
        with self._lock:
            if epoch != self._epoch:
                return {}
            found = {}
            for key in keys:
                entry = self._cards.get(key)
                if entry is not None:
                    self._cards.move_to_end(key)
                    found[key] = entry[:2]
            return found

    def put_many(self, epoch, cards):
        """Store {key: (html, plain)} made in ``epoch``."""
        with self._lock:
            if epoch != self._epoch:
                self._cards.clear()
                self._bytes, self._epoch = 0, epoch
            for key, (html, plain) in cards.items():
                size = sys.getsizeof(html)
                old = self._cards.pop(key, None)
                if old is not None:
                    self._bytes -= old[2]
                self._cards[key] = (html, plain, size)
                self._bytes += size
            while self._bytes > self.max_bytes and self._cards:
                _k, dropped = self._cards.popitem(last=False)
                self._bytes -= dropped[2]

    def clear(self):
        with self._lock:
            self._cards.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._cards)


def _store():
    return current_app.extensions["card_store"]


def cards(ids, lang, area=None, here=None):
    """The cards of the services ``ids`` (active ones, in that order) as Markup, each rendered by
    the card macro of site/_macros.html once per key (see the module's docstring)."""
    if not ids:
        return []
    generation, _demo = catalog_state()
    epoch = (generation, clock.now().replace(second=0, microsecond=0))
    part = (lang, current_language(), area, current_app.config.get("SITE_SLUG"), furigana.on())
    keys = {sid: (sid, *part) for sid in ids}
    store = _store()
    found = store.get_many(epoch, keys.values())
    missing = [sid for sid in ids if keys[sid] not in found]
    if missing:
        misses = analyser.misses
        made = {keys[sid]: entry for sid, entry in _render(missing, lang, area, here).items()}
        if analyser.misses == misses:   # not kept when read while the Japanese analyser was away
            store.put_many(epoch, made)
        found.update(made)
    out = []
    for sid in ids:
        entry = found.get(keys[sid])
        if entry is None:       # not an active service (any more)
            continue
        html, plain = entry
        if plain:
            g.plain_japanese_shown = True   # the Easy Japanese page's note, as rendering would set
        out.append(Markup(html))
    return out


def _render(ids, lang, area, here):
    """{service id: (html, whether it needs the Easy Japanese page's note)} of the cards of the
    active services among ``ids``, rendered in one template."""
    views = catalog.service_views(catalog.services_by_id(ids), lang, area=area, here=here)
    if not views:
        return {}
    shown_before = g.get("plain_japanese_shown", False)
    g.plain_japanese_shown = False
    html = render_template("site/_cards.html", views=views, end=Markup(_END))
    plain_page = g.get("plain_japanese_shown", False)
    g.plain_japanese_shown = shown_before or plain_page
    pieces = html.split(_END)
    made = {}
    for view, piece in zip(views, pieces):
        texts = [view.name, view.summary] + ([view.next_event.site_name] if view.next_event else [])
        made[view.service.id] = (piece.strip(), bool(plain_page and any(t.fallback for t in texts)))
    return made


def init_app(app):
    app.extensions["card_store"] = CardStore(int(float(app.config.get("CARD_CACHE_MB", 1)) * 1024 * 1024))
