"""Café host mode: today's sessions at this site, attendance in a few taps, offline.

Every tap is an Attendance record with its outbox entry, committed before the screen shows it,
so a crash or power cut loses at most the tap in flight. Corrections are new records (a -1),
never edits. Closing a session locks it on this kiosk. Who may enter (the PIN, its lockout
ladder, host sessions held in the database) is kiosk.site.host_access.
"""
import functools
import uuid

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from peewee import fn

from .. import boundary, catalog, clock, vocab
from ..db import database
from ..models import Attendance, Event, Outbox, Service, ServiceSite, Signup, SignupStatus, Site
from .sync import outbox
from .sync.client import wake_sync
from ..web.guard import validates_own_text
from ..web.render import render, wants_fragment
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
    """The host PIN screen (a discreet link in the footer leads here). A PIN sent is answered
    with a redirect (post/redirect/get), so Back never meets a form to resubmit; the GET says
    what the last try found (401 for a wrong PIN, 429 while locked)."""
    if access.current_host_session() is not None:
        return redirect(url_for("host.today"))
    ladder = access.ladder_from_config()
    wait = access.locked_for(*ladder)
    if request.method == "POST":
        if not wait:
            pin = (request.form.get("pin") or "").strip()[:32]
            wait, rung = access.claim(*ladder)
            if not wait and access.check_pin(pin):
                session.pop("pin_wrong", None)
                access.open_host_session()
                return redirect(url_for("host.today"), 303)
            if not wait:
                if access.wrong_pin(rung, *ladder):
                    wake_sync()    # the hub's fleet view learns of the lockout at the next round
                session["pin_wrong"] = True
        return redirect(url_for("host.enter"), 303)
    error, status = None, 200
    if session.pop("pin_wrong", None):
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

def _tz():
    return current_app.config["TIMEZONE"]


def local_today():
    return clock.ward_today(_tz())


def _site():
    site = Site.get_or_none(Site.slug == current_app.config["SITE_SLUG"])
    if site is None:
        abort(404)
    return site


def session_info(key):
    """(service, site_slug, date string, event or None) of a session key, or None."""
    event = Event.get_or_none(Event.uid == key)
    if event is not None:
        return event.service, event.site.slug, clock.ward_time(event.starts_at, _tz()).date().isoformat(), event
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
    start, end = clock.day_bounds(day, _tz())
    events = list(Event.select().where((Event.site == site) & (Event.starts_at >= start)
                                       & (Event.starts_at < end))
                  .order_by(Event.starts_at))
    views = catalog.event_views(events, lang, with_service=True)
    adhoc = list(Attendance.select().where((Attendance.kind == "open") & (Attendance.site_slug == site.slug)
                                           & (Attendance.session_date == day.isoformat())))
    names = {}
    if adhoc:
        services = {s.slug: s.id for s in Service.select().where(Service.slug.in_([a.service_slug for a in adhoc]))}
        texts = catalog.texts("service", list(services.values()), lang, ("name",))
        names = {slug: texts[i].get("name") for slug, i in services.items()}
    closed = {k for (k,) in Attendance.select(Attendance.session_key).where(Attendance.kind == "close").tuples()}
    here, elsewhere = _programs(site, lang)
    return render_template("host/today.html", day=day, events=views, adhoc=adhoc, names=names,
                           held=outbox.held_entries(), programs_here=here, programs_elsewhere=elsewhere,
                           closed=closed, site_name=catalog.texts("site", [site.id], lang)[site.id].get("name"),
                           host_page=True)


def _programs(site, lang):
    """The ward's active programs as [(slug, name)]: this site's first (held here, or with
    sessions here), then the rest. An unplanned session is nearly always one of this site's,
    and the ward has dozens of programs."""
    programs = list(Service.select().where(Service.active == True).order_by(Service.id))  # noqa: E712
    names = catalog.texts("service", [p.id for p in programs], lang, ("name",))
    held_here = ({s for (s,) in ServiceSite.select(ServiceSite.service).where(ServiceSite.site == site).tuples()}
                 | {s for (s,) in Event.select(Event.service).where(Event.site == site).distinct().tuples()})
    here = [(p.slug, names[p.id].get("name")) for p in programs if p.id in held_here]
    elsewhere = [(p.slug, names[p.id].get("name")) for p in programs if p.id not in held_here]
    return here, elsewhere


@bp.post("/<lang:lang>/host/held/retry")
@host_required
def retry_held(lang):
    """Put the records set aside back in the queue now (after the ward fixed the cause)."""
    outbox.release_held(0, int(current_app.config["SYNC_MAX_RECORD_FAILURES"]))
    wake_sync()
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
    wake_sync()
    return redirect(url_for("host.session_view", key=key), 303)


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
    for s in (Signup.select().join(SignupStatus, on=(SignupStatus.record_id == Signup.id))
              .where((Signup.event_uid == event.uid) & (SignupStatus.status != "cancelled"))):
        people[s.ref_code] = s.name
    return sorted(people.items(), key=lambda kv: (kv[1] is None, kv[1] or "", kv[0]))


@bp.get("/<lang:lang>/host/session/<key>")
@host_required
def session_view(lang, key):
    """Counters, named check-in, note, and recent taps with their sync state. ``?confirm=close``
    asks whether to close (where a plain form post lands); htmx asks only for the close block
    (the confirmation's "No, keep it open" puts the close button back where it was)."""
    if wants_fragment():
        return _render_session(lang, key, blocks=["close"], refocus=True)
    return _render_session(lang, key, confirm_close=request.args.get("confirm") == "close")


