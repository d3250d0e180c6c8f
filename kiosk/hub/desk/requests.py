"""The ward's desk: queues of call-backs and volunteer registrations,
each request's page with its history and the moves a desk makes, and exports that open in
Japanese Excel. Desk staff see only the desks (programs) they work for."""
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import boundary, catalog, clock
from ...models import Device, HubSignup, Service, Site
from ...sync.contract import DESK_KINDS, DESK_STATES, RECORD_KINDS
from ...web import exports
from ...web.i18n import current_language
from . import export_tables, queues
from .staff_auth import staff_required

bp = Blueprint("desk", __name__, url_prefix="/staff")
KINDS = DESK_KINDS


def service_names(slugs):
    """{slug: name} of services, in the staff member's language (every hub screen uses this)."""
    services = {s.id: s.slug for s in Service.select().where(Service.slug.in_(list(set(slugs))))} if slugs else {}
    texts = catalog.texts("service", list(services), current_language(), ("name",))
    return {services[i]: texts[i].get("name") for i in services}


def site_names():
    """{slug: name} of every site, in the staff member's language."""
    sites = list(Site.select())
    texts = catalog.texts("site", [s.id for s in sites], current_language())
    return {s.slug: texts[s.id].get("name") for s in sites}


@bp.get("/queue/<kind>")
@staff_required
def queue(kind):
    """One queue, newest first: filters, search, pages."""
    if kind not in KINDS:
        abort(404)
    args = {k: (request.args.get(k) or "")[:64] for k in ("state", "language", "site", "desk", "q")}
    page = max(boundary.bounded_int(request.args.get("page"), 1, (1, 10_000)), 1)
    rows, total = queues.queue(g.staff, kind, page=page, **args)
    sites = dict(Device.select(Device.device_id, Device.site_slug).tuples())
    desks = [s.slug for s in Service.select(Service.slug).where(
        Service.category == ("consultation" if kind == "callback" else "volunteering"))]
    desks = [d for d in desks if queues.in_scope(g.staff, d)]
    queues.audit_view(g.staff, "view_queue", kind, f"page {page}, {len(rows)} shown")
    return render_template("hub/queue.html", kind=kind, rows=rows, total=total, page=page,
                           pages=max((min(total, queues.COUNT_CAP) + queues.PAGE_SIZE - 1) // queues.PAGE_SIZE, 1),
                           args=args, count_cap=queues.COUNT_CAP,
                           states=DESK_STATES[kind], names=service_names([r.service_slug for r in rows] + desks),
                           desks=desks, site_names=site_names(), device_sites=sites)


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
                           service_name=service_names([signup.service_slug]).get(signup.service_slug),
                           site_name=site_names().get(device.site_slug) if device else "", kiosk=device)


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
    names = {}

    def name_of(slug):
        # The program by name, as the screens show it, looked up once per program.
        if slug not in names:
            names[slug] = service_names([slug]).get(slug) or slug
        return names[slug]

    records = query.order_by(HubSignup.arrival).iterator()
    table = export_tables.signup_table(kind, records, name_of, site_names())
    return exports.response(table, kind, fmt)
