"""Sign-ups on the kiosk: event seats, volunteer registration, call-back requests, and looking a
sign-up up by its reference code (kiosk.site.lookup). Each writes locally (record + outbox in one transaction) and
returns at once; the background sync loop carries it to the hub."""
import re
import unicodedata

import segno
from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from .. import catalog, vocab
from ..models import Event, KioskState, Outbox, Service, ServiceAudience, ServiceSite, Signup, Site
from . import demand
from .sync import outbox
from ..web import drafts, pagecache
from ..web.guard import validates_own_text
from ..web.i18n import languages
from .directory import public_base
from .pages import shown_to_everyone
from .seats import local_seats_left, local_seats_left_many, provisional_key
from .sync import statuses
from .sync.client import wake_sync
from .forms import CallbackForm, EventSignupForm, PartyMixin, PartySignupForm, VolunteerForm, submission_id

bp = Blueprint("signup", __name__)
pagecache.fill_each_time("submission", submission_id)   # each visitor's form gets its own id


def blank_form():
    """The form as everyone first sees it: nothing typed by this visitor is waiting to be shown
    again (kiosk.web.drafts). Only such a form comes from the page cache."""
    return drafts.recall() is None


def switching_language():
    """The visitor changed language in the middle of the form: show it again, as typed, in
    the new language (no checks, nothing saved)."""
    return request.method == "POST" and request.form.get("_switch") == "1"


def _already_made(form):
    """The sign-up an earlier post of this very form made, if any (a double submission, or a
    resend after the kiosk died between saving and answering)."""
    sid = form.submission_id() if request.method == "POST" else None
    return Signup.get_or_none(Signup.submission_id == sid) if sid else None


def _finish(signup, waitlist=False, new=True):
    # The confirmation page finds the sign-up through the session: nothing personal in a URL.
    if new:
        demand.count("signup_finished", signup.language, signup.service_slug)
    session["done"] = signup.id
    session["waitlist"] = waitlist
    wake_sync()
    return redirect(url_for("signup.done"), 303)


def for_families(svc):
    """Children's cafés and cafeterias ask how many adults and children are coming."""
    return ServiceAudience.select().where((ServiceAudience.service == svc)
                                          & (ServiceAudience.audience == "children")).exists()


def _form_page(make_form, accept, show):
    """One kiosk form, post/redirect/get all the way (kiosk.web.drafts): a POST that is taken
    redirects to the confirmation; an error or a language switch keeps what was typed and
    redirects back to the form, whose GET shows it again (with its errors after an error).
    So the tablet's history holds no POST: Back and Forward always land on a kiosk page."""
    if request.method == "POST":
        form = make_form()
        earlier = _already_made(form)
        if earlier is not None:
            drafts.forget()
            return _finish(earlier, waitlist=session.get("waitlist", False), new=False)
        if not switching_language() and form.validate_on_submit():
            drafts.forget()
            return accept(form)
        drafts.remember(show_errors=not switching_language())
        return redirect(request.path, 303)
    kept = drafts.recall()
    form = make_form(formdata=kept[0]) if kept else make_form()
    if kept and kept[1]:
        form.validate()
        # The token is checked when the form is sent, not while it is shown again.
        if "csrf_token" in form:
            form.csrf_token.errors = []
    if pagecache.shared_render():
        form.submission.data = pagecache.hole("submission")
    return show(form)


def _event_service(uid, **_):
    """The slug of the service a session belongs to (what a sign-up form is counted under):
    asked of the database once per session, not on every form served from the page cache."""
    slug = _event_services.get(uid)
    if slug is None:
        slug = Service.select(Service.slug).join(Event).where(Event.uid == uid).scalar()
        if slug is not None:
            if len(_event_services) >= 4096:
                _event_services.clear()
            _event_services[uid] = slug     # a session never moves to another service
    return slug


_event_services = {}


@bp.route("/<lang:lang>/signup/event/<uid>", methods=["GET", "POST"])
@validates_own_text
@demand.counted("signup_started", _event_service, when=blank_form)
@shown_to_everyone(provisional_key, when=blank_form)
def event(lang, uid):
    """Sign up for a seat at one session (waiting list when it is full)."""
    ev = Event.get_or_none(Event.uid == uid)
    if ev is None or ev.cancelled or ev.capacity == 0:
        abort(404)
    svc = ev.service
    elderly = ServiceAudience.select().where((ServiceAudience.service == svc)
                                             & (ServiceAudience.audience == "elderly")).exists()
    form_class = PartySignupForm if for_families(svc) else EventSignupForm

    def accept(form):
        person = form.person()
        if existing_signup(ev.uid, person.get("phone"), person.get("name")) is not None:
            session["repeat"] = ev.uid
            return redirect(url_for("signup.repeat"), 303)
        party = form.party() if isinstance(form, PartyMixin) else {"adults": 1, "children": 0}
        # As this kiosk saw it before this sign-up: the whole party must fit, or it waits.
        full = local_seats_left(ev) < party["adults"] + party["children"]
        signup = outbox.enqueue_signup(form.submission_id(), kind="event", service_slug=svc.slug,
                                       event_uid=ev.uid, language=lang, **party, **person)
        return _finish(signup, waitlist=full)

    def show(form):
        view = catalog.service_views([svc], lang, with_next_event=False)[0]
        return render_template("site/signup.html", form=form, kind="event", svc=svc, view=view,
                               e=catalog.event_views([ev], lang)[0],
                               seats_left=local_seats_left_many([ev]).get(ev.uid, 0))

    return _form_page(lambda **kw: form_class(age_required=elderly, **kw), accept, show)


