"""What residents look for, for the ward's planners: by month, site and language, the needs
tapped, searches that found nothing (with the words many typed), sign-ups started against
those sent, and the programs most looked at; charts, CSV and Excel. From a word, staff add
it to a service's search words (kiosk.hub.catalog.admin.add_search_word).

Counts, never people (README "What residents look for"): nothing here is finer than a month
(the export too), and a search word is shown only when it passes the rule below.
"""
import datetime

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from peewee import fn

from ... import vocab
from ...boundary import Refused
from ...models import HubDemandCount, Service
from ...web import exports
from ...web.exports import NUMBER, Column, Table
from ..catalog import admin
from . import reports
from . import requests as desk
from .staff_auth import admin_required, staff_required

bp = Blueprint("demand", __name__, url_prefix="/staff/demand")

# k-anonymity: a search word is shown only when, in the month shown, it was typed on at least
# MIN_DAYS different days or at at least MIN_SITES different sites. One person at one kiosk on
# one day never makes a word appear, however often she typed it.
MIN_DAYS = 3
MIN_SITES = 2
TOP_PROGRAMS = 10
OUTCOMES = {"good": _l("Good answer"), "few": _l("Few answers"), "none": _l("No answer")}
ALL = ""


def passes(days, sites):
    """May a word typed on ``days`` different days at ``sites`` different sites be shown?"""
    return days >= MIN_DAYS or sites >= MIN_SITES


def passing_words(month):
    """The words of a month that pass the rule, judged over every site and language."""
    rows = (HubDemandCount.select(HubDemandCount.key, fn.COUNT(HubDemandCount.day.distinct()),
                                  fn.COUNT(HubDemandCount.site_slug.distinct()))
            .where((HubDemandCount.month == month) & (HubDemandCount.kind == "word"))
            .group_by(HubDemandCount.key).tuples())
    return {key for key, days, sites in rows if passes(days, sites)}


def _sums(month, site, language):
    """{(kind, language, key): n} of a month, for one site and language or all."""
    where = HubDemandCount.month == month
    if site:
        where &= HubDemandCount.site_slug == site
    if language:
        where &= HubDemandCount.language == language
    return {(kind, lang, key): int(n) for kind, lang, key, n in (
        HubDemandCount.select(HubDemandCount.kind, HubDemandCount.language, HubDemandCount.key,
                              fn.SUM(HubDemandCount.n))
        .where(where).group_by(HubDemandCount.kind, HubDemandCount.language, HubDemandCount.key).tuples())}


def _by_key(sums, kind):
    out = {}
    for (k, _lang, key), n in sums.items():
        if k == kind:
            out[key] = out.get(key, 0) + n
    return out


def report(month, site=ALL, language=ALL):
    """A month's figures (dict): searches by outcome, needs, passing words, sign-ups started
    and sent per program, the programs most looked at."""
    sums = _sums(month, site, language)
    passing = passing_words(month)
    words = sorted(((lang, key, n) for (k, lang, key), n in sums.items() if k == "word" and key in passing),
                   key=lambda w: (-w[2], w[1], w[0]))
    started, finished = _by_key(sums, "signup_started"), _by_key(sums, "signup_finished")
    signups = sorted(((slug, started.get(slug, 0), finished.get(slug, 0)) for slug in set(started) | set(finished)),
                     key=lambda r: (-r[1], -r[2], r[0]))
    pages = sorted(_by_key(sums, "page").items(), key=lambda r: (-r[1], r[0]))[:TOP_PROGRAMS]
    needs = sorted(_by_key(sums, "need").items(), key=lambda r: (-r[1], r[0]))
    searches = _by_key(sums, "search")
    return {"searches": {o: searches.get(o, 0) for o in ("good", "few", "none")}, "needs": needs,
            "words": words, "signups": signups, "pages": pages}




def _choices(month):
    """(months, sites, languages) staff may choose from (what the counts hold)."""
    months = {month} | {m for (m,) in HubDemandCount.select(HubDemandCount.month).distinct().tuples()}
    sites = sorted(s for (s,) in HubDemandCount.select(HubDemandCount.site_slug).distinct().tuples())
    languages = sorted(l for (l,) in HubDemandCount.select(HubDemandCount.language).distinct().tuples())
    return sorted(months, reverse=True), sites, languages


def _asked():
    """(month, site, language) asked for; an unknown site or language is "all"."""
    month = reports.asked_month()
    _months, sites, languages = _choices(month)
    site = request.args.get("site", ALL)
    language = request.args.get("language", ALL)
    return month, site if site in sites else ALL, language if language in languages else ALL


