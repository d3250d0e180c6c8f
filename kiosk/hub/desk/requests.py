"""The ward's desk: queues of call-backs and volunteer registrations,
each request's page with its history and the moves a desk makes, and exports that open in
Japanese Excel. Desk staff see only the desks (programs) they work for."""
import collections
import functools
import operator

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import JOIN

from ... import boundary, catalog, clock, vocab
from ...models import Device, HubSignup, Service, Site, Translation
from ...sync.contract import DESK_KINDS, DESK_STATES, RECORD_KINDS
from ...web import exports
from ...web.i18n import current_language
from . import export_tables, queues
from .staff_auth import staff_required
from .words import page_words

bp = Blueprint("desk", __name__, url_prefix="/staff")
KINDS = DESK_KINDS


# --- names -------------------------------------------------------------------------------
# Names of programs and places in the staff member's language (the Japanese source where a name
# is not translated), each list's names in one query: a screen never looks a name up per row.

def _keep_name(found, key, language, text, lang):
    """Keep ``text`` as the name of ``key`` if it is in the staff language, or the first found."""
    if text and (language == lang or found.get(key) is None):
        found[key] = catalog.Text(text, language, language != lang)
    else:
        found.setdefault(key, None)


def _name_languages(lang):
    return sorted({lang, catalog.SOURCE_LANGUAGE})


def catalog_names(model, where, *columns):
    """{slug: name} of the programs or places (``model`` Service or Site) matching ``where``, in
    id order, a name None where there is none; with ``columns`` of the model, {slug: (name,
    *their values)}; ``where`` None: every row. One query: the rows LEFT JOIN their name texts."""
    lang = current_language()
    owner = {Service: "service", Site: "site"}[model]
    on = ((Translation.owner == owner) & (Translation.owner_id == model.id) & (Translation.field == "name")
          & Translation.language.in_(_name_languages(lang)))
    rows = model.select(model.slug, Translation.language, Translation.text, *columns).join(
        Translation, JOIN.LEFT_OUTER, on=on)
    rows = (rows.where(where) if where is not None else rows).order_by(model.id).tuples()
    names, extra = {}, {}
    for slug, language, text, *values in rows:
        _keep_name(names, slug, language, text, lang)
        extra[slug] = tuple(values)
    return {slug: (name, *extra[slug]) for slug, name in names.items()} if columns else names


def names_by_id(owners):
    """{(owner, id): name} of catalog rows of several kinds at once ({"site": ids, "service":
    ids}), in one query; a row without a name is missing."""
    lang = current_language()
    wanted = [(Translation.owner == owner) & Translation.owner_id.in_(sorted(set(ids)))
              for owner, ids in owners.items() if ids]
    if not wanted:
        return {}
    rows = (Translation.select(Translation.owner, Translation.owner_id, Translation.language, Translation.text)
            .where(functools.reduce(operator.or_, wanted) & (Translation.field == "name")
                   & Translation.language.in_(_name_languages(lang))).tuples())
    names = {}
    for owner, owner_id, language, text in rows:
        _keep_name(names, (owner, owner_id), language, text, lang)
    return {key: name for key, name in names.items() if name is not None}


def service_names(slugs):
    """{slug: name} of these programs (one query)."""
    slugs = sorted(set(slugs))
    return catalog_names(Service, Service.slug.in_(slugs)) if slugs else {}


def site_names(slugs=None):
    """{slug: name} of these places, or of every place (one query)."""
    if slugs is None:
        return catalog_names(Site, None)
    slugs = sorted(set(slugs))
    return catalog_names(Site, Site.slug.in_(slugs)) if slugs else {}


