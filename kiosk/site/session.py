"""The visitor's session: display preferences, idle reset, the status indicator."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import vocab
from ..models import KioskState, Outbox
from .sync import outbox
from ..sync.protocol import parse_time
from ..web import drafts
from ..web.formatting import short_datetime
from ..web.guard import safe_next
from .host_access import end_host_session

bp = Blueprint("session", __name__)

TEXT_SIZES = (0, 1, 2)


@bp.post("/prefs")
def prefs():
    """Text size and high contrast, kept in the visitor's session until the idle reset."""
    size = request.form.get("size", type=int)
    if size in TEXT_SIZES:
        session["size"] = size
    if "contrast" in request.form:
        session["contrast"] = request.form.get("contrast") == "1"
    if "furigana" in request.form:
        session["furigana"] = request.form.get("furigana") == "1"
    return redirect(safe_next(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"])), 303)


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """Idle reset: forget everything about this visitor and go home in the default language.
    Host mode ends with it, on the kiosk too: a copy of the cookie opens nothing afterwards."""
    end_host_session("reset")
    drafts.forget(all_forms=True)
    session.clear()
    response = redirect(url_for("site.home", lang=current_app.config["DEFAULT_LANGUAGE"]), 303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/status")
def status():
    """The online / last-sync indicator, refreshed by htmx every minute."""
    return render_template("site/_status.html", status=sync_status())


def sync_status():
    """Online, last sync (in the visitor's time zone), records waiting, revoked, and, while
    sync rounds fail, why and since when (from the running loop, else as last saved)."""
    last = KioskState.get_value("last_sync_at")
    loop = current_app.extensions.get("sync_loop")
    if loop is not None:
        error, since = loop.error, loop.failing_since
    else:
        error = KioskState.get_value("sync_error") or ""
        since = parse_time(KioskState.get_value("sync_error_since")) if error else None
    return {"online": KioskState.get_value("online") == "1",
            "last_sync_at": short_datetime(parse_time(last)) if last else None,
            "pending": Outbox.select().count(),
            "held": outbox.held_count(),
            "revoked": KioskState.get_value("revoked") == "1",
            "error": vocab.sync_error_text(error) if error and not error.startswith("refused:revoked") else "",
            "error_since": short_datetime(since) if error and since else None}
