"""The catalog's HSDS import screen and "publish all drafts" (under /staff/catalog, as its other screens).

An upload is read and checked whole (kiosk.hub.catalog.hsds_import); a package with any problem
is refused with every reason by file, row and column, and nothing is kept. A package that passes
waits, as uploaded, for the staff member who looked at it: the preview can be shown again with
another language for its plain texts, and applying it checks that it is still the package and
the plan that staff saw."""
import base64
import hashlib
import json

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import vocab
from ...models import KioskState
from ...web.errors import megabytes
from ...web.guard import accepts_upload
from ...web.i18n import current_language
from ..desk import queues
from ..desk.staff_auth import admin_required
from ..locks import write_lock
from . import hsds, hsds_import, labels
from .tabular import PackageRefused, problem

bp = Blueprint("catalog_import", __name__, url_prefix="/staff/catalog")
UPLOAD_SETTING = "CATALOG_IMPORT_MAX_BYTES"
LANGUAGE_CHOICES = ("auto",) + hsds_import.LANGS

# Why a package was refused, as staff read it. Messages about a place in a file follow
# "<file>, row <n>, column <name>: ".
PROBLEMS = {
    "not_zip": _l("The file is not a zip archive."),
    "zip_files": _l("The zip holds too many files: at most %(limit)d."),
    "zip_size": _l("Unpacked, its files would take %(size)d MB: at most %(limit)d MB."),
    "zip_ratio": _l("this file is packed %(ratio)d to 1, more than %(limit)d to 1 (a “zip bomb”?)."),
    "zip_path": _l("this path is not allowed: files must be at the top of the zip or in one folder."),
    "zip_encrypted": _l("this file is encrypted."),
    "zip_method": _l("this file is packed in a way the import does not read (use Deflate)."),
    "zip_duplicate": _l("two files in the zip have this name."),
    "zip_folders": _l("The files are in more than one folder of the zip."),
    "zip_damaged": _l("this file is damaged, or larger than the zip's directory says."),
    "no_datapackage": _l("The zip has no datapackage.json."),
    "datapackage_json": _l("this is not a datapackage description (JSON with a list of resources)."),
    "encoding": _l("the text is not UTF-8."),
    "quote": _l("a quote is not closed (a quoted text ends with a quote followed by a comma or the end "
                "of the line; a quote inside it is written twice)."),
    "csv": _l("this row cannot be read as CSV."),
    "field_count": _l("this row has a different number of fields (%(found)d) from the header (%(expected)d)."),
    "quote_swallowed": _l("this field holds what look like further rows: a quote is probably not closed."),
    "control_character": _l("it contains a control character (%(char)s), which cannot be stored."),
    "too_long": _l("it is longer than %(limit)d characters."),
    "bad_header": _l("this column name is repeated or contains a control character."),
    "empty_file": _l("the file is empty (no header row)."),
    "missing_id": _l("the id is empty."),
    "duplicate_id": _l("the id %(id)s is already used in row %(other)d."),
    "bad_slug": _l("the short name “%(slug)s” cannot be used: use 3 to 64 lower-case letters, digits "
                   "and hyphens."),
    "duplicate_slug": _l("the short name “%(slug)s” is already that of row %(other)d."),
    "not_a_date": _l("it is not a date from 2000 to 2099 written as YYYY-MM-DD."),
    "not_a_number": _l("it is not a number."),
    "unreadable": _l("The tables do not fit together, so the package cannot be read."),
    "no_file": _l("Choose a zip file to upload."),
    "too_big": _l("The file is larger than %(size)s MB, the most the import takes."),
    "nothing_pending": _l("No package is waiting: please upload it again."),
    "package_changed": _l("Another package was uploaded since this preview: please look at it again."),
}


