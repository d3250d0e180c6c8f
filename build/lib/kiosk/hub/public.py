"""Public, read-only, phone-friendly pages: what the kiosk's QR codes open on a phone."""
from flask import Blueprint, abort, render_template

from .. import catalog
from ..models import HubSignup

bp = Blueprint("public", __name__, url_prefix="/p")


@bp.get("/<lang:lang>/services/<slug>")
def service(lang, slug):
    """One service in one language, for a visitor's phone."""
    svc = catalog.service_by_slug(slug)
    if svc is None:
        abort(404)
    detail = catalog.service_detail(svc, lang)
    return render_template("public/service.html", svc=svc, **detail)


@bp.get("/<lang:lang>/status/<ref>")
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