def _render_session(lang, key, status=200, blocks=None, **extra):
    """The session screen, or for an htmx tap only ``blocks`` of it (the tapped part first,
    then the parts it changed elsewhere, marked out of band)."""
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
    context = dict(key=key, name=name, e=ev, day=day, groups=groups_for(service.slug if service else ""),
                   counts=counts, headcount=sum(counts.get(g, 0) for g in vocab.HEADCOUNT_GROUPS),
                   people=_signups(event), checked=checked, recent=recent, waiting=waiting,
                   note=note.text if note else "", editable=editable, closed=is_closed(key),
                   error=None, error_at=None, confirm_close=False, host_page=True)
    context.update(extra)
    if blocks and wants_fragment():
        return render("host/session.html", blocks, status, oob=True, **context)
    return render_template("host/session.html", **context), status


# The part of the session screen each kind of tap changes (its id is "<part>-<which>"), and
# the blocks an htmx tap gets back: the part itself, then what else the tap changed.
_PARTS = {"counter": ["counter", "headcount", "recent"], "person": ["person", "recent"],
          "note": ["note", "recent"]}


def _answer(lang, key, part, which=None, error=None, status=200, **extra):
    """The screen after a tap, at the place the host tapped. htmx gets that part alone (with an
    error next to it, never a silent nothing); a plain form post is sent back to the part's
    anchor, or, on an error, shown the screen with the error next to that part."""
    place = f"{part}-{which}" if which else part
    if wants_fragment():
        return _render_session(lang, key, status, _PARTS[part], error=error, error_at=place,
                               **_part_context(key, part, which), **extra)
    if error:
        return _render_session(lang, key, status, error=error, error_at=place, **extra)
    return redirect(url_for("host.session_view", key=key, _anchor=place), 303)


def _part_context(key, part, which):
    """What a block drawn inside the screen's loops needs: its group, or its person."""
    if part == "counter":
        return {"grp": which}
    if part == "person":
        info = session_info(key)
        return {"ref": which, "person": dict(_signups(info[3] if info else None)).get(which)}
    return {}


def _refusal(key):
    """Why no tap can be recorded on this session now (closed, or not today's), or None."""
    info = session_info(key)
    if info is None:
        abort(404)
    if is_closed(key) or info[2] != local_today().isoformat():
        return _("This session is closed. It can no longer be changed.")
    return None


def _record(key, **fields):
    """One attendance record with its outbox entry, committed before the screen shows it."""
    service, site_slug, day, _event = session_info(key)
    with database.atomic():
        outbox.enqueue_attendance(session_key=key, service_slug=service.slug, site_slug=site_slug,
                                  session_date=day, **fields)
    wake_sync()


def _tap(lang, key, part, which=None, **fields):
    """Record one tap, then answer at the place the host tapped."""
    refused = _refusal(key)
    if refused:
        return _answer(lang, key, part, which, refused, 409)
    _record(key, **fields)
    return _answer(lang, key, part, which)


@bp.post("/<lang:lang>/host/session/<key>/count")
@host_required
def count(lang, key):
    """+1 or -1 on a group (a -1 is a correction, recorded as its own record)."""
    info = session_info(key)
    group, delta = request.form.get("group", ""), request.form.get("delta", type=int)
    if info is None or group not in groups_for(info[0].slug if info[0] else "") or delta not in (1, -1):
        abort(400)
    if delta == -1 and _totals(key)[0].get(group, 0) <= 0:
        return _answer(lang, key, "counter", group, _("The count is already zero."), 409)
    return _tap(lang, key, "counter", group, kind="count", grp=group, delta=delta)


@bp.post("/<lang:lang>/host/session/<key>/checkin")
@host_required
def checkin(lang, key):
    """Check a signed-up person in (or undo it)."""
    ref, delta = (request.form.get("ref") or "")[:16], request.form.get("delta", type=int)
    info = session_info(key)
    if info is None or delta not in (1, -1) or ref not in dict(_signups(info[3])):
        abort(400)
    if (delta == 1) == _totals(key)[1].get(ref, False):
        return _answer(lang, key, "person", ref)   # already in that state: a double tap changes nothing
    return _tap(lang, key, "person", ref, kind="checkin", ref=ref, delta=delta)


@bp.post("/<lang:lang>/host/session/<key>/note")
@validates_own_text
@host_required
def note(lang, key):
    """The host's note on the session (the latest one counts)."""
    try:
        text = boundary.clean_text(request.form.get("note") or "", multiline=True).strip()[:2000]
    except boundary.Refused:
        return _answer(lang, key, "note", None, _("The note contains characters that cannot be saved. "
                                                  "Please delete them and type it again."), 422)
    return _tap(lang, key, "note", kind="note", text=text)


@bp.post("/<lang:lang>/host/session/<key>/close")
@host_required
def close(lang, key):
    """Close the session: no more changes on this kiosk (after the host confirms). The
    question appears where the host tapped: htmx swaps it in for the button, a plain form post
    is sent to the screen's confirmation anchor."""
    if request.form.get("confirm") != "1":
        if wants_fragment():
            return _render_session(lang, key, blocks=["close"], confirm_close=True)
        return redirect(url_for("host.session_view", key=key, confirm="close", _anchor="confirm-close"), 303)
    refused = _refusal(key)
    if refused:
        return _render_session(lang, key, 409, error=refused)
    _record(key, kind="close")
    return redirect(url_for("host.session_view", key=key), 303)   # the top, where it says "closed"
