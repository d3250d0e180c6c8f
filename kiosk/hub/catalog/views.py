"""Catalog screens on the hub: organisations, sites and services in five languages side by side,
recurring sessions, publishing, history, translation completeness, HSDS exchange."""
import json
import re

import jaconv
from markupsafe import escape

from flask_babel import gettext as _
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from ... import boundary, catalog, catalog_docs, clock, vocab
from . import schedules
from ...boundary import Refused
from ...models import CatalogDraft, Event, HubSignup, KioskState, Organization, Site
from ...models.catalog import utcnow
from ..intake import feed
from ...web.guard import validates_own_text
from ...web.i18n import current_language
from . import admin as admin
from . import hsds
from ..desk import queues
from ..desk.staff_auth import admin_required

bp = Blueprint("catalog", __name__, url_prefix="/staff/catalog")
KIND_MODELS = catalog_docs.MODELS
LANGS = admin.CATALOG_LANGUAGES
# Fields whose changes are shown as the labels added and removed, not just the field's name.
LIST_LABELS = {"audiences": vocab.AUDIENCES, "needs": vocab.NEEDS}


def _kind(kind):
    if kind not in catalog_docs.KINDS:
        abort(404)
    return kind


def _language_names():
    return {l["code"]: l["endonym"] for l in current_app.config["LANGUAGES"]}


@bp.get("/")
@admin_required
def index():
    """Every record with its draft and translation state; links to edit, translations, exchange."""
    lang = current_language()
    drafts = {(d.kind, d.key): d for d in CatalogDraft.select()}
    sections = []
    for kind, rows, names, states in _published(lang):
        items = [{"key": r.slug, "name": names[r.id].get("name", catalog.EMPTY), "draft": (kind, r.slug) in drafts,
                  "missing": sum(1 for v in states[r.id].values() if v == "missing"),
                  "review": sum(1 for v in states[r.id].values() if v == "review"),
                  "inactive": kind == "service" and not r.active} for r in rows]
        # Drafts of records not published yet.
        items += [{"key": key, "name": catalog.Text(_name_in(json.loads(d.data), lang), lang, False),
                   "draft": True, "new": True, "missing": 0, "review": 0, "inactive": False}
                  for (k, key), d in drafts.items() if k == kind and key not in {r.slug for r in rows}]
        sections.append((kind, items))
    return render_template("hub/catalog/index.html", sections=sections, drafts=len(drafts),
                           demo=KioskState.get_value(feed.DEMO_KEY) == "1")


def _published(lang):
    """(kind, rows, {id: names}, {id: translation states}) for each kind of published record."""
    for kind in ("service", "site", "organization"):
        model = KIND_MODELS[kind]
        rows = list(model.select().order_by(model.slug))
        ids = [r.id for r in rows]
        yield kind, rows, catalog.texts(kind, ids, lang, ("name",)), admin.review_states(kind, ids)


def _name_in(doc, lang):
    text = doc.get("text") or {}
    return (text.get(lang) or {}).get("name") or (text.get("ja") or {}).get("name") or doc.get("slug", "")


# --- editing --------------------------------------------------------------------------------

