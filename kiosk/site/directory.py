"""The service directory: home, browse and search, service detail, events this week."""
import datetime
import functools

import segno
from flask import Blueprint, abort, current_app, make_response, redirect, request, session, url_for

from .. import catalog, vocab
from ..catalog import catalog_state
from ..db import database
from ..models import Service, ServiceLanguage, Site
from ..models.catalog import utcnow
from ..search import index
from ..web import furigana, pagecache, replay, visit
from ..web.cache import FragmentCache
from ..web.render import render, wants_fragment
from . import cards, demand
from .pages import shown_to_everyone
from .seats import local_seats_left_many, provisional_key

bp = Blueprint("site", __name__)
# Results fragments, kept compressed within 1 MB: a few KB each, so hundreds of keystrokes.
results_cache = FragmentCache(size=2048, max_bytes=1024 * 1024)


@bp.get("/")
def root():
    """The kiosk starts in the default language (the idle reset comes back here too)."""
    return redirect(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"]))


@bp.get("/<lang:lang>/")
@shown_to_everyone()
def home(lang):
    """Language choice, search, category and audience tiles."""
    return render("site/home.html", "results", query="", results=None, site=_this_site(lang))


def _filters():
    """The browse filters from the query string, ignoring values that are not in the vocabulary."""
    args = request.args
    return {
        "category": args.get("category") if args.get("category") in vocab.CATEGORIES else None,
        "audience": args.get("audience") if args.get("audience") in vocab.AUDIENCES else None,
        "area": args.get("area") if args.get("area") in vocab.AREAS else None,
        "free": args.get("free") == "1",
        "upcoming": args.get("upcoming") == "1",
    }


@bp.get("/<lang:lang>/services")
@shown_to_everyone(when=lambda: not request.args.get("q") and not wants_fragment())   # browsing, not a search
def services(lang):
    """Browse by category, audience and filters, and search as you type (htmx swaps #results)."""
    if request.args.get("q") and visit.from_another_visit(request.args.get("v")):
        # Back after the idle reset: the last visitor's search, shown without its term.
        args = {k: v for k, v in request.args.lists() if k not in ("q", "v", "page", "from")}
        return redirect(url_for("site.services", **args), 303)
    if request.args.get("page", 1, type=int) == 1:
        _count_search(lang)
    if wants_fragment():
        # The results fragment depends only on the URL, the catalog, the kiosk's own site (cards
        # lead with the nearest session), the minute (a session that has begun is no longer next)
        # and furigana (cards show the readings their texts carry).
        key = (pagecache.epoch(), request.full_path, current_app.config["SITE_SLUG"], furigana.on())
        body = results_cache.get_or_render(key, lambda: _services(lang).get_data(as_text=True))
        response = make_response(body)
        response.vary.add("HX-Request")
        # The same keystrokes again may be answered without Flask, from this cache.
        replay.offer_body(session, functools.partial(results_cache.get_bytes, key))
        return response
    return _services(lang)


def _count_search(lang):
    """Count this search and how it ended (kiosk.site.demand), before any cache: its results
    come from the search cache, which the page then reads again."""
    query = request.args.get("q", "")[:100].strip()
    if query:
        demand.count_search(query, lang, len(index.cached_search(query, lang).ids))


def _services(lang):
    query = request.args.get("q", "")[:100].strip()
    filters = _filters()
    page = max(min(request.args.get("page", 1, type=int), 500), 1)
    per_page = current_app.config["RESULTS_PER_PAGE"]
    named, no_answer, desk = (), False, None
    if query:
        found = index.cached_search(query, lang)   # shared by every visitor of this kiosk
        ids, named = found.ids, found.needs
        if not ids:
            # No good answer: say so, and offer the needs screen and a call-back instead of
            # unrelated services.
            no_answer, desk = True, _callback_desk(lang)
        if any(filters.values()) and ids:
            keep = catalog.filtered_ids(ids=ids, **filters)
            ids = [i for i in ids if i in keep]
        total = len(ids)
        shown = ids[(page - 1) * per_page: page * per_page]
    else:
        base = catalog.filtered_services(**filters).order_by(Service.id)
        total = base.count()
        shown = [sid for (sid,) in base.select(Service.id).paginate(page, per_page).tuples()]
    results = cards.cards(shown, lang, area=filters["area"], here=_here())
    template = "site/home.html" if request.args.get("from") == "home" and request.htmx else "site/services.html"
    return render(template, "results", query=query, filters=filters, results=results,
                  total=total, page=page, pages=max((total + per_page - 1) // per_page, 1),
                  site=_this_site(lang), page_url=_page_url, named_needs=named, no_answer=no_answer,
                  desk=desk)


def _callback_desk(lang):
    """The consultation desk a visitor whose search found nothing good can ask for a call-back:
    the first of SEARCH_CALLBACK_DESKS whose staff speak her language, else the first of them
    in the catalog, else the desk open to everyone nearest this kiosk. As a ServiceView, or None."""
    slugs = list(current_app.config.get("SEARCH_CALLBACK_DESKS", []))
    desks = {s.slug: s for s in Service.select().where(
        Service.slug.in_(slugs) & (Service.active == True)  # noqa: E712
        & Service.category.in_(catalog.CALLBACK_CATEGORIES))}
    language = "ja" if lang == "ja-easy" else lang     # Easy Japanese is spoken as Japanese
    spoken = {slug for (slug,) in ServiceLanguage.select(Service.slug).join(Service).where(
        Service.slug.in_(list(desks)) & (ServiceLanguage.language == language)).tuples()}
    ordered = [desks[slug] for slug in slugs if slug in desks]
    chosen = next((d for d in ordered if d.slug in spoken), ordered[0] if ordered else None)
    if chosen is None:
        chosen = catalog.callback_desk(None, _here())
    return catalog.service_views([chosen], lang, with_next_event=False)[0] if chosen else None


def _page_url(page):
    """This results page with another page number (the "from" marker of home swaps dropped)."""
    args = {k: v for k, v in request.args.lists() if k not in ("page", "from")}
    return url_for("site.services", page=page, **args)


@bp.get("/<lang:lang>/services/<slug>")
@demand.counted("page", lambda slug, **_: slug)
@shown_to_everyone(provisional_key)
def service(lang, slug):
    """Everything about one service, with a QR code for the visitor's phone."""
    svc = catalog.service_by_slug(slug)
    if svc is None:
        abort(404)
    detail = catalog.service_detail(svc, lang, days=current_app.config["UPCOMING_DAYS"], here=_here(),
                                    tz=current_app.config["TIMEZONE"])
    seats = local_seats_left_many([e.event for e in detail["events"]])
    public_url = public_service_url(slug, lang)
    qr = qr_svg(public_url)
    return render("site/service.html", "content", svc=svc, public_url=public_url, qr=qr,
                  site=_this_site(lang), seats=seats, **detail)


@functools.lru_cache(maxsize=512)
def qr_svg(url):
    """The QR code of a URL as inline SVG: made once per service, language and public URL."""
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True)


def public_base():
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def public_service_url(slug, lang):
    """The hub's public page of a service in a language (what the QR code opens on a phone)."""
    return f"{public_base()}/{lang}/services/{slug}"


@bp.get("/<lang:lang>/events")
@shown_to_everyone(provisional_key)
def events(lang):
    """Sessions in the next seven days, by day, optionally in one area ("a café near me this week"),
    with the seats left as on each service's page."""
    area = request.args.get("area") if request.args.get("area") in vocab.AREAS else None
    start = utcnow()
    rows = catalog.events_between(start, start + datetime.timedelta(days=7), lang, area=area)
    seats = local_seats_left_many([e.event for e in rows])
    return render("site/events.html", "content", rows=rows, area=area, seats=seats, site=_this_site(lang))


# "Who is it for?" on a need's page: the audiences a visitor can ask for. "Everyone" is not one
# of them: services for everyone match every choice, and no choice ("Me / anyone") shows them all.
NEED_AUDIENCES = tuple(a for a in vocab.AUDIENCES if a != catalog.EVERYONE)
NEED_SHOWN = 8   # the results a need's page shows before "Show more"


@bp.get("/<lang:lang>/needs")
@shown_to_everyone()
def needs(lang):
    """The "What do you need?" screen: every need as a large tile, for a visitor who has no word
    for the program that would help her."""
    return render("site/needs.html", "content", site=_this_site(lang))


@bp.get("/<lang:lang>/needs/<need>")
@demand.counted("need", lambda need, **_: need, when=lambda: not request.args)   # tapped, not narrowed
@shown_to_everyone()
def need(lang, need):
    """The services answering one need, nearest first, narrowed by whom they are for and how the
    visitor wants help; every choice is a plain link, so Back and Forward retrace them."""
    if need not in vocab.NEEDS:
        abort(404)
    args = request.args
    who = args.get("who") if args.get("who") in NEED_AUDIENCES else None
    how = args.get("how") if args.get("how") in vocab.HELP_MODES else None
    more = args.get("more") == "1"
    here = _here()
    results = catalog.nearest_services(catalog.need_services(need, audience=who, mode=how), lang, here=here)
    desk = None
    if not results:
        found = catalog.callback_desk(need, here)
        desk = catalog.service_views([found], lang, with_next_event=False)[0] if found else None
    shown = results if more else results[:NEED_SHOWN]
    return render("site/need.html", "content", need=need, who=who, how=how, results=shown,
                  total=len(results), hidden=len(results) - len(shown), desk=desk,
                  audiences=NEED_AUDIENCES, site=_this_site(lang), need_url=_need_url(need, who, how))


def _need_url(need, who, how):
    """A need page's URL with one choice changed, the other kept: need_url(who=...) or
    need_url(how=...), None for "any"; need_url(more="1") shows every result."""
    def url(**change):
        chosen = {"who": who, "how": how}
        chosen.update(change)
        return url_for("site.need", need=need, **{k: v for k, v in chosen.items() if v})
    return url


_sites = {}     # (database, catalog generation, site slug[, language]) -> Site / its name


def _per_catalog(key, read):
    """read(), kept while the catalog's generation (part of ``key``) does not change."""
    key = (database.database, catalog_state()[0], current_app.config["SITE_SLUG"], *key)
    if key not in _sites:
        if len(_sites) > 32:
            _sites.clear()
        _sites[key] = read()
    return _sites[key]


def _here():
    """The kiosk's own site (SITE_SLUG), where distances are measured from; None if unknown."""
    return _per_catalog((), lambda: Site.get_or_none(Site.slug == current_app.config["SITE_SLUG"]))


def _this_site(lang):
    """The name of the kiosk's own site in ``lang`` (a Text), or None."""
    def read():
        site = _here()
        return None if site is None else catalog.texts("site", [site.id], lang)[site.id].get("name")
    return _per_catalog((lang,), read)

