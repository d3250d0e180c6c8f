"""The visitor's session: display preferences, idle reset, the status indicator."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from ..models import KioskState

bp = Blueprint("session", __name__)

TEXT_SIZES = (0, 1, 2)


def safe_next(default):
    """Only same-site paths: never redirect a visitor to another host."""
    target = request.form.get("next") or request.args.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.post("/prefs")
def prefs():
    """Text size and high contrast, kept in the visitor's session until the idle reset."""
    size = request.form.get("size", type=int)
    if size in TEXT_SIZES:
        session["size"] = size
    if "contrast" in request.form:
        session["contrast"] = request.form.get("contrast") == "1"
    return redirect(safe_next(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"])), 303)


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Idle reset: forget everything about this visitor and go home in the default language."""
    session.clear()
    response = redirect(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"]), 303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/status")
def status():
    """The online / last-sync indicator, refreshed by htmx every minute."""
    return render_template("site/_status.html", status=sync_status())


def sync_status():
    """Online, last sync (in the visitor's time zone), records waiting, revoked."""
    from flask_babel import format_datetime

    from ..models import Outbox
    from ..sync.protocol import parse_time
    last = KioskState.get_value("last_sync_at")
    return {"online": KioskState.get_value("online") == "1",
            "last_sync_at": format_datetime(parse_time(last), "short") if last else None,
            "pending": Outbox.select().count(),
            "revoked": KioskState.get_value("revoked") == "1"}

