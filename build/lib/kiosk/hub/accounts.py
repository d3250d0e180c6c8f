"""Staff accounts on the hub's screens: an admin creates, changes and disables accounts
(roles: admin, or desk for the programs assigned); everyone changes their own password and can
end all their sessions; admins read the audit trail and the security log."""
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import boundary, catalog
from ..models import AuditLog, SecurityEvent, Service, StaffUser
from ..web.i18n import current_language
from . import queues, staff_auth
from .staff_auth import admin_required, staff_required

bp = Blueprint("accounts", __name__, url_prefix="/staff")
LOG_PAGE = 100


def _desk_choices():
    services = list(Service.select().where(Service.category.in_(["consultation", "volunteering", "gathering",
                                                                  "learning", "events"])).order_by(Service.id))
    texts = catalog.texts("service", [s.id for s in services], current_language(), ("name",))
    return [(s.slug, texts[s.id].get("name") or s.slug) for s in services]


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts():
    """Every staff account; a new one (or a changed one) from the form."""
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
                return redirect(url_for("accounts.accounts"), 303)
            except staff_auth.PasswordTooShort:
                error = _("The password must be at least %(num)d characters long.", num=staff_auth.MIN_PASSWORD)
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
    """Change my password (the current one first); other sessions end."""
    error = done = None
    if request.method == "POST":
        from werkzeug.security import check_password_hash
        if not check_password_hash(g.staff.password_hash, request.form.get("current", "")):
            error = _("The current password is not right.")
        elif request.form.get("new", "") != request.form.get("again", ""):
            error = _("The two new passwords are not the same.")
        else:
            try:
                staff_auth.set_password(g.staff.username, request.form.get("new", ""))
                done = _("Your password has been changed.")
                queues.audit(g.staff, "password_changed", g.staff.username)
            except staff_auth.PasswordTooShort:
                error = _("The password must be at least %(num)d characters long.", num=staff_auth.MIN_PASSWORD)
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
    """The audit trail and the security log, newest first."""
    page = boundary.bounded_int(request.args.get("page"), 1, (1, 100_000))
    entries = list(AuditLog.select().order_by(AuditLog.id.desc()).paginate(page, LOG_PAGE))
    security = list(SecurityEvent.select().order_by(SecurityEvent.id.desc()).limit(LOG_PAGE))
    return render_template("hub/audit.html", entries=entries, security=security, page=page,
                           more=len(entries) == LOG_PAGE)