@bp.get("/queue/<kind>")
@staff_required
def queue(kind):
    """One queue, newest first: filters, search, pages."""
    if kind not in KINDS:
        abort(404)
    args = {k: (request.args.get(k) or "")[:64] for k in ("state", "language", "site", "desk", "q")}
    page = max(boundary.bounded_int(request.args.get("page"), 1, (1, 10_000)), 1)
    rows, total = queues.queue(g.staff, kind, page=page, **args)
    # The desks of this kind (the filter) and the programs on the page, named in one query.
    category = "consultation" if kind == "callback" else "volunteering"
    programs = catalog_names(Service, (Service.category == category)
                             | Service.slug.in_(sorted({r.service_slug for r in rows})), Service.category)
    desks = [slug for slug, (_n, cat) in programs.items() if cat == category and queues.in_scope(g.staff, slug)]
    queues.audit_view(g.staff, "view_queue", kind, f"page {page}, {len(rows)} shown")
    names = {slug: name for slug, (name, _cat) in programs.items()}
    places = site_names()
    return render_template("hub/queue.html", kind=kind, rows=_shown(rows, names, places), total=total, page=page,
                           pages=max((min(total, queues.COUNT_CAP) + queues.PAGE_SIZE - 1) // queues.PAGE_SIZE, 1),
                           args=args, count_cap=queues.COUNT_CAP, states=DESK_STATES[kind],
                           names=names, desks=desks, site_names=places,
                           detail_url=url_for("desk.detail", signup_id="-").removesuffix("-"))


QueueRow = collections.namedtuple("QueueRow", "id ref_code name desk_state attempts received language call_time "
                                              "program site state")


def _shown(rows, names, places):
    """What the list shows of each request, worked out here rather than by the template (fifty
    rows of lookups and dates were most of the page's time): the language for the call in its
    own script with its Japanese name, the words of the vocabularies, the names of program and
    place."""
    words = page_words()
    call_times, states = words.labels(vocab.CALL_TIMES), words.labels(vocab.DESK_STATE_LABELS, keep_unknown=True)
    spoken = {code: export_tables.language_words(code, markup=True) or ""
              for code in {r.preferred_language for r in rows}}
    return [QueueRow(r.id, r.ref_code, r.name, r.desk_state, r.attempts, words.short_datetime(r.received_at),
                     spoken[r.preferred_language], call_times[r.preferred_time],
                     names.get(r.service_slug) or r.service_slug, places.get(r.site_slug) or "",
                     states[r.desk_state]) for r in rows]


def _request_or_404(signup_id):
    """A request this staff member may see, or 404 (never tell which ids exist)."""
    signup = HubSignup.get_or_none(HubSignup.id == signup_id[:36])
    if not queues.may_see(g.staff, signup):
        abort(404)
    return signup


@bp.get("/requests/<signup_id>")
@staff_required
def detail(signup_id):
    """One request: who, how to reach them, what they asked, its history, and the next moves."""
    signup = _request_or_404(signup_id)
    queues.audit_view(g.staff, "view_person", signup.ref_code)
    device = Device.get_or_none(Device.device_id == signup.device_id)
    moves = [a for a, (sources, _t) in queues.MOVES.get(signup.kind, {}).items() if signup.desk_state in sources]
    return render_template("hub/request.html", s=signup, history=queues.history(signup.id), moves=moves,
                           call_language=export_tables.language_words(signup.preferred_language, markup=True),
                           service_name=service_names([signup.service_slug]).get(signup.service_slug),
                           site_name=site_names([device.site_slug]).get(device.site_slug) if device else "", kiosk=device)


@bp.post("/requests/<signup_id>/move")
@staff_required
def move(signup_id):
    """Move a request on (take it, called back, could not reach, close...)."""
    signup = _request_or_404(signup_id)
    note = (request.form.get("note") or "").strip()
    if queues.move(g.staff, signup, request.form.get("action", ""), note) is None:
        return render_template("hub/message.html", title=_("Already changed"),
                               message=_("Someone else changed this request just now. Please look at it again."),
                               back=url_for("desk.detail", signup_id=signup.id)), 409
    return redirect(url_for("desk.detail", signup_id=signup.id), 303)


# --- exports ------------------------------------------------------------------------------

# The rule registered first (the lower decorator) is the one url_for builds without fmt: the CSV.
@bp.get("/export/<kind>.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/export/<kind>.csv", defaults={"fmt": "csv"})
@staff_required
def export(kind, fmt):
    """Every request of a kind the staff member may see (optionally one state, one session or a
    period of arrival days in the ward, ``from`` and ``to`` both included), as CSV (streamed) or
    as an Excel workbook: the kind's own columns, the ward's time, the screens' words."""
    if kind not in RECORD_KINDS:
        abort(404)
    query = queues.visible_to(g.staff, HubSignup.select().where(HubSignup.kind == kind))
    state = request.args.get("state", "")
    if state in DESK_STATES.get(kind, ()):
        query = query.where(HubSignup.desk_state == state)
    event_uid = (request.args.get("event") or "")[:36]
    if event_uid:
        query = query.where(HubSignup.event_uid == event_uid)
    tz = current_app.config["TIMEZONE"]
    since, until = boundary.parse_date(request.args.get("from")), boundary.parse_date(request.args.get("to"))
    if since:
        query = query.where(HubSignup.received_at >= clock.day_bounds(since, tz)[0])
    if until:
        query = query.where(HubSignup.received_at < clock.day_bounds(until, tz)[1])
    queues.audit_view(g.staff, "export", kind,
                      f"{fmt} {request.query_string.decode('ascii', 'replace')}"[:200])
    # The programs by name, as the screens show them: every program's name in one query, read
    # before the rows stream.
    names = catalog_names(Service, None)

    def name_of(slug):
        return names.get(slug) or slug

    records = query.order_by(HubSignup.arrival).iterator()
    table = export_tables.signup_table(kind, records, name_of, site_names())
    return exports.response(table, kind, fmt)