def describe(p):
    """One refusal as a sentence: "services.csv, row 12, column description: a quote is not closed"."""
    message = PROBLEMS.get(p["reason"], p["reason"])
    params = dict(p.get("params") or {})
    try:
        text = str(message) % params if "%(" in str(message) else str(message)
    except (KeyError, ValueError, TypeError):   # a translation that lost a placeholder
        text = str(message)
    if p.get("file") and p.get("row") and p.get("column"):
        return _("%(file)s, row %(row)d, column %(column)s: %(message)s", file=p["file"], row=p["row"],
                 column=p["column"], message=text)
    if p.get("file") and p.get("row"):
        return _("%(file)s, row %(row)d: %(message)s", file=p["file"], row=p["row"], message=text)
    if p.get("file"):
        return _("%(file)s: %(message)s", file=p["file"], message=text)
    return text


# Why publishing stopped at a draft, where it is not a field's problem (admin.publish's reasons).
DRAFT_REFUSALS = {
    "unconfirmed": _l("A changed rule moves or cancels sessions people signed up for: confirm it in the "
                      "service's editor first."),
}


def draft_problem(field, code):
    """A reason a record may not be published: "Name (Japanese): Write this in Japanese."."""
    if field.startswith("text-") and field.count("-") >= 2:
        _text, name, lang = field.split("-", 2)
        label = labels.field_label(f"text.{lang}.{name}")
    elif field.startswith("schedule-"):
        label = labels.field_label("schedules")
    else:
        label = labels.field_label(field) if field else ""
    message = vocab.CATALOG_PROBLEMS.get(code) or DRAFT_REFUSALS.get(code, code)
    return f"{label}: {message}" if label else str(message)


def name_in(doc, lang):
    """A record's name in ``lang``, else in Japanese, else its short name."""
    text = doc.get("text") or {}
    return (text.get(lang) or {}).get("name") or (text.get("ja") or {}).get("name") or doc.get("slug", "")


def _pending_key():
    return f"hsds_import_{g.staff.id}"


def _pending():
    """(zip bytes, its digest) of the package this staff member looked at, or None."""
    try:
        pending = json.loads(KioskState.get_value(_pending_key()) or "null")
        return base64.b64decode(pending["zip"]), pending["sha"]
    except (ValueError, TypeError, KeyError):   # none, or kept by an older version of this screen
        return None


def _language(value):
    return value if value in LANGUAGE_CHOICES else "auto"


def _render(status=200, refusal=None, imported=None, report=None, language="auto", sha="", note=None):
    lang = current_language()
    if report is not None:
        for item in report:
            item["name"] = name_in(item["document"], lang)
            item["problem_texts"] = [draft_problem(f, c) for f, c in item["problems"]]
            item["fields"] = ", ".join(dict.fromkeys(labels.field_label(c[0]) for c in item["changes"]))
    limit = int(current_app.config[UPLOAD_SETTING])
    # What the package carries beside the records (readings, the sample flag, date changes):
    # shown too, so a package that changes only those is not "nothing would change".
    extra = hsds.extras_plan(imported.docs.get("extras")) if imported is not None else None
    return render_template(
        "hub/catalog/import.html", refusal=[describe(p) for p in refusal or []], report=report,
        imported=imported, language=language, sha=sha, note=note, limit=megabytes(limit), extra=extra,
        extra_any=bool(extra and (extra["readings"] or extra["sample"] is not None or extra["dates"])),
        reasons=vocab.CHANGE_REASONS,
        language_names=labels.LANGUAGE_NAMES, choices=LANGUAGE_CHOICES,
        plan=hsds_import.plan_digest(report, None if language == "auto" else language) if report else ""), status


