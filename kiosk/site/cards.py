"""Result cards rendered once and shared by every search and browse page that shows them.

Search as you type shows twelve cards for every keystroke, and the letters of one word mostly
find the same services: a card's HTML (its name, summary, next session and the walk to it) is
the same for every visitor reading in the same language, until the catalog changes or the
session it leads with begins (it is no longer next). Rendering twelve cards and reading
their texts and sessions cost more than the search itself; a stored card costs a look-up.

A card is stored under its service, the language, the area the visitor filtered to (the next
session is in it), the kiosk's own site (the walk), furigana, and the catalog's generation. It
is good until the session it leads with could change (catalog.next_events: a session it chose
among begins, or one comes within the weeks it looks at), not just for the minute: a kiosk
visited every few minutes finds its cards again. The store keeps at most CARD_CACHE_MB of them,
least recently used out first.
"""
import sys

from flask import current_app, g, render_template
from markupsafe import Markup

from .. import catalog
from ..catalog import catalog_state
from ..models.catalog import utcnow
from ..search import analyser
from ..web import furigana
from ..web.i18n import current_language
from ..web.pagecache import PageCache

_END = "<!--/card-->"       # what follows each card in a batch render (escaped text cannot hold "<")


class Card:
    """A stored card: its HTML in UTF-8, whether it needs the Easy Japanese page's note, its
    size, and until when it holds (naive UTC; None: until the catalog changes).

    (In UTF-8 a card takes a third of what the same text takes as a Python string: the 📍 of
    its place makes Python keep every character of it in four bytes. The store holds three
    times as many cards, and decoding one costs about a microsecond.)"""
    __slots__ = ("html", "plain", "size", "until")

    def __init__(self, html, plain, until=None):
        self.html = html.encode()
        self.plain, self.size, self.until = plain, sys.getsizeof(self.html), until


def _store():
    return current_app.extensions["card_store"]


def cards(ids, lang, area=None, here=None):
    """The cards of the services ``ids`` (active ones, in that order) as Markup, each rendered by
    the card macro of site/_macros.html once per key (see the module's docstring)."""
    if not ids:
        return []
    generation, now = catalog_state()[0], utcnow()
    part = (lang, current_language(), area, current_app.config.get("SITE_SLUG"), furigana.on())
    keys = {sid: (generation, sid, *part) for sid in ids}
    store = _store()
    found = {sid: store.get(key) for sid, key in keys.items()}
    missing = [sid for sid, card in found.items()
               if card is None or (card.until is not None and card.until <= now)]
    if missing:
        misses = analyser.misses
        made = _render(missing, lang, area, here)
        if analyser.misses == misses:   # not kept when read while the Japanese analyser was away
            for sid, card in made.items():
                store.put(keys[sid], card, epoch=generation)
        found.update(made)
    out = []
    for sid in ids:
        card = found.get(sid)
        if card is None:        # not an active service (any more)
            continue
        if card.plain:
            g.plain_japanese_shown = True   # the Easy Japanese page's note, as rendering would set
        out.append(Markup(card.html.decode()))
    return out


def _render(ids, lang, area, here):
    """{service id: Card} of the active services among ``ids``, rendered in one template."""
    until = {}
    views = catalog.service_views(catalog.services_by_id(ids), lang, area=area, here=here, until=until)
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
        made[view.service.id] = Card(piece.strip(), bool(plain_page and any(t.fallback for t in texts)),
                                     until.get(view.service.id))
    return made


def init_app(app):
    # The page cache's store: sized entries by key, of the catalog's current generation only.
    app.extensions["card_store"] = PageCache(int(float(app.config.get("CARD_CACHE_MB", 1)) * 1024 * 1024))
