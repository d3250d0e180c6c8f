"""Staff screens on the hub: sign-ups by event, attention list, kiosks, enrolment codes."""
import datetime

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import fn

from ... import boundary, catalog
from ...sync import contract
from ...models.catalog import utcnow
from ...web.guard import safe_next
from ...web.i18n import current_language
from ...models import Device, Event, HubSignup, RejectedRecord, RequestHistory, Service, Site
from . import requests as desk, queues, words
from ..intake import devices, ingest
from .staff_auth import login as do_login
from .staff_auth import logout as do_logout
from .staff_auth import admin_required, limiter, staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")
STATUSES = contract.HUB_STATUSES
EVENT_PAGE = 50
OVERVIEW_PAST_DAYS, OVERVIEW_AHEAD_DAYS = 7, 60
OVERVIEW_PAGE = 50
# What the overview and a session's page show of each session and sign-up: their lists read
# these columns only.
OVERVIEW_EVENT = (Event.id, Event.uid, Event.service, Event.site, Event.starts_at, Event.capacity, Event.cancelled)
OVERVIEW_SIGNUP = (HubSignup.id, HubSignup.ref_code, HubSignup.kind, HubSignup.service_slug, HubSignup.event_uid,
                   HubSignup.status, HubSignup.reason, HubSignup.received_at, HubSignup.name, HubSignup.name_kana,
                   HubSignup.phone, HubSignup.email)
EVENT_SIGNUP = OVERVIEW_SIGNUP + (HubSignup.age_band, HubSignup.adults, HubSignup.children)


# The staff menu's screens: every page's layout links them all (kiosk/templates/hub/layout.html).
NAV_ENDPOINTS = (("overview", "staff.overview", {}), ("callbacks", "desk.queue", {"kind": "callback"}),
                 ("volunteers", "desk.queue", {"kind": "volunteer"}), ("attendance", "reports.attendance", {}),
                 ("demand", "demand.demand", {}), ("catalog", "catalog.index", {}), ("kiosks", "staff.kiosks", {}),
                 ("accounts", "accounts.accounts", {}), ("audit", "accounts.audit", {}),
                 ("password", "accounts.password", {}), ("logout", "staff.logout", {}),
                 ("css", "static", {"filename": "css/hub.css"}))


def nav_urls():
    """{name: url} of the menu's screens, built once for each address the hub is reached under
    (its script root behind a proxy) and language: every staff page links a dozen, the same each time."""
    cache = current_app.extensions.setdefault("hub_nav_urls", {})
    key = (request.script_root, current_language())     # a URL with a language in it, were there one
    urls = cache.get(key)
    if urls is None:
        urls = cache[key] = {name: url_for(endpoint, **values) for name, endpoint, values in NAV_ENDPOINTS}
    return urls


