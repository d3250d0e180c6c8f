"""Public, read-only, phone-friendly pages: what the kiosk's QR codes open on a phone.

The status page answers for any reference code, so it is rate-limited per address
(PUBLIC_STATUS_RATE, with the Flask-Limiter the staff login uses: counted in each process's
memory, so N hub processes allow N times the rate; still far too few to guess codes, which are
8 characters of 31). A visitor who goes over sees a page in her language asking her to wait a
minute, never an error."""
from flask import Blueprint, abort, current_app, render_template

from .. import catalog
from ..models import HubSignup
from ..web import speech
from .desk.staff_auth import limiter

bp = Blueprint("public", __name__, url_prefix="/p")


@bp.get("/<lang:lang>/services/<slug>")
def service(lang, slug):
    """One service in one language, for a visitor's phone."""
    svc = catalog.service_by_slug(slug)
    if svc is None:
        abort(404)
    detail = catalog.service_detail(svc, lang)
    return render_template("public/service.html", svc=svc, **detail)


@bp.errorhandler(429)
def _too_many(exc):
    """Over the look-up rate: ask the visitor to wait, in her language (a phone page)."""
    response = current_app.make_response((render_template("public/too_many.html"), 429))
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/<lang:lang>/status/<ref>")
@limiter.limit(lambda: current_app.config["PUBLIC_STATUS_RATE"])
def status(lang, ref):
    """A sign-up's status by reference code (no personal data is shown)."""
    signup = HubSignup.get_or_none(HubSignup.ref_code == ref.upper()[:16])
    if signup is None:
        # Most often a sign-up still on its kiosk, waiting for the connection: say so.
        return render_template("public/status.html", signup=None, ref=ref.upper()[:16]), 404
    names = catalog.texts("service", [s.id for s in [catalog.service_by_slug(signup.service_slug)] if s], lang, ("name",))
    name = next(iter(names.values()), {}).get("name") if names else None
    event, ev = None, None
    if signup.event_uid:
        from ..models import Event
        ev = Event.get_or_none(Event.uid == signup.event_uid)
        event = catalog.event_views([ev], lang)[0] if ev else None
    svc = catalog.service_by_slug(signup.service_slug)
    takeaway = catalog.takeaway(svc, [ev.site] if ev else []) if svc else None
    return render_template("public/status.html", signup=signup, service_name=name, e=event, takeaway=takeaway)


@bp.post("/<lang:lang>/speech/reading")
def reading(lang):
    """Japanese texts of the phone page as said, from the furigana's readings, for the phone's
    own voice to read aloud (kiosk.web.speech)."""
    return speech.readings_response()
