"""Catalog screens on the hub: organisations, sites and services in five languages side by side,
recurring sessions, publishing, history, translation completeness, HSDS exchange."""
import json

from markupsafe import escape

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from ... import boundary, catalog, catalog_docs, clock, vocab
from ...boundary import Refused
from ...models import CatalogDraft, Event, KioskState, Organization, Site
from ...models.catalog import utcnow
from ..intake import feed
from ...web.guard import validates_own_text
from ...web.i18n import current_language
from . import admin as admin
from . import hsds, labels, rule_plan
from .labels import describe
from .rule_form import form_values
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
    choices = _choices()
    pending = labels.rows(admin.changes(live, doc), _names(choices)) if is_draft else []
    plans = []
    if is_draft and kind == "service":
        # What publishing does to the sessions of each changed rule, and whether staff confirmed it.
        tz, confirmed = current_app.config["TIMEZONE"], doc.get(rule_plan.CONFIRMED_KEY) or {}
        plans = [(p, confirmed.get(p.uid) == p.fingerprint()) for p in rule_plan.changed_plans(
            live, doc, clock.ward_today(tz), int(current_app.config.get("SCHEDULE_WEEKS_AHEAD", 8)), tz, utcnow())]
    return render_template("hub/catalog/edit.html", kind=kind, key=key, doc=doc, is_draft=is_draft,
                           errors=errors or {}, new=new, states=states, events=events, langs=LANGS,
                           language_names=_language_names(), fields=catalog_docs.TEXT_FIELDS[kind],
                           pending=pending, published=live is not None, describe=describe,
                           list_labels=LIST_LABELS, plans=plans, rule_form=form_values(),
                           labels_summary=lambda s: labels.rule_summary(s, dict(choices["sites"])), **choices), status


def _names(choices):
    """Names of what a document lists by slug or code, for its changes (labels.rows)."""
    return {"sites": dict(choices["sites"]), "organizations": dict(choices["organizations"]),
            "languages": {code: str(name) for code, name in labels.LANGUAGE_NAMES.items()}}


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
    try:
        version = admin.publish(kind, key, g.staff.username, current_app.config, confirmed_only=True)
    except Refused as refused:
        # A rule's change would move or cancel sessions otherwise than staff confirmed it.
        return _render_edit(kind, key, doc, True, errors={"schedules": refused.reason}, status=409)
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
    names = _names(_choices())
    diffs = [labels.rows(admin.changes(docs[i + 1] if i + 1 < len(docs) else None, docs[i]), names)
             for i in range(len(docs))]
    return render_template("hub/catalog/history.html", kind=kind, key=key, rows=list(zip(versions, diffs)),
                           name=_name_in(docs[0], current_language()), list_labels=LIST_LABELS,
                           dates_since=admin.dates_since(kind, key, versions[1:]))


@bp.post("/<kind>/<key>/restore/<int:version>")
@admin_required
def restore(kind, key, version):
    """Make a draft of an earlier version; the dates cancelled or moved since stay as they are
    unless staff ticked "also undo these date changes"."""
    kind = _kind(kind)
    undo_dates = request.form.get("undo_dates") == "1"
    try:
        admin.restore(kind, key, version, g.staff.username, undo_dates=undo_dates)
    except Refused:
        abort(404)
    queues.audit(g.staff, "catalog_restore", f"{kind} {key}",
                 f"version {version}" + (", undoing the date changes since" if undo_dates else ""))
    return redirect(url_for("catalog.edit", kind=kind, key=key, restored=version), 303)


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


# --- furigana corrections -------------------------------------------------------------------

@bp.route("/readings", methods=["GET", "POST"])
@admin_required
def readings():
    """Words whose furigana the analyser gets wrong, with the right reading (to every kiosk)."""
    from ...models import ReadingCorrection
    from ...web import furigana
    error = None
    if request.method == "POST":
        delete = request.form.get("delete") == "1"
        try:
            surface, reading = admin.set_reading(request.form.get("surface"),
                                                 None if delete else request.form.get("reading") or "")
        except Refused:
            error = True
        else:
            queues.audit(g.staff, "reading_" + ("delete" if delete else "set"), surface, reading or "")
            return redirect(url_for("catalog.readings"), 303)
    rows = list(ReadingCorrection.select().order_by(ReadingCorrection.surface))
    previews = {r.surface: furigana.annotate(str(escape(r.surface)), ((r.surface, r.reading),)) for r in rows}
    return render_template("hub/catalog/readings.html", rows=rows, previews=previews, error=error), 422 if error else 200
