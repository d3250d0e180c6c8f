"""Looking a sign-up up by its reference code, and a visitor cancelling her own sign-up.

A cancellation is proved by the last four digits of the phone number given at sign-up. For a
sign-up made on this kiosk (its phone still here) the digits are checked at once; otherwise the
hub checks them when the cancellation arrives. Either way it travels through the outbox.

Another site's sign-ups reach this kiosk with a hash of their reference code, not the code
(kiosk.sync.feed): the look-up hashes the code the visitor typed to find them, so she can check
and cancel her sign-up on any kiosk that has synced, while the kiosk holds no list of codes.
The hub limits wrong digits per code across all kiosks (kiosk.hub.cancellations)."""
import re
import unicodedata

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import catalog, vocab
from ..models import Cancellation, Event, Outbox, Signup, SignupStatus
from ..sync import outbox, protocol
from .signup import _wake_sync

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
        found = {"ref": local.ref_code, "status": local.status, "reason": local.status_reason,
                 "kind": local.kind, "service": local.service_slug, "event": local.event_uid,
                 "queued": Outbox.select().where(Outbox.record_id == local.id).exists()}
    else:
        synced = _synced(ref)
        if synced is None:
            return None, None
        svc = catalog.service_by_slug(synced.service_slug)
        found = {"ref": ref, "status": synced.status, "reason": synced.reason,
                 "kind": vocab.kind_of(synced.event_uid, svc.category if svc else ""),
                 "service": synced.service_slug, "event": synced.event_uid, "queued": False}
    found["cancellable"] = found["status"] not in ("cancelled", "rejected")
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


def _render(lang, ref, found, error=None, status=200):
    details = {}
    if found:
        svc = catalog.service_by_slug(found["service"])
        details["view"] = catalog.service_views([svc], lang, with_next_event=False)[0] if svc else None
        ev = Event.get_or_none(Event.uid == found["event"]) if found["event"] else None
        details["e"] = catalog.event_views([ev], lang)[0] if ev else None
    return render_template("site/status.html", ref=ref, found=found, cancel_error=error,
                           just_cancelled=session.pop("just_cancelled", None) == ref, **details), status


@bp.get("/<lang:lang>/status")
def status(lang):
    """Look a sign-up up by reference code, on any kiosk that has synced."""
    ref = normalise_ref(request.args.get("ref"))
    return _render(lang, ref, find(ref, lang)[0])


@bp.post("/<lang:lang>/status/cancel")
def cancel(lang):
    """Cancel a sign-up: reference code plus the last four digits of its phone number."""
    ref = normalise_ref(request.form.get("ref"))
    found, local = find(ref, lang)
    if found is None or not found["cancellable"]:
        return redirect(url_for("lookup.status", ref=ref), 303)
    digits = unicodedata.normalize("NFKC", request.form.get("last4") or "").strip()
    if not re.fullmatch(r"[0-9]{4}", digits):
        return _render(lang, ref, found, _("Please enter the last four digits of the phone number, such as 5678."), 422)
    tries = Cancellation.select().where(Cancellation.ref_code == ref).count()
    if tries >= MAX_CANCEL_TRIES:
        return _render(lang, ref, found, _("This sign-up cannot be cancelled here any more. Please ask the staff or call the ward office."), 429)
    if local is not None and local.phone:
        if not re.sub(r"[^0-9]", "", local.phone).endswith(digits):
            Cancellation.create(id=outbox.new_id(), ref_code=ref, phone_last4="", outcome="mismatch")
            return _render(lang, ref, found, _("These digits do not match the phone number of this sign-up. Please check and try again."), 422)
    outbox.enqueue_cancel(ref, digits, signup=local)
    _wake_sync()
    session["just_cancelled"] = ref
    return redirect(url_for("lookup.status", ref=ref), 303)