def _names(figures, sites):
    services = desk.service_names([r[0] for r in figures["signups"]] + [r[0] for r in figures["pages"]])
    return ({slug: str(name or slug) for slug, name in services.items()},
            {slug: str(name or slug) for slug, name in desk.site_names(sites).items()})


@bp.get("/")
@staff_required
def demand():
    """The demand view: a month's needs, searches without answer, sign-ups and programs."""
    month, site, language = _asked()
    months, sites, languages = _choices(month)
    figures = report(month, site, language)
    service_names, site_names = _names(figures, sites)
    language_names = {l["code"]: l["endonym"] for l in current_app.config["LANGUAGES"]}
    charts = {"searches": [(str(OUTCOMES[o]), n) for o, n in figures["searches"].items()],
              "needs": [(str(vocab.NEEDS.get(k, k)), n) for k, n in figures["needs"]],
              "pages": [(service_names.get(s, s), n) for s, n in figures["pages"]]}
    added = request.args.get("added")
    return render_template("hub/demand.html", month=month, site=site, language=language, months=months,
                           sites=sites, demand_languages=languages, f=figures, service_names=service_names,
                           site_names=site_names, language_names=language_names,
                           charts=charts, added=service_names.get(added) or added,
                           outcome=request.args.get("outcome", ""), args=_export_args(month, site, language))


def _export_args(month, site, language):
    return {k: v for k, v in (("month", month), ("site", site), ("language", language)) if v}


# The rule registered first (the lower decorator) is the one url_for builds without fmt: the CSV.
@bp.get("/demand.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/demand.csv", defaults={"fmt": "csv"})
@staff_required
def export(fmt):
    """The view's figures as one table (CSV for Japanese Excel, or .xlsx): a row per measure and
    item, the month the finest time, words only as the rule allows."""
    month, site, language = _asked()
    f = report(month, site, language)
    _months, sites, _languages = _choices(month)
    service_names, site_names = _names(f, sites)
    rows = ([(_("Searches"), str(OUTCOMES[o]), n) for o, n in f["searches"].items()]
            + [(_("Needs tapped"), str(vocab.NEEDS.get(k, k)), n) for k, n in f["needs"]]
            + [(_("Search words without a good answer"), f"{w} ({lang})", n) for lang, w, n in f["words"]]
            + [(_("Sign-ups started"), service_names.get(s, s), a) for s, a, _b in f["signups"]]
            + [(_("Sign-ups sent"), service_names.get(s, s), b) for s, _a, b in f["signups"]]
            + [(_("Programs most looked at"), service_names.get(s, s), n) for s, n in f["pages"]])
    columns = [Column(_("Month"), lambda r: month, width=10),
               Column(_("Site"), lambda r: site_names.get(site, site) if site else _("All sites"), width=20),
               Column(_("Language"), lambda r: language or _("All languages"), width=12),
               Column(_("Measure"), lambda r: r[0], width=28),
               Column(_("Item"), lambda r: r[1], width=28),
               Column(_("Count"), lambda r: r[2], NUMBER, 9)]
    return exports.response(Table(str(_("Demand")), columns, rows), f"demand-{month}", fmt)


# --- from a word to a service's search words ----------------------------------------------------

def _word_asked(source):
    """(word, language, month) of a request about a word that passes the rule, else 404: a
    word typed by too few is not shown here either."""
    word, language, month = source.get("word", ""), source.get("language", ""), source.get("month", "")
    try:
        datetime.datetime.strptime(month, "%Y-%m")
    except ValueError:
        abort(404)
    if word not in passing_words(month) or language not in admin.CATALOG_LANGUAGES:
        abort(404)
    return word, language, month


@bp.get("/word")
@admin_required
def word():
    """Choose the service (and language) a search word is to find."""
    word, language, month = _word_asked(request.args)
    services = list(Service.select(Service.slug).where(Service.active == True).order_by(Service.slug))  # noqa: E712
    names = desk.service_names([s.slug for s in services])
    options = sorted(((s.slug, str(names.get(s.slug) or s.slug)) for s in services), key=lambda o: o[1])
    language_names = {l["code"]: l["endonym"] for l in current_app.config["LANGUAGES"]}
    return render_template("hub/demand_word.html", word=word, language=language, month=month,
                           services=options,
                           catalog_languages=[(c, language_names.get(c, c)) for c in admin.CATALOG_LANGUAGES])


@bp.post("/word")
@admin_required
def add_word():
    """Add the word to the chosen service's search words (published, so kiosks get it)."""
    word, _language, month = _word_asked(request.form)
    language = request.form.get("target_language", "")
    slug = request.form.get("service", "")
    try:
        outcome = admin.add_search_word(slug, language, word, g.staff.username, current_app.config)
    except Refused:
        abort(400)
    return redirect(url_for("demand.demand", month=month, added=slug, outcome=outcome), 303)
