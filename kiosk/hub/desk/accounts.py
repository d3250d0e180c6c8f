"""Staff accounts on the hub's screens: an admin creates, changes and disables accounts
(roles: admin, or desk for the programs assigned); everyone changes their own password and can
end all their sessions; admins read the audit trail and the security log."""
import datetime

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import Case, fn

from ... import boundary, catalog
from ...models import AuditLog, Device, SecurityEvent, Service, StaffUser
from ...models.catalog import utcnow
from ...web.i18n import current_language
from . import queues, staff_auth
from .staff_auth import admin_required, staff_required

bp = Blueprint("accounts", __name__, url_prefix="/staff")
LOG_PAGE = 100
TOP_SOURCES = 10       # the security log's busiest kiosks and addresses
LATEST_EVENTS = 50     # and the latest refusals of the ward's own kiosks


def _desk_choices():
    services = list(Service.select().where(Service.category.in_(["consultation", "volunteering", "gathering",
                                                                  "learning", "events"])).order_by(Service.id))
    texts = catalog.texts("service", [s.id for s in services], current_language(), ("name",))
    return [(s.slug, texts[s.id].get("name") or s.slug) for s in services]


def weak_password_message(exc):
    """Why a new password was refused, in the staff member's language."""
    if isinstance(exc, staff_auth.PasswordIsUserName):
        return _("The password must not be the same as the user name.")
    if isinstance(exc, staff_auth.PasswordTooCommon):
        return _("This password is one of the most common passwords and is easy to guess. Please choose another one.")
    return _("The password must be at least %(num)d characters long.", num=staff_auth.MIN_PASSWORD)


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts():
    """Every staff account; a new one (or a changed one) from the form. A changed password
    ends the account's sessions (the administrator's own, here, starts again)."""
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        role = request.form.get("role", "desk")
        desks = [d for d in request.form.getlist("desks") if d in dict(_desk_choices())]
        password = request.form.get("password") or ""
        if not username or not boundary.is_clean_text(username) or role not in staff_auth.ROLES:
            error = _("Please give a user name and a role.")
        else:
            try:
                user = staff_auth.set_password(username, password, request.form.get("name", "")[:128], role, desks)
                queues.audit(g.staff, "account_saved", user.username, f"role {role}; desks {','.join(desks)}")
                if user.id == g.staff.id:
                    staff_auth.start_session(user)
                return redirect(url_for("accounts.accounts"), 303)
            except staff_auth.WeakPassword as exc:
                error = weak_password_message(exc)
    users = list(StaffUser.select().order_by(StaffUser.username))
    return render_template("hub/accounts.html", users=users, desk_choices=_desk_choices(), error=error,
                           min_password=staff_auth.MIN_PASSWORD), (422 if error else 200)


@bp.post("/accounts/<int:user_id>/disable")
@admin_required
def disable(user_id):
    """Disable (or enable again) an account; disabling ends its sessions at once."""
    user = StaffUser.get_or_none(StaffUser.id == user_id)
    if user is None or user.id == g.staff.id:
        abort(404)
    StaffUser.update(disabled=not user.disabled).where(StaffUser.id == user.id).execute()
    if not user.disabled:
        staff_auth.logout_everywhere(user)
    queues.audit(g.staff, "account_enabled" if user.disabled else "account_disabled", user.username)
    return redirect(url_for("accounts.accounts"), 303)


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def password():
    """Change my password (the current one first). Every other session of mine ends, on every
    device and hub process: whoever knew the old password is signed out; this browser goes on
    with a new session."""
    error = done = None
    if request.method == "POST":
        from werkzeug.security import check_password_hash
        if not check_password_hash(g.staff.password_hash, request.form.get("current", "")):
            error = _("The current password is not right.")
        elif request.form.get("new", "") != request.form.get("again", ""):
            error = _("The two new passwords are not the same.")
        else:
            try:
                user = staff_auth.set_password(g.staff.username, request.form.get("new", ""))
                staff_auth.start_session(user)
                done = _("Your password has been changed. You have been signed out on every other device.")
                queues.audit(g.staff, "password_changed", g.staff.username)
            except staff_auth.WeakPassword as exc:
                error = weak_password_message(exc)
    return render_template("hub/password.html", error=error, done=done), (422 if error else 200)


@bp.post("/logout-everywhere")
@staff_required
def logout_everywhere():
    """End all my sessions, on every device."""
    staff_auth.logout_everywhere(g.staff)
    queues.audit(g.staff, "logout_everywhere", g.staff.username)
    return redirect(url_for("staff.login"), 303)


@bp.get("/audit")
@admin_required
def audit():
    """The audit trail, newest first, and the security log summarised: a flood of refused
    requests is a few lines of counts, and cannot push the ward's own kiosks off the screen."""
    page = boundary.bounded_int(request.args.get("page"), 1, (1, 100_000))
    entries = list(AuditLog.select().order_by(AuditLog.id.desc()).paginate(page, LOG_PAGE))
    return render_template("hub/audit.html", entries=entries, page=page, more=len(entries) == LOG_PAGE,
                           **security_summary())


def _weight():
    """How many refusals a security log row stands for: repeats are folded into one row with a
    count where the table has one; otherwise each row is one."""
    return SecurityEvent._meta.fields.get("count") or 1


def _by(column, day, week, limit=None):
    """[(value, last day, last week, latest)] of the week's refusals grouped by ``column``,
    the most frequent first: every grouped query is bounded by the indexed week."""
    weight = _weight()
    query = (SecurityEvent.select(column, fn.SUM(Case(None, [(SecurityEvent.at > day, weight)], 0)),
                                  fn.SUM(weight), fn.MAX(SecurityEvent.at))
             .where(SecurityEvent.at > week).group_by(column)
             .order_by(fn.SUM(weight).desc(), column))
    if limit:
        query = query.limit(limit)
    return [(value, int(d or 0), int(w or 0), _when(at)) for value, d, w, at in query.tuples()]


def _when(value):
    """An aggregate's time as a datetime (SQLite hands MAX() back as text)."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def security_summary():
    """The security log for its screen: counts per reason and per source (kiosk id, address)
    over the last day and week, and the latest refusals of enrolled kiosks, folded by kiosk,
    reason and address."""
    now = utcnow()
    day, week = now - datetime.timedelta(days=1), now - datetime.timedelta(days=7)
    weight = _weight()
    enrolled = Device.select(Device.device_id)
    latest = (SecurityEvent.select(SecurityEvent.device_id, SecurityEvent.reason, SecurityEvent.address,
                                   fn.SUM(weight), fn.MAX(SecurityEvent.at))
              .where((SecurityEvent.at > week) & SecurityEvent.device_id.in_(enrolled))
              .group_by(SecurityEvent.device_id, SecurityEvent.reason, SecurityEvent.address)
              .order_by(fn.MAX(SecurityEvent.at).desc()).limit(LATEST_EVENTS))
    return {"reasons": _by(SecurityEvent.reason, day, week),
            "devices": _by(SecurityEvent.device_id, day, week, TOP_SOURCES),
            "addresses": _by(SecurityEvent.address, day, week, TOP_SOURCES),
            "latest": [(d, r, a, int(n or 0), _when(at)) for d, r, a, n, at in latest.tuples()]}