def _form_document(kind, base):
    """The document a submitted form describes, and {field: error code} for what it refused."""
    doc = json.loads(json.dumps(base))
    errors = {}
    form = request.form

    def text(name, multiline=False, limit=admin.TEXT_LIMIT):
        try:
            return admin.clean(form.get(name, ""), multiline=multiline, limit=limit)
        except Refused as refused:
            errors[name] = refused.reason
            # Shown again without what could not be stored, so the rest is not lost.
            return boundary.strip_forbidden(form.get(name, ""))

    texts = {}
    for field in catalog_docs.TEXT_FIELDS[kind]:
        for lang in LANGS:
            name = f"text-{field}-{lang}"
            if name not in form:
                continue
            value = text(name, multiline=field not in ("name",))
            if field == "keywords":
                value = "\n".join(w.strip() for w in value.split("\n") if w.strip())
            if value:
                texts.setdefault(lang, {})[field] = value
    doc["text"] = texts
    reviewed = [(k.split("-")[1], k.split("-")[2]) for k in form if k.startswith("reviewed-") and k.count("-") == 2]
    if kind == "organization":
        doc["url"] = text("url", limit=255)
    elif kind == "site":
        for f in ("kind", "area"):
            doc[f] = form.get(f, "")
        doc["postal_code"] = text("postal_code", limit=16)
        doc["phone"] = text("phone", limit=32)
        for f in ("latitude", "longitude"):
            raw = form.get(f, "").strip()
            number = boundary.finite_number(raw) if raw else None
            if raw and number is None:
                errors[f] = "choice"
            doc[f] = number
        doc["example_address"] = form.get("example_address") == "1"
    else:
        doc["official_name"] = text("official_name", limit=255)
        doc["organization"] = form.get("organization", "")
        doc["category"] = form.get("category", "")
        doc["audiences"] = sorted(set(form.getlist("audiences")))
        doc["needs"] = sorted(set(form.getlist("needs")))
        doc["languages"] = sorted(set(form.getlist("languages")) & set(LANGS)) or ["ja"]
        doc["sites"] = sorted(set(form.getlist("sites")))
        doc["free"] = form.get("free") == "1"
        doc["active"] = form.get("active") == "1"
        doc["phone"] = text("phone", limit=32)
        doc["email"] = text("email", limit=128)
        doc["url"] = text("url", limit=255)
    return doc, errors, reviewed


def describe(s):
    """A schedule rule in the staff member's language: "Every month: 2nd, 4th Thursday 10:00-12:00"."""
    times = f"{s.get('opens_at', '')}–{s.get('closes_at', '')}"
    if not s.get("freq"):
        return _("On %(date)s, %(times)s", date=s.get("valid_from", ""), times=times)
    interval = int(s.get("interval") or 1)
    codes = [c for c in (s.get("byday") or "").split(",") if c]
    if s["freq"] == "WEEKLY":
        days = ", ".join(str(vocab.WEEKDAY_LABELS.get(c, c)) for c in codes)
        head = (_("Every week: %(days)s", days=days) if interval == 1
                else _("Every %(num)d weeks: %(days)s", num=interval, days=days))
    elif s.get("bymonthday"):
        head = _("Every month on day %(day)s", day=s["bymonthday"])
    else:
        nths = ", ".join(dict.fromkeys(str(vocab.NTH_LABELS.get(c[:-2], c[:-2])) for c in codes))
        days = ", ".join(dict.fromkeys(str(vocab.WEEKDAY_LABELS.get(c[-2:], c[-2:])) for c in codes))
        head = _("Every month: %(weeks)s %(days)s", weeks=nths, days=days)
    text = f"{head} {times}"
    if s.get("skip_holidays", True):
        text += " · " + _("not on public holidays or 29 December–3 January")
    return text


def _choices():
    lang = current_language()
    orgs = list(Organization.select().order_by(Organization.slug))
    org_names = catalog.texts("organization", [o.id for o in orgs], lang, ("name",))
    sites = list(Site.select().order_by(Site.slug))
    site_names = catalog.texts("site", [s.id for s in sites], lang, ("name",))
    return {"organizations": [(o.slug, org_names[o.id].get("name") or o.slug) for o in orgs],
            "sites": [(s.slug, site_names[s.id].get("name") or s.slug) for s in sites]}


def _render_edit(kind, key, doc, is_draft, errors=None, new=False, status=200):
    states = {}
    row = KIND_MODELS[kind].get_or_none(KIND_MODELS[kind].slug == key) if key else None
    if row is not None:
        states = admin.review_states(kind, [row.id])[row.id]
    events = []
    if kind == "service" and row is not None:
        upcoming = (Event.select().where((Event.service == row) & (Event.starts_at >= utcnow()))
                    .order_by(Event.starts_at).limit(60))
        events = catalog.event_views(upcoming, current_language())
    live = catalog_docs.live_document(kind, key) if key else None
    pending = admin.changes(live, doc) if is_draft else []
    return render_template("hub/catalog/edit.html", kind=kind, key=key, doc=doc, is_draft=is_draft,
                           errors=errors or {}, new=new, states=states, events=events, langs=LANGS,
                           language_names=_language_names(), fields=catalog_docs.TEXT_FIELDS[kind],
                           pending=pending, published=live is not None, describe=describe,
                           list_labels=LIST_LABELS,
                           **_choices()), status


