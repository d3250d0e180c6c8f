"""Café host mode: today's sessions at this site, attendance in a few taps, offline.

Every tap is an Attendance record with its outbox entry, committed before the screen shows it,
so a crash or power cut loses at most the tap in flight. Corrections are new records (a -1),
never edits. Closing a session locks it on this kiosk. Who may enter (the PIN, its lockout
ladder, host sessions held in the database) is kiosk.site.host_access.
"""
import datetime
import functools
import uuid
import zoneinfo

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import fn

from .. import boundary, catalog, clock
from ..db import database
from ..models import Attendance, Event, Outbox, Service, Signup, SignupStatus, Site
from ..sync import outbox
from ..web.guard import validates_own_text
from . import host_access as access
# The PIN's functions, where tests and `kiosk set-host-pin` have always found them.
from .host_access import PIN_KEY, check_pin, claim_attempt, locked_for, pin_problem, set_pin  # noqa: F401

bp = Blueprint("host", __name__)


# --- Entering and leaving host mode ----------------------------------------------------------

def host_required(view):
    """Host screens need an open host session (its row in the database, not just a cookie)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if access.current_host_session(touch=True) is None:
            access.end_host_session("expired")
            return redirect(url_for("host.enter"))
        g.host = True
        return view(*args, **kwargs)
    return wrapper


# Requests that keep host mode open: host screens, and what a host screen itself asks for.
_STAYS_IN_HOST_MODE = {"static", "session.status", "session.prefs", "language"}
# The idle reset ends host mode itself (kiosk.site.session.reset).
_ENDS_HOST_MODE_ITSELF = {"session.reset"}


@bp.before_app_request
def _leave_host_mode_elsewhere():
    """Leaving host mode any way (Home, a visitor link, the idle reset) ends it on the kiosk:
    the next person who opens host mode meets the PIN screen, and a copy of the cookie is
    useless. A request for no page at all (a 404, say the browser's favicon) leaves it open."""
    endpoint = request.endpoint
    if (endpoint is None or endpoint.startswith("host.") or endpoint in _STAYS_IN_HOST_MODE
            or endpoint in _ENDS_HOST_MODE_ITSELF or not access.has_host_token()):
        return
    access.end_host_session("home" if endpoint == "site.home" else "visitor_page")


@bp.route("/<lang:lang>/host/", methods=["GET", "POST"])
def enter(lang):
    """The host PIN screen (a discreet link in the footer leads here)."""
    if access.current_host_session() is not None:
        return redirect(url_for("host.today"))
    error, status = None, 200
    ladder = access.ladder_from_config()
    wait = access.locked_for(*ladder)
    if request.method == "POST" and not wait:
        pin = (request.form.get("pin") or "").strip()[:32]
        wait, rung = access.claim(*ladder)
        if not wait and access.check_pin(pin):
            access.open_host_session()
            return redirect(url_for("host.today"), 303)
        if not wait:
            wait = access.wrong_pin(rung, *ladder)
            if wait:
                _wake()    # the hub's fleet view learns of the lockout at the next round
            error, status = _("That PIN is not right."), 401
    if wait:
        error, status = access.wait_message(wait), 429
    return render_template("host/pin.html", error=error, pin_set=access.pin_is_set(),
                           host_page=True), status


@bp.post("/<lang:lang>/host/leave")
def leave(lang):
    """The host's Leave button: host mode ends here and for every copy of this cookie."""
    access.end_host_session("leave")
    return redirect(url_for("site.home"), 303)


# --- Sessions --------------------------------------------------------------------------------

def _zone():
    return zoneinfo.ZoneInfo(current_app.config["TIMEZONE"])


def local_today():
    return clock.now().replace(tzinfo=datetime.timezone.utc).astimezone(_zone()).date()


def _site():
    site = Site.get_or_none(Site.slug == current_app.config["SITE_SLUG"])
    if site is None:
        abort(404)
    return site


def session_info(key):
    """(service, site_slug, date string, event or None) of a session key, or None."""
    event = Event.get_or_none(Event.uid == key)
    if event is not None:
        local = event.starts_at.replace(tzinfo=datetime.timezone.utc).astimezone(_zone())
        return event.service, event.site.slug, local.date().isoformat(), event
    opened = (Attendance.select().where((Attendance.session_key == key) & (Attendance.kind == "open"))
              .first())
    if opened is None:
        return None
    return Service.get_or_none(Service.slug == opened.service_slug), opened.site_slug, opened.session_date, None


def is_closed(key):
    return Attendance.select().where((Attendance.session_key == key) & (Attendance.kind == "close")).exists()


def groups_for(service_slug):
    by_program = current_app.config.get("ATTENDANCE_GROUPS_BY_PROGRAM", {})
    return by_program.get(service_slug, current_app.config["ATTENDANCE_GROUPS"])


@bp.get("/<lang:lang>/host/today")
@host_required
def today(lang):
    """Today's sessions at this site, and a way to start an unplanned one."""
    site = _site()
    day = local_today()
    start = datetime.datetime.combine(day, datetime.time(0), _zone()).astimezone(datetime.timezone.utc).replace(tzinfo=None)
    events = list(Event.select().where((Event.site == site) & (Event.starts_at >= start)
                                       & (Event.starts_at < start + datetime.timedelta(days=1)))
                  .order_by(Event.starts_at))
    views = catalog.event_views(events, lang, with_service=True)
    adhoc = list(Attendance.select().where((Attendance.kind == "open") & (Attendance.site_slug == site.slug)
                                           & (Attendance.session_date == day.isoformat())))
    names = {}
    if adhoc:
        services = {s.slug: s.id for s in Service.select().where(Service.slug.in_([a.service_slug for a in adhoc]))}
        texts = catalog.texts("service", list(services.values()), lang, ("name",))
        names = {slug: texts[i].get("name") for slug, i in services.items()}
    programs = list(Service.select().where(Service.active == True).order_by(Service.id))  # noqa: E712
    program_names = catalog.texts("service", [p.id for p in programs], lang, ("name",))
    closed = {k for (k,) in Attendance.select(Attendance.session_key).where(Attendance.kind == "close").tuples()}
    return render_template("host/today.html", day=day, events=views, adhoc=adhoc, names=names,
                           held=outbox.held_entries(),
                           programs=[(p.slug, program_names[p.id].get("name")) for p in programs],
                           closed=closed, site_name=catalog.texts("site", [site.id], lang)[site.id].get("name"),
                           host_page=True)


@bp.post("/<lang:lang>/host/held/retry")
@host_required
def retry_held(lang):
    """Put the records set aside back in the queue now (after the ward fixed the cause)."""
    outbox.release_held(0, int(current_app.config["SYNC_MAX_RECORD_FAILURES"]))
    _wake()
    return redirect(url_for("host.today"), 303)


@bp.post("/<lang:lang>/host/adhoc")
@host_required
def adhoc(lang):
    """Start an unplanned session for one of the ward's programs, here, today."""
    slug = request.form.get("service", "")
    if not Service.select().where(Service.slug == slug).exists():
        abort(400)
    key = str(uuid.uuid4())
    outbox.enqueue_attendance(session_key=key, service_slug=slug, site_slug=_site().slug,
                              session_date=local_today().isoformat(), kind="open")
    _wake()
    return redirect(url_for("host.session_view", key=key), 303)


def _wake():
    loop = current_app.extensions.get("sync_loop")
    if loop is not None:
        loop.wake()


def _totals(key):
    """{group: count} and {ref: checked in?} as this kiosk recorded them."""
    counts = dict(Attendance.select(Attendance.grp, fn.SUM(Attendance.delta))
                  .where((Attendance.session_key == key) & (Attendance.kind == "count"))
                  .group_by(Attendance.grp).tuples())
    checkins = dict(Attendance.select(Attendance.ref, fn.SUM(Attendance.delta))
                    .where((Attendance.session_key == key) & (Attendance.kind == "checkin"))
                    .group_by(Attendance.ref).tuples())
    return counts, {ref: n > 0 for ref, n in checkins.items()}


def _signups(event):
    """People who signed up for this session: names from this kiosk, reference codes otherwise."""
    if event is None:
        return []
    people = {}
    for s in SignupStatus.select().where((SignupStatus.event_uid == event.uid) & (SignupStatus.status != "cancelled")):
        people[s.ref_code] = None
    for s in Signup.select().where((Signup.event_uid == event.uid) & (Signup.status != "cancelled")):
        people[s.ref_code] = s.name
    return sorted(people.items(), key=lambda kv: (kv[1] is None, kv[1] or "", kv[0]))


@bp.get("/<lang:lang>/host/session/<key>")
@host_required
def session_view(lang, key):
    """Counters, named check-in, note, and recent taps with their sync state."""
    return _render_session(lang, key)


def _render_session(lang, key, error=None, status=200, confirm_close=False):
    info = session_info(key)
    if info is None:
        abort(404)
    service, site_slug, day, event = info
    counts, checked = _totals(key)
    recent = list(Attendance.select().where(Attendance.session_key == key)
                  .order_by(Attendance.seq.desc()).limit(8))
    waiting = {r for (r,) in Outbox.select(Outbox.record_id)
               .where(Outbox.record_id.in_([a.id for a in recent])).tuples()} if recent else set()
    note = (Attendance.select().where((Attendance.session_key == key) & (Attendance.kind == "note"))
            .order_by(Attendance.seq.desc()).first())
    name = catalog.texts("service", [service.id], lang, ("name",))[service.id].get("name") if service else None
    ev = catalog.event_views([event], lang)[0] if event else None
    editable = not is_closed(key) and day == local_today().isoformat()
    return render_template("host/session.html", key=key, name=name, e=ev, day=day,
                           groups=groups_for(service.slug if service else ""), counts=counts,
                           people=_signups(event), checked=checked, recent=recent, waiting=waiting,
                           note=note.text if note else "", editable=editable, closed=is_closed(key),
                           error=error, confirm_close=confirm_close, host_page=True), status


def _tap(lang, key, **fields):
    info = session_info(key)
    if info is None:
        abort(404)
    service, site_slug, day, _event = info
    if is_closed(key) or day != local_today().isoformat():
        return _render_session(lang, key, _("This session is closed. It can no longer be changed."), 409)
    with database.atomic():
        outbox.enqueue_attendance(session_key=key, service_slug=service.slug, site_slug=site_slug,
                                  session_date=day, **fields)
    _wake()
    return None


@bp.post("/<lang:lang>/host/session/<key>/count")
@host_required
def count(lang, key):
    """+1 or -1 on a group (a -1 is a correction, recorded as its own record)."""
    info = session_info(key)
    group, delta = request.form.get("group", ""), request.form.get("delta", type=int)
    if info is None or group not in groups_for(info[0].slug if info[0] else "") or delta not in (1, -1):
        abort(400)
    if delta == -1 and _totals(key)[0].get(group, 0) <= 0:
        return _render_session(lang, key, _("The count is already zero."), 409)
    return _tap(lang, key, kind="count", grp=group, delta=delta) or _back(key)


@bp.post("/<lang:lang>/host/session/<key>/checkin")
@host_required
def checkin(lang, key):
    """Check a signed-up person in (or undo it)."""
    ref, delta = (request.form.get("ref") or "")[:16], request.form.get("delta", type=int)
    info = session_info(key)
    if info is None or delta not in (1, -1) or ref not in dict(_signups(info[3])):
        abort(400)
    if (delta == 1) == _totals(key)[1].get(ref, False):
        return _back(key)   # already in that state: a double tap changes nothing
    return _tap(lang, key, kind="checkin", ref=ref, delta=delta) or _back(key)


@bp.post("/<lang:lang>/host/session/<key>/note")
@validates_own_text
@host_required
def note(lang, key):
    """The host's note on the session (the latest one counts)."""
    try:
        text = boundary.clean_text(request.form.get("note") or "", multiline=True).strip()[:2000]
    except boundary.Refused:
        return _render_session(lang, key, _("The note contains characters that cannot be saved. "
                                            "Please delete them and type it again."), 422)
    return _tap(lang, key, kind="note", text=text) or _back(key)


@bp.post("/<lang:lang>/host/session/<key>/close")
@host_required
def close(lang, key):
    """Close the session: no more changes on this kiosk (after the host confirms)."""
    if request.form.get("confirm") != "1":
        return _render_session(lang, key, confirm_close=True)
    return _tap(lang, key, kind="close") or _back(key)


def _back(key):
    return redirect(url_for("host.session_view", key=key), 303)