def same_name(a, b):
    """Names compared as a person would: full-width and half-width alike, upper and lower case
    alike, any run of spaces as one."""
    def norm(name):
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name or "")).strip().casefold()
    return bool(norm(a)) and norm(a) == norm(b)


def existing_signup(event_uid, phone, name):
    """This kiosk's live sign-up for the session by the same person: the same phone number AND
    the same name. A household sharing one landline signs up once per person, so a phone alone
    is not a person."""
    if not phone:
        return None
    live = statuses.live_signups().where((Signup.event_uid == event_uid) & (Signup.phone == phone))
    return next((s for s in live if same_name(s.name, name)), None)


@bp.get("/<lang:lang>/signup/repeat")
def repeat(lang):
    """A second sign-up by the same person: say so without showing anything of the first one.
    Knowing a phone number and a name must not give a stranger the reference code that,
    with that phone number, cancels the seat."""
    ev = Event.get_or_none(Event.uid == session.get("repeat", ""))
    if ev is None:
        return redirect(url_for("site.home"))
    view = catalog.service_views([ev.service], lang, with_next_event=False)[0]
    return render_template("site/repeat.html", svc=ev.service, view=view,
                           e=catalog.event_views([ev], lang)[0])


def _service_or_404(slug, category):
    svc = catalog.service_by_slug(slug)
    if svc is None or svc.category != category:
        abort(404)
    return svc


@bp.route("/<lang:lang>/signup/volunteer/<slug>", methods=["GET", "POST"])
@validates_own_text
@demand.counted("signup_started", lambda slug, **_: slug, when=blank_form)
@shown_to_everyone(when=blank_form)
def volunteer(lang, slug):
    """Register as a volunteer with a volunteering program (Nerries, the volunteer centre...)."""
    svc = _service_or_404(slug, "volunteering")

    def accept(form):
        return _finish(outbox.enqueue_signup(form.submission_id(), kind="volunteer",
                                             service_slug=svc.slug, language=lang, **form.person()))

    def show(form):
        view = catalog.service_views([svc], lang, with_next_event=False)[0]
        return render_template("site/signup.html", form=form, kind="volunteer", svc=svc, view=view, e=None)

    return _form_page(VolunteerForm, accept, show)


@bp.route("/<lang:lang>/signup/callback/<slug>", methods=["GET", "POST"])
@validates_own_text
@demand.counted("signup_started", lambda slug, **_: slug, when=blank_form)
@shown_to_everyone(when=blank_form)
def callback(lang, slug):
    """Ask a consultation desk to call back, in the visitor's language, at a chosen time."""
    svc = _service_or_404(slug, "consultation")

    def make_form(**kw):
        form = CallbackForm(languages=[(l["code"], l["endonym"]) for l in languages()], **kw)
        if request.method == "GET" and "formdata" not in kw:
            form.preferred_language.data = lang
        return form

    def accept(form):
        return _finish(outbox.enqueue_signup(form.submission_id(), kind="callback",
                                             service_slug=svc.slug, language=lang, **form.person()))

    def show(form):
        view = catalog.service_views([svc], lang, with_next_event=False)[0]
        return render_template("site/signup.html", form=form, kind="callback", svc=svc, view=view, e=None)

    return _form_page(make_form, accept, show)


@bp.get("/<lang:lang>/signup/done")
def done(lang):
    """The confirmation: reference code, status, a QR code of the public status page, and
    everything the visitor asked for (party, call-back language and time, the place), so the
    screen or a photo of it is all she needs to come back."""
    signup = Signup.get_or_none(Signup.id == session.get("done", ""))
    if signup is None:
        return redirect(url_for("site.home"))
    svc = catalog.service_by_slug(signup.service_slug)
    view = catalog.service_views([svc], lang, with_next_event=False)[0] if svc else None
    ev = Event.get_or_none(Event.uid == signup.event_uid) if signup.event_uid else None
    e = catalog.event_views([ev], lang)[0] if ev else None
    queued = Outbox.select().where(Outbox.record_id == signup.id).exists()
    return render_template("site/done.html", signup=signup, view=view, e=e,
                           **slip(signup.ref_code, signup, svc, ev, lang),
                           waitlist=session.get("waitlist", False) and signup.status == "provisional",
                           queued=queued, online=KioskState.get_value("online") == "1")


def slip(ref, signup, svc, ev, lang):
    """What a confirmation and the status page show for the printed slip: what was asked (a
    sign-up made on this kiosk, else nothing), the place in the visitor's language and in
    Japanese, the desk's phone and the QR code of the public status page."""
    sites = [ev.site] if ev else (list(Site.select().join(ServiceSite).where(ServiceSite.service == svc)) if svc else [])
    status_url = f"{public_base()}/{lang}/status/{ref}"
    return {"asked": asked(signup, svc) if signup else {},
            "venues": catalog.venues(sites, lang),
            "takeaway": catalog.takeaway(svc, sites) if svc else None,
            "desk_phone": catalog.desk_phone(svc, sites),
            "qr": segno.make(status_url, error="m").svg_inline(scale=4, border=2, omitsize=True)}


def asked(signup, svc):
    """What the form asked besides name and contact, as the visitor will read it back."""
    out = {}
    if signup.kind == "event" and svc is not None and for_families(svc):
        out["party"] = (signup.adults, signup.children)
    if signup.kind == "callback":
        spoken = next((l["endonym"] for l in languages() if l["code"] == signup.preferred_language), None)
        out["language"] = spoken or signup.preferred_language
        out["time"] = vocab.CALL_TIMES.get(signup.preferred_time or "")
    return out