def init_app(app):
    app.jinja_env.globals["hub_words"] = words.page_words
    app.jinja_env.globals["hub_nav"] = nav_urls

    @app.get("/")
    def hub_root():
        """The hub's front door is the staff screen."""
        return redirect(url_for("staff.overview"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_RATE"], methods=["POST"])
def login():
    """Staff sign-in."""
    error = None
    status = 200
    if request.method == "POST":
        user = do_login(request.form.get("username", "")[:64], request.form.get("password", "")[:256],
                        request.remote_addr or "")
        if user == "locked":
            error, status = _("Too many failed sign-ins. Please wait a few minutes and try again."), 429
        elif user:
            queues.audit(user, "login")
            target = safe_next(url_for("staff.overview"), request.args.get("next", ""))
            return redirect(target if target.startswith("/staff") else url_for("staff.overview"), 303)
        else:
            error, status = _("Wrong user name or password."), 401
    return render_template("hub/login.html", error=error), status


@bp.post("/logout")
def logout():
    do_logout()
    return redirect(url_for("staff.login"), 303)


@bp.get("/")
@staff_required
def overview():
    """Sessions from a week ago to two months ahead with their sign-ups, a page at a time; what
    needs attention; the latest sign-ups. Each list is one bounded, indexed query, so the
    ward's history does not slow it, and each goes through queues.visible_to: a desk sees its
    own programs only. Showing anyone's details is written to the audit trail."""
    now = utcnow()
    page = boundary.bounded_int(request.args.get("page"), 1, (1, 1_000))
    window = queues.visible_to(g.staff, Event.select(*OVERVIEW_EVENT).where(
        (Event.starts_at >= now - datetime.timedelta(days=OVERVIEW_PAST_DAYS))
        & (Event.starts_at < now + datetime.timedelta(days=OVERVIEW_AHEAD_DAYS))))
    # One row more than a page: whether there is a next page, without a second query.
    events = list(window.order_by(Event.starts_at, Event.uid)
                  .offset((page - 1) * OVERVIEW_PAGE).limit(OVERVIEW_PAGE + 1))
    more, events = len(events) > OVERVIEW_PAGE, events[:OVERVIEW_PAGE]
    counts = _signup_counts([e.uid for e in events])
    # The partial index on arrival where the reason is one of these (migration 0010) serves this.
    attention = list(queues.visible_to(g.staff, HubSignup.select(*OVERVIEW_SIGNUP).where(
        HubSignup.reason.in_(["event_cancelled", "unknown_event"]))).order_by(HubSignup.arrival.desc()).limit(50))
    rejected = queues.refused_records(g.staff, 50)
    recent = list(queues.visible_to(g.staff, HubSignup.select(*OVERVIEW_SIGNUP))
                  .order_by(HubSignup.arrival.desc()).limit(50))
    if attention or rejected or recent:
        queues.audit_view(g.staff, "view_overview", f"page {page}",
                          f"{len(attention)} needing attention, {len(rejected)} refused, {len(recent)} latest shown")
    names = desk.service_names([s.service_slug for s in recent + attention])
    return render_template("hub/overview.html", events=_event_views(events), counts=counts, attention=attention,
                           rejected=rejected, recent=recent, names=names, page=page, more=more,
                           new_counts=queues.new_counts(g.staff), count_cap=queues.COUNT_CAP)


def _event_views(events):
    """EventViews of these sessions, their sites and programs named in one query."""
    names = desk.names_by_id({"site": [e.site_id for e in events], "service": [e.service_id for e in events]})
    return [catalog.EventView(e, names.get(("site", e.site_id), catalog.EMPTY),
                              names.get(("service", e.service_id), catalog.EMPTY)) for e in events]


def _signup_counts(uids):
    """{event uid: {status: (sign-ups, people)}} of the sessions on the page (one grouped
    query). Both numbers: a desk works sign-ups, seats are taken by people."""
    counts = {}
    if uids:
        query = HubSignup.select(HubSignup.event_uid, HubSignup.status, fn.COUNT(HubSignup.id),
                                 fn.COALESCE(fn.SUM(HubSignup.party_size), 0)).where(
            HubSignup.event_uid.in_(uids)).group_by(HubSignup.event_uid, HubSignup.status)
        for uid, status, n, people in queues.visible_to(g.staff, query).tuples():
            counts.setdefault(uid, {})[status] = (n, int(people))
    return counts


@bp.get("/events/<uid>")
@staff_required
def event(uid):
    """The sign-ups of one event, in arrival order, a page at a time, with actions."""
    ev = Event.select(Event, Service).join(Service).where(Event.uid == uid).first()
    if ev is None or not queues.in_scope(g.staff, ev.service.slug):
        abort(404)
    page = boundary.bounded_int(request.args.get("page"), 1, (1, 10_000))
    query = queues.visible_to(g.staff, HubSignup.select(*EVENT_SIGNUP).where(HubSignup.event_uid == ev.uid))
    signups = list(query.order_by(HubSignup.arrival).paginate(page, EVENT_PAGE))
    counts = _signup_counts([ev.uid]).get(ev.uid, {})
    total = sum(n for n, _people in counts.values())    # the same sign-ups, counted by status
    if signups:
        queues.audit_view(g.staff, "view_person", f"event {uid}", f"page {page}")
    return render_template("hub/event.html", e=_event_views([ev])[0], signups=signups, statuses=STATUSES,
                           page=page, counts=counts,
                           pages=max((total + EVENT_PAGE - 1) // EVENT_PAGE, 1), first=(page - 1) * EVENT_PAGE)


@bp.post("/signups/<signup_id>/status")
@staff_required
def set_status(signup_id):
    """Confirm, waitlist or cancel one sign-up."""
    status = request.form.get("status")
    if status not in STATUSES:
        abort(400)
    signup = HubSignup.get_or_none(HubSignup.id == signup_id)
    if not queues.may_see(g.staff, signup):
        abort(404)
    back = url_for("staff.event", uid=signup.event_uid) if signup.event_uid else url_for("staff.overview")
    reason = (request.form.get("reason") or "").strip()[:500]
    if status == "cancelled" and (request.form.get("confirm") != "1" or not reason):
        # A cancellation needs a confirmation step and a reason (kept in the history); the
        # step shows the person's name.
        queues.audit_view(g.staff, "view_person", signup.ref_code, "cancel confirmation")
        return render_template("hub/confirm_cancel.html", s=signup, back=back,
                               error=request.form.get("confirm") == "1"), 200
    was = signup.status
    # The change, its feed entry, the seats and the audit line: kiosk.hub.bookings.
    ingest.set_status(signup_id, status, g.staff, reason)
    RequestHistory.create(signup_id=signup.id, staff_id=g.staff.id, staff_name=g.staff.username,
                          action="status", from_state=was, to_state=status, note=reason)
    return redirect(back, 303)


@bp.post("/events/<uid>/cancel")
@admin_required
def cancel_event(uid):
    """Cancel an event; its sign-ups are kept and marked, kiosks are told."""
    if Event.get_or_none(Event.uid == uid) is None:
        abort(404)
    ingest.cancel_event(uid, by=g.staff)
    return redirect(url_for("staff.event", uid=uid), 303)


@bp.post("/rejected/<int:rid>/resolve")
@admin_required
def resolve_rejected(rid):
    RejectedRecord.update(resolved=True).where(RejectedRecord.id == rid).execute()
    return redirect(url_for("staff.overview"), 303)


@bp.route("/kiosks", methods=["GET", "POST"])
@admin_required
def kiosks():
    """The fleet: last seen, what each kiosk still holds; new enrolment codes; revocation."""
    new_code = None
    if request.method == "POST":
        site = request.form.get("site", "")
        if site and not Site.select().where(Site.slug == site).exists():
            abort(400)
        new_code = devices.issue_code(site, 24)
        queues.audit(g.staff, "enrolment_code", site)
    fleet = list(Device.select().order_by(Device.enrolled_at.desc()))
    stale_minutes = int(current_app.config["FLEET_STALE_MINUTES"])
    stale_before = utcnow() - datetime.timedelta(minutes=stale_minutes)
    states = {d.device_id: devices.fleet_state(d, stale_before) for d in fleet}
    return render_template("hub/kiosks.html", fleet=fleet, new_code=new_code, site_names=desk.site_names(),
                           states=states, stale_before=stale_before, stale_minutes=stale_minutes)


def _device_or_404(device_id):
    """The kiosk a URL names; 404 for an unknown id or one no device could have."""
    device = (Device.get_or_none(Device.device_id == device_id)
              if len(device_id) <= 36 and boundary.is_clean_text(device_id) else None)
    if device is None:
        abort(404)
    return device


@bp.get("/kiosks/<device_id>/revoke")
@admin_required
def confirm_revoke(device_id):
    """The confirmation step of a revocation: which kiosk, at which site, and what it means."""
    device = _device_or_404(device_id)
    if device.revoked_at is not None:
        return redirect(url_for("staff.kiosks"), 303)
    return render_template("hub/confirm_revoke.html", d=device, site_name=desk.site_names().get(device.site_slug),
                           error=request.args.get("unconfirmed") == "1")


@bp.post("/kiosks/<device_id>/revoke")
@admin_required
def revoke(device_id):
    """Revoke a kiosk once its confirmation is ticked; without it nothing changes and the
    confirmation shows (again, with a note when it came from the confirmation itself)."""
    device = _device_or_404(device_id)
    if request.form.get("confirm") != device.device_id:
        again = request.form.get("step") == "confirm"
        return redirect(url_for("staff.confirm_revoke", device_id=device.device_id,
                                unconfirmed="1" if again else None), 303)
    if devices.revoke(device.device_id):
        queues.audit(g.staff, "revoke_kiosk", device.device_id, f"{device.name} · {device.site_slug}")
    return redirect(url_for("staff.kiosks"), 303)
