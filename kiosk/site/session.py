"""The visitor's session: display preferences, idle reset, the status indicator."""
from flask import Blueprint, current_app, redirect, request, session, url_for

from ..web import drafts
from ..web.guard import safe_next
from ..web.per_request import note
from .host_access import end_host_session
from .status import footer_html, shown, snapshot

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
@bp.get("/<lang:lang>/sync-status")
def status(lang=None):
    """The online / last-sync indicator, refreshed by htmx every minute, in the page's language
    (its URL carries it; /status is in the kiosk's default language)."""
    note("furigana_applied")    # footer_html gave it its readings
    return footer_html()


def sync_status():
    """Online, last sync (in the visitor's time zone), records waiting, revoked, and, while
    sync rounds fail, why and since when (from the running loop's memory, else as last saved:
    kiosk.site.status)."""
    return shown(snapshot())