@bp.route("/import", methods=["GET", "POST"])
@accepts_upload(UPLOAD_SETTING)
@admin_required
def import_package():
    """Upload an HSDS datapackage, see what would appear, change and disappear, choose the
    language of its plain texts, then keep the changes as drafts; any problem changes nothing."""
    if request.method == "GET":
        return _render()
    step = request.form.get("step", "")
    if step not in ("preview", "apply"):
        return _upload()
    language = _language(request.form.get("language"))
    pending = _pending()
    if pending is None:
        return _render(422, refusal=[problem("nothing_pending")])
    data, sha = pending
    if request.form.get("package_sha") != sha:
        return _render(422, refusal=[problem("package_changed")])
    try:
        imported = hsds_import.read_import(data, None if language == "auto" else language)
    except PackageRefused as refused:   # it passed once; a newer version of the checks may differ
        return _render(422, refusal=refused.problems)
    report = hsds_import.plan(imported.docs)
    if step == "preview":
        return _render(imported=imported, report=report, language=language, sha=sha)
    return _apply(imported, report, language, sha)


def _upload():
    limit = int(current_app.config[UPLOAD_SETTING])
    upload = request.files.get("package")
    data = upload.read(limit + 1) if upload else b""
    KioskState.delete().where(KioskState.key == _pending_key()).execute()   # the new upload replaces it
    if not data:
        return _render(422, refusal=[problem("no_file")])
    if len(data) > limit:
        return _render(422, refusal=[problem("too_big", size=megabytes(limit))])
    try:
        imported = hsds_import.read_import(data)
    except PackageRefused as refused:
        return _render(422, refusal=refused.problems)
    sha = hashlib.sha256(data).hexdigest()
    KioskState.set_value(_pending_key(), json.dumps({"sha": sha, "zip": base64.b64encode(data).decode()}))
    return _render(imported=imported, report=hsds_import.plan(imported.docs), sha=sha)


def _apply(imported, report, language, sha):
    if request.form.get("plan") != hsds_import.plan_digest(report, None if language == "auto" else language):
        return _render(422, imported=imported, report=report, language=language, sha=sha, note="changed")
    missing = request.form.get("missing")
    if any(i["hide"] for i in report) and missing not in ("hide", "keep"):
        return _render(422, imported=imported, report=report, language=language, sha=sha, note="choose")
    with write_lock():   # the drafts and what the package carries beside them, together
        count = hsds_import.apply_as_drafts(report, g.staff.username, hide_missing=missing == "hide")
        extras = hsds.apply_extras(imported.docs.get("extras"), g.staff)
        KioskState.delete().where(KioskState.key == _pending_key()).execute()
    queues.audit(g.staff, "catalog_import", "", f"{count} drafts; {json.dumps(extras)}")
    return redirect(url_for("catalog.index", imported=count), 303)


# --- publishing every draft at once ---------------------------------------------------------

@bp.route("/publish-all", methods=["GET", "POST"])
@admin_required
def publish_all():
    """Publish every draft (organisations, places, then services) after one confirmation that
    names them; if any may not be published, nothing is, and the page lists why."""
    drafts = hsds_import.drafts_in_order()
    digest = hsds_import.drafts_digest(drafts)
    refused, note = [], None
    if request.method == "POST":
        if request.form.get("drafts") != digest:
            note = "changed"
        else:
            try:
                count = hsds_import.publish_all(g.staff.username, current_app.config)
            except hsds_import.DraftsRefused as exc:
                refused = [(kind, key, [draft_problem(f, c) for f, c in found]) for kind, key, found in exc.problems]
            else:
                queues.audit(g.staff, "catalog_publish_all", "",
                             f"{count} records: " + ", ".join(f"{d.kind} {d.key}" for d in drafts))
                return redirect(url_for("catalog.index", published_all=count), 303)
    lang = current_language()
    names = {(d.kind, d.key): name_in(json.loads(d.data), lang) for d in drafts}
    counts = {kind: sum(1 for d in drafts if d.kind == kind) for kind in hsds_import.ORDER}
    return render_template("hub/catalog/publish_all.html", drafts=drafts, names=names, counts=counts,
                           digest=digest, refused=refused, note=note), 422 if (refused or note) else 200