@bp.route("/<kind>/new", methods=["GET", "POST"])
@admin_required
@validates_own_text
def new(kind):
    kind = _kind(kind)
    doc = admin.empty_document(kind)
    if request.method == "GET":
        return _render_edit(kind, "", doc, False, new=True)
    doc, errors, reviewed = _form_document(kind, doc)
    slug = (request.form.get("slug") or "").strip().lower()
    if not slug:
        slug = catalog_docs.slugify(((doc["text"].get("en") or {}).get("name")) or "")
    doc["slug"] = slug
    errors.update({k: v for k, v in admin.problems(kind, doc, new=True).items()
                   if k in ("slug", "slug_taken") or k.startswith("text-")})
    if errors:
        return _render_edit(kind, "", doc, False, errors=errors, new=True, status=422)
    admin.save_draft(kind, slug, doc, g.staff.username, reviewed)
    queues.audit(g.staff, "catalog_draft", f"{kind} {slug}")
    return redirect(url_for("catalog.edit", kind=kind, key=slug, saved=1), 303)


@bp.route("/<kind>/<key>", methods=["GET", "POST"])
@admin_required
@validates_own_text
def edit(kind, key):
    kind = _kind(kind)
    doc, is_draft = admin.document(kind, key)
    if doc is None:
        abort(404)
    if request.method == "GET":
        return _render_edit(kind, key, doc, is_draft)
    doc, errors, reviewed = _form_document(kind, doc)
    if errors:
        return _render_edit(kind, key, doc, True, errors=errors, status=422)
    admin.save_draft(kind, key, doc, g.staff.username, reviewed)
    queues.audit(g.staff, "catalog_draft", f"{kind} {key}")
    return redirect(url_for("catalog.edit", kind=kind, key=key, saved=1), 303)


@bp.post("/<kind>/<key>/publish")
@admin_required
def publish(kind, key):
    kind = _kind(kind)
    doc, is_draft = admin.document(kind, key)
    if doc is None or not is_draft:
        abort(404)
    problems = admin.problems(kind, doc)
    if problems:
        return _render_edit(kind, key, doc, True, errors=problems, status=422)
    version = admin.publish(kind, key, g.staff.username, current_app.config)
    queues.audit(g.staff, "catalog_publish", f"{kind} {key}", f"version {version}")
    return redirect(url_for("catalog.edit", kind=kind, key=key, published=version), 303)


@bp.post("/<kind>/<key>/discard")
@admin_required
def discard(kind, key):
    kind = _kind(kind)
    admin.discard_draft(kind, key)
    queues.audit(g.staff, "catalog_discard", f"{kind} {key}")
    if KIND_MODELS[kind].select().where(KIND_MODELS[kind].slug == key).exists():
        return redirect(url_for("catalog.edit", kind=kind, key=key), 303)
    return redirect(url_for("catalog.index"), 303)


@bp.get("/<kind>/<key>/history")
@admin_required
def history(kind, key):
    kind = _kind(kind)
    versions = admin.history(kind, key)
    if not versions:
        abort(404)
    docs = [json.loads(v.data) for v in versions]
    diffs = [admin.changes(docs[i + 1] if i + 1 < len(docs) else None, docs[i]) for i in range(len(docs))]
    return render_template("hub/catalog/history.html", kind=kind, key=key, rows=list(zip(versions, diffs)),
                           name=_name_in(docs[0], current_language()), list_labels=LIST_LABELS)


@bp.post("/<kind>/<key>/restore/<int:version>")
@admin_required
def restore(kind, key, version):
    kind = _kind(kind)
    try:
        admin.restore(kind, key, version, g.staff.username)
    except Refused:
        abort(404)
    queues.audit(g.staff, "catalog_restore", f"{kind} {key}", f"version {version}")
    return redirect(url_for("catalog.edit", kind=kind, key=key, restored=version), 303)


# --- schedules (part of a service's draft) --------------------------------------------------

