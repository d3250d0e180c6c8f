"""The service directory: home, browse and search, service detail, events this week."""
import datetime
import functools

import segno
from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for

from .. import catalog, vocab
from ..models import Service, Site
from ..models.catalog import utcnow
from ..search import index
from ..web import visit
from .seats import local_seats_left_many
from ..web.cache import FragmentCache
from ..web.render import render, wants_fragment

bp = Blueprint("site", __name__)
results_cache = FragmentCache(size=256)


@bp.get("/")
def root():
    """The kiosk starts in the default language (the idle reset comes back here too)."""
    return redirect(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"]))


@bp.get("/<lang:lang>/")
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
def services(lang):
    """Browse by category, audience and filters, and search as you type (htmx swaps #results)."""
    if request.args.get("q") and visit.from_another_visit(request.args.get("v")):
        # Back after the idle reset: the last visitor's search, shown without its term.
        args = {k: v for k, v in request.args.lists() if k not in ("q", "v", "page", "from")}
        return redirect(url_for("site.services", **args), 303)
    if wants_fragment():
        # The results fragment depends only on the URL, the catalog, the kiosk's own site (cards
        # lead with the nearest session) and the minute (a session that has begun is no longer next).
        key = (request.full_path, catalog.generation(), current_app.config["SITE_SLUG"],
               utcnow().replace(second=0, microsecond=0))
        body = results_cache.get_or_render(key, lambda: _services(lang).get_data(as_text=True))
        response = make_response(body)
        response.vary.add("HX-Request")
        return response
    return _services(lang)


def _services(lang):
    query = request.args.get("q", "")[:100].strip()
    filters = _filters()
    page = max(min(request.args.get("page", 1, type=int), 500), 1)
    per_page = current_app.config["RESULTS_PER_PAGE"]
    if query:
        ids = index.search_ids(query, lang)
        if any(filters.values()) and ids:
            keep = catalog.filtered_ids(ids=ids, **filters)
            ids = [i for i in ids if i in keep]
        total = len(ids)
        chosen = catalog.services_by_id(ids[(page - 1) * per_page: page * per_page])
    else:
        base = catalog.filtered_services(**filters).order_by(Service.id)
        total = base.count()
        chosen = list(base.paginate(page, per_page))
    results = catalog.service_views(chosen, lang, area=filters["area"], here=_here())
    template = "site/home.html" if request.args.get("from") == "home" and request.htmx else "site/services.html"
    return render(template, "results", query=query, filters=filters, results=results,
                  total=total, page=page, pages=max((total + per_page - 1) // per_page, 1),
                  site=_this_site(lang), page_url=_page_url)


def _page_url(page):
    """This results page with another page number (the "from" marker of home swaps dropped)."""
    args = {k: v for k, v in request.args.lists() if k not in ("page", "from")}
    return url_for("site.services", page=page, **args)


@bp.get("/<lang:lang>/services/<slug>")
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
def events(lang):
    """Sessions in the next seven days, by day, optionally in one area ("a café near me this week")."""
    area = request.args.get("area") if request.args.get("area") in vocab.AREAS else None
    start = utcnow()
    rows = catalog.events_between(start, start + datetime.timedelta(days=7), lang, area=area)
    return render("site/events.html", "content", rows=rows, area=area, site=_this_site(lang))


def _here():
    """The kiosk's own site (SITE_SLUG), where distances are measured from; None if unknown."""
    return Site.get_or_none(Site.slug == current_app.config["SITE_SLUG"])


def _this_site(lang):
    site = _here()
    if site is None:
        return None
    return catalog.texts("site", [site.id], lang)[site.id].get("name")

