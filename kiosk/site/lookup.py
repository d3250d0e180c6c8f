"""Looking a sign-up up by its reference code, and a visitor cancelling her own sign-up.

A cancellation is proved by the last four digits of the phone number given at sign-up. For a
sign-up made on this kiosk (its phone still here) the digits are checked at once; otherwise the
hub checks them when the cancellation arrives. Either way it travels through the outbox.

Another site's sign-ups reach this kiosk with a hash of their reference code, not the code
(kiosk.hub.intake.feed): the look-up hashes the code the visitor typed to find them, so she can check
and cancel her sign-up on any kiosk that has synced, while the kiosk holds no list of codes.
The hub limits wrong digits per code across all kiosks (kiosk.hub.intake.cancellations)."""
import re
import unicodedata

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import catalog, vocab
from ..models import Cancellation, Event, Outbox, Signup, SignupStatus
from .sync import outbox, statuses
from ..sync import contract, protocol
from . import signup
from .sync.client import wake_sync

bp = Blueprint("lookup", __name__)
MAX_CANCEL_TRIES = 3     # per reference code on this kiosk: four digits must not be guessable


def normalise_ref(text):
    """A reference code as typed on any keyboard: full width (ＡＢＣＤ), lower case, spaces,
    any dash or none."""
    raw = unicodedata.normalize("NFKC", text or "").upper()
    raw = re.sub(r"[\s\-‐‑–—−ー]", "", raw)[:16]
    return raw[:4] + "-" + raw[4:] if len(raw) == 8 else raw


def find(ref, lang):
    """(what the visitor may see of a sign-up, the local Signup or None), or (None, None)."""
    local = Signup.get_or_none(Signup.ref_code == ref) if ref else None
    if local:
        status, reason, desk_state = statuses.of(local)
        found = {"ref": local.ref_code, "status": status, "reason": reason, "desk_state": desk_state,
                 "kind": local.kind, "service": local.service_slug, "event": local.event_uid,
                 "queued": Outbox.select().where(Outbox.record_id == local.id).exists()}
    else:
        synced = _synced(ref)
        if synced is None:
            return None, None
        svc = catalog.service_by_slug(synced.service_slug)
        found = {"ref": ref, "status": synced.status, "reason": synced.reason,
                 "kind": vocab.kind_of(synced.event_uid, svc.category if svc else ""),
                 "service": synced.service_slug, "event": synced.event_uid, "queued": False,
                 "desk_state": synced.desk_state}
    # A request the ward has finished (called back, closed...) has nothing left to cancel.
    found["cancellable"] = not vocab.visitor_status(found["kind"], found["status"], found["reason"],
                                                    found["desk_state"])["finished"]
    found["cancel_sent"] = Cancellation.select().where((Cancellation.ref_code == ref)
                                                       & (Cancellation.outcome == "sent")).exists()
    return found, local


def _synced(ref):
    """The status the hub sent for a reference code: by the code itself (this site's sign-ups),
    else by its hash (other sites')."""
    if not ref:
        return None
    return (SignupStatus.get_or_none(SignupStatus.ref_code == ref)
            or SignupStatus.get_or_none(SignupStatus.ref_hash == protocol.ref_lookup_hash(ref)))


# Why a cancellation was not taken, as the status page says it after the redirect.
CANCEL_ERRORS = {
    "digits": lambda: _("Please enter the last four digits of the phone number, such as 5678."),
    "tries": lambda: _("This sign-up cannot be cancelled here any more. Please ask the staff or call the ward office."),
    "mismatch": lambda: _("These digits do not match the phone number of this sign-up. Please check and try again."),
}
REF_KEY = "lookup_ref"


@bp.get("/<lang:lang>/status")
def status(lang):
    """Look a sign-up up by reference code, on any kiosk that has synced.

    The code lives in the visitor's session, not in the URL: after the idle reset, Back to this
    page shows an empty look-up, not the last visitor's sign-up. An old link with ?ref= is
    taken into the session and redirected to the bare page."""
    if "ref" in request.args:
        session[REF_KEY] = normalise_ref(request.args.get("ref"))
        return redirect(url_for("lookup.status"), 303)
    ref = session.get(REF_KEY, "")
    found, local = find(ref, lang)
    details = {}
    if found:
        svc = catalog.service_by_slug(found["service"])
        details["view"] = catalog.service_views([svc], lang, with_next_event=False)[0] if svc else None
        ev = Event.get_or_none(Event.uid == found["event"]) if found["event"] else None
        details["e"] = catalog.event_views([ev], lang)[0] if ev else None
        details["event"] = ev
        details.update(signup.slip(found["ref"], local, svc, ev, lang))
    error = CANCEL_ERRORS.get(session.pop("cancel_error", None) or "")
    return render_template("site/status.html", ref=ref, found=found,
                           cancel_error=error() if error else None,
                           just_cancelled=session.pop("just_cancelled", None) == ref, **details)


@bp.post("/<lang:lang>/status")
def look_up(lang):
    """The look-up form: remember the code for this visitor, then show it (post/redirect/get)."""
    session[REF_KEY] = normalise_ref(request.form.get("ref"))
    return redirect(url_for("lookup.status"), 303)


@bp.post("/<lang:lang>/status/cancel")
def cancel(lang):
    """Cancel a sign-up: reference code plus the last four digits of its phone number."""
    ref = normalise_ref(request.form.get("ref"))
    session[REF_KEY] = ref
    back = redirect(url_for("lookup.status"), 303)
    found, local = find(ref, lang)
    if found is None or not found["cancellable"]:
        return back
    digits = unicodedata.normalize("NFKC", request.form.get("last4") or "").strip()
    if not contract.LAST4_RE.fullmatch(digits):
        session["cancel_error"] = "digits"
        return back
    tries = Cancellation.select().where(Cancellation.ref_code == ref).count()
    if tries >= MAX_CANCEL_TRIES:
        session["cancel_error"] = "tries"
        return back
    if local is not None and local.phone:
        if not contract.phone_ends_with(local.phone, digits):
            Cancellation.create(id=outbox.new_id(), ref_code=ref, phone_last4="", outcome="mismatch")
            session["cancel_error"] = "mismatch"
            return back
    outbox.enqueue_cancel(ref, digits, signup=local)
    wake_sync()
    session["just_cancelled"] = ref
    return back