@bp.post("/service/<key>/schedules")
@admin_required
def add_schedule(key):
    doc, is_draft = admin.document("service", key)
    if doc is None:
        abort(404)
    form = request.form
    freq = form.get("freq", "")
    days = [d for d in form.getlist("byday") if d in vocab.WEEKDAY_LABELS]
    nths = [n for n in form.getlist("nth") if n in vocab.NTH_LABELS]
    byday, bymonthday = ",".join(days), ""
    if freq == "MONTHLY":
        if form.get("monthly") == "monthday":
            byday, bymonthday = "", (form.get("bymonthday") or "").strip()
            if not bymonthday.isdigit() or not 1 <= int(bymonthday) <= 31:
                bymonthday = "x"
        else:
            byday = ",".join(f"{n}{d}" for n in nths for d in days) if nths else ""
    schedule = {"uid": admin.new_schedule_uid(), "site": form.get("site", ""), "freq": freq,
                "interval": boundary.bounded_int(form.get("interval"), 1, (1, 12)),
                "byday": byday if freq else "", "bymonthday": bymonthday if freq else "",
                "opens_at": (form.get("opens_at") or "").strip(), "closes_at": (form.get("closes_at") or "").strip(),
                "valid_from": (form.get("valid_from") or "").strip() or clock.ward_today(
                    current_app.config["TIMEZONE"]).isoformat(),
                "valid_to": (form.get("valid_to") or "").strip() or None,
                "capacity": boundary.bounded_int(form.get("capacity"), -1, (-1, 100_000)),
                "skip_holidays": form.get("skip_holidays") == "1"}
    why = schedules.check(schedule)
    if not why and not Site.select().where(Site.slug == schedule["site"]).exists():
        why = "site"
    if why:
        return _render_edit("service", key, doc, is_draft, errors={"schedule-new": why},
                            status=422)
    doc.setdefault("schedules", []).append(schedule)
    if schedule["site"] not in doc.get("sites", []):
        doc["sites"] = sorted(set(doc.get("sites", [])) | {schedule["site"]})
    admin.save_draft("service", key, doc, g.staff.username)
    return redirect(url_for("catalog.edit", kind="service", key=key, saved=1) + "#schedules", 303)


@bp.post("/service/<key>/schedules/<uid>/remove")
@admin_required
def remove_schedule(key, uid):
    doc, _is_draft = admin.document("service", key)
    if doc is None:
        abort(404)
    doc["schedules"] = [s for s in doc.get("schedules", []) if s["uid"] != uid]
    admin.save_draft("service", key, doc, g.staff.username)
    return redirect(url_for("catalog.edit", kind="service", key=key, saved=1) + "#schedules", 303)


# --- single dates ---------------------------------------------------------------------------

@bp.route("/sessions/<uid>", methods=["GET", "POST"])
@admin_required
def session(uid):
    """Cancel or move one dated session, with a reason; its sign-ups keep their records."""
    event = Event.get_or_none(Event.uid == uid)
    if event is None:
        abort(404)
    tz = current_app.config["TIMEZONE"]
    error = None
    if request.method == "POST":
        action, reason = request.form.get("action"), request.form.get("reason", "")
        try:
            if action == "cancel":
                if request.form.get("confirm") != "1":
                    raise Refused("confirm")
                admin.cancel_date(uid, reason, g.staff)
                queues.audit(g.staff, "session_cancel", uid, reason)
            elif action == "move":
                day = boundary.parse_date(request.form.get("date", ""))
                if day is None:
                    raise Refused("date")
                admin.move_date(uid, day, request.form.get("opens_at", ""), request.form.get("closes_at", ""),
                                reason, tz)
                queues.audit(g.staff, "session_move", uid, f"{day} {reason}")
            else:
                abort(400)
            return redirect(url_for("catalog.session", uid=uid, done=action), 303)
        except Refused as refused:
            error = refused.reason
    view = catalog.event_views([event], current_language(), with_service=True)[0]
    people = HubSignup.select().where((HubSignup.event_uid == uid) & (HubSignup.status != "cancelled")).count()
    return render_template("hub/catalog/session.html", e=view, people=people, error=error,
                           reasons=vocab.CHANGE_REASONS, service_slug=event.service.slug,
                           local_date=clock.ward_time(event.starts_at, tz)), 422 if error else 200


# --- translations, demo flag, HSDS ----------------------------------------------------------

@bp.get("/translations")
@admin_required
def translations():
    """Which records lack which language, and which translations need review."""
    rows = []
    for kind, records, names, states in _published(current_language()):
        for r in records:
            if states[r.id]:
                rows.append((kind, r.slug, names[r.id].get("name", catalog.EMPTY), states[r.id]))
    return render_template("hub/catalog/translations.html", rows=rows, langs=LANGS[1:],
                           language_names=_language_names())


@bp.post("/demo")
@admin_required
def demo():
    flag = request.form.get("demo") == "1"
    admin.set_demo(flag)
    queues.audit(g.staff, "catalog_demo", "on" if flag else "off")
    return redirect(url_for("catalog.index"), 303)


@bp.get("/export.json")
@admin_required
def export_json():
    body = json.dumps(hsds.export_services(), ensure_ascii=False, indent=1, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=hsds-services.json"})


@bp.get("/export.zip")
@admin_required
def export_zip():
    return Response(hsds.datapackage_zip(), mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=hsds-datapackage.zip"})


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_package():
    """Upload an HSDS datapackage: see what would change, then keep the changes as drafts."""
    report, error = None, None
    pending_key = f"hsds_import_{g.staff.id}"
    if request.method == "POST":
        try:
            if request.form.get("apply") == "1":
                # The package this staff member uploaded and looked at, kept until applied.
                pending = KioskState.get_value(pending_key)
                if not pending:
                    raise Refused("nothing_pending")
                report = hsds.plan(json.loads(pending))
                count = hsds.apply_as_drafts(report, g.staff.username)
                KioskState.delete().where(KioskState.key == pending_key).execute()
                queues.audit(g.staff, "catalog_import", "", f"{count} drafts")
                return redirect(url_for("catalog.index", imported=count), 303)
            upload = request.files.get("package")
            data = upload.read(8 * 1024 * 1024 + 1) if upload else b""
            if not data or len(data) > 8 * 1024 * 1024:
                raise Refused("file")
            documents = hsds.read_datapackage_zip(data)
            report = hsds.plan(documents)
            KioskState.set_value(pending_key, json.dumps(documents, ensure_ascii=False))
        except Refused:
            error = True
    return render_template("hub/catalog/import.html", report=report, error=error), 422 if error else 200


# --- furigana corrections -------------------------------------------------------------------

@bp.route("/readings", methods=["GET", "POST"])
@admin_required
def readings():
    """Words whose furigana the analyser gets wrong, with the right reading (to every kiosk)."""
    from ...models import ReadingCorrection
    from ...web import furigana
    from ..locks import write_lock
    error = None
    if request.method == "POST":
        surface = (request.form.get("surface") or "").strip()
        reading = jaconv.kata2hira((request.form.get("reading") or "").strip())
        delete = request.form.get("delete") == "1"
        if not surface or len(surface) > 64 or not boundary.is_clean_text(surface) or (
                not delete and not re.fullmatch(r"[\u3041-\u309f\u30fc]{1,128}", reading)):
            error = True
        else:
            with write_lock():
                if delete:
                    ReadingCorrection.delete().where(ReadingCorrection.surface == surface).execute()
                else:
                    ReadingCorrection.insert(surface=surface, reading=reading, updated_at=utcnow()).on_conflict(
                        conflict_target=[ReadingCorrection.surface],
                        update={ReadingCorrection.reading: reading, ReadingCorrection.updated_at: utcnow()}).execute()
                feed.append("reading", surface, deleted=delete)
                # The published texts with this word are read again, and those whose reading
                # changed go to kiosks as a published change does.
                for kind, key in catalog_docs.refresh_readings(furigana.reader(), surface):
                    feed.append(kind, key)
            queues.audit(g.staff, "reading_" + ("delete" if delete else "set"), surface, reading)
            return redirect(url_for("catalog.readings"), 303)
    rows = list(ReadingCorrection.select().order_by(ReadingCorrection.surface))
    previews = {r.surface: furigana.annotate(str(escape(r.surface)), ((r.surface, r.reading),)) for r in rows}
    return render_template("hub/catalog/readings.html", rows=rows, previews=previews, error=error), 422 if error else 200
