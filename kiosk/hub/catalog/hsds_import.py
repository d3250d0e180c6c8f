"""Importing an HSDS datapackage into the catalog: as drafts, whole or not at all.

A package is read without trusting it (kiosk.hub.catalog.tabular: zip limits, strict CSV, the
text boundary, duplicate ids), then checked for what the catalog's tables would refuse later
(lengths, dates, numbers, short names), so nothing that passes can fail at publishing. Any
problem refuses the whole package. The plan then says, record by record, what would appear,
change, or disappear (live records the package does not hold); a disappearing service is
hidden ("active": false), never deleted, so its sign-ups, sessions and history stay.

Texts from plain HSDS columns (a package without our per-language attributes) take the language
staff choose, or the one detected for each text: another directory's package is usually not in
Japanese, and its English must not land in the Japanese fields.
"""
import collections
import hashlib
import json
import re

from ... import catalog_docs
from ...boundary import Refused, finite_number, parse_date
from ...catalog_docs import SLUG_RE
from ...models import CatalogDraft, Site
from ..locks import write_lock
from . import admin as catalog_admin
from . import hsds, tabular
from .tabular import PackageRefused, problem

ORDER = ("organization", "site", "service")   # publishing order: services refer to both others
RESOURCE_OF = {"organization": "organization", "site": "location", "service": "service"}
LANGS = catalog_admin.CATALOG_LANGUAGES
# Columns whose values go into a catalog column of this length (kiosk.models.catalog).
COLUMN_LIMITS = {("service", "email"): 128, ("service", "url"): 255, ("service", "alternate_name"): 255,
                 ("organization", "website"): 255, ("address", "postal_code"): 16, ("phone", "number"): 32,
                 ("language", "code"): 16, ("schedule", "id"): 36, ("schedule", "byday"): 64,
                 ("schedule", "bymonthday"): 64}
DATE_COLUMNS = {("schedule", "valid_from"), ("schedule", "valid_to"), ("schedule", "dtstart")}
NUMBER_COLUMNS = {("location", "latitude"), ("location", "longitude")}
INTEGER_COLUMNS = {("schedule", "interval")}
_INTEGER = re.compile(r"^\s*-?[0-9]{1,9}(\.0*)?\s*$")


# --- the language of a plain text -----------------------------------------------------------

_KANA = re.compile("[\u3041-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Simplified forms that Japanese does not use (Japanese writes 們這個說為務時對發門間...).
_SIMPLIFIED = re.compile("[们这个说为务时对发门间东车长关动问题业请让还过进书见语电话买卖]")
_TAGALOG = frozenset(("ang", "mga", "ng", "po", "kayo", "namin", "natin", "para", "ito", "sa", "na", "kung"))


def detect_language(text):
    """The catalog language a text is most likely written in: kana is Japanese, hangul Korean,
    Han characters Japanese unless simplified forms say Chinese (a ward's names are often kanji
    alone), Latin letters English unless Tagalog's small words say otherwise."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh" if _SIMPLIFIED.search(text) else "ja"
    words = set(re.findall(r"[a-z]+", text.lower()))
    if len(words & _TAGALOG) >= 2:
        return "tl"
    return "en" if re.search(r"[A-Za-z]", text) else "ja"


# --- reading --------------------------------------------------------------------------------

class Imported:
    """What a package holds: ``docs`` {kind: [document]}, and ``plain`` {language: number of
    texts from plain HSDS columns given that language}."""

    def __init__(self, docs, plain):
        self.docs, self.plain = docs, plain


def read_import(data, language=None):
    """The package ``data`` (zip bytes) as documents; raises PackageRefused naming every
    problem by file, row and column. ``language``: the language of texts from plain HSDS
    columns, or None to detect it text by text."""
    package = tabular.read_package(data)
    problems = column_problems(package)
    if problems:
        raise PackageRefused(problems[:tabular.MAX_PROBLEMS])
    plain = collections.Counter()

    def language_of(text):
        lang = language or detect_language(text)
        plain[lang] += 1
        return lang
    try:
        docs = hsds.from_tables(package.tables, plain_language=language_of)
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError, IndexError):
        raise PackageRefused([problem("unreadable")]) from None
    problems = slug_problems(package, docs)
    if problems:
        raise PackageRefused(problems[:tabular.MAX_PROBLEMS])
    return Imported(docs, dict(plain))


def read_datapackage_zip(data, language=None):
    """{kind: [document]} from an HSDS datapackage zip (ours or another system's)."""
    return read_import(data, language).docs


def _fit(resource, column, value):
    """(reason, params) if a cell would not fit the catalog's column it goes into, else None."""
    limit = COLUMN_LIMITS.get((resource, column))
    if limit and len(value) > limit:
        return "too_long", {"limit": limit}
    if (resource, column) in DATE_COLUMNS and parse_date(value.strip()) is None:
        return "not_a_date", {}
    if (resource, column) in NUMBER_COLUMNS and finite_number(value.strip()) is None:
        return "not_a_number", {}
    if (resource, column) in INTEGER_COLUMNS and not _INTEGER.match(value):
        return "not_a_number", {}
    return None


def column_problems(package):
    """Cells that would not fit where the catalog keeps them (lengths, dates, numbers), and
    seat numbers (attributes "capacity") that are not whole numbers."""
    out = []
    codes = {r.get("id"): r.get("code") or r.get("name") for r in package.tables.get("taxonomy_term", [])}
    for resource, rows in package.tables.items():
        for index, row in enumerate(rows):
            file, number = package.where(resource, index)
            for column, value in row.items():
                why = _fit(resource, column, value) if value else None
                if why:
                    out.append(problem(why[0], file=file, row=number, column=column, **why[1]))
            if (resource == "attribute" and codes.get(row.get("taxonomy_term_id")) == "capacity"
                    and not _INTEGER.match(row.get("value") or "")):
                out.append(problem("not_a_number", file=file, row=number, column="value"))
    return out


def slug_problems(package, docs):
    """Records whose short name (the key of their draft) cannot be one, or is another's."""
    out = []
    for kind in ORDER:
        seen = {}
        for index, doc in enumerate(docs.get(kind, [])):
            file, number = package.where(RESOURCE_OF[kind], index)
            slug = doc.get("slug") or ""
            if not SLUG_RE.match(slug):
                out.append(problem("bad_slug", file=file, row=number, slug=slug[:80]))
            elif slug in seen:
                out.append(problem("duplicate_slug", file=file, row=number, slug=slug, other=seen[slug]))
            else:
                seen[slug] = number
    return out


# --- the plan -------------------------------------------------------------------------------

def plan(docs):
    """What an import would do, in publishing order: [{kind, key, action, changes, problems,
    document, hide, draft}]. ``action``: new, changed, same, or missing (a live record the
    package does not hold); ``hide``: a missing service that is shown now, which the import
    hides if staff confirm; ``problems``: [(field, code)] that would stop publishing;
    ``draft``: the record already has a draft, which the import replaces."""
    report = []
    brought = {kind: {d["slug"] for d in docs.get(kind, [])} for kind in ORDER}
    drafts = {(k, key) for k, key in CatalogDraft.select(CatalogDraft.kind, CatalogDraft.key).tuples()}
    for kind in ORDER:
        for doc in docs.get(kind, []):
            live = catalog_docs.live_document(kind, doc["slug"])
            changes = catalog_admin.changes(live, doc)
            action = "new" if live is None else ("changed" if changes else "same")
            report.append(_item(kind, doc["slug"], action, changes, doc, brought, drafts))
        model = catalog_docs.MODELS[kind]
        for (slug,) in model.select(model.slug).order_by(model.slug).tuples():
            if slug in brought[kind]:
                continue
            live = catalog_docs.live_document(kind, slug)
            hide = kind == "service" and bool(live.get("active", True))
            doc = dict(live, active=False) if hide else live
            report.append(_item(kind, slug, "missing", catalog_admin.changes(live, doc), doc, brought, drafts,
                                hide=hide))
    return report


def _item(kind, key, action, changes, doc, brought, drafts, hide=False):
    stored = action in ("new", "changed") or hide
    return {"kind": kind, "key": key, "action": action, "changes": changes, "document": doc, "hide": hide,
            "draft": stored and (kind, key) in drafts,
            "problems": sorted(_problems(kind, doc, brought).items()) if stored else []}


def _problems(kind, doc, brought):
    """admin.problems, less the references to organisations and places the import brings
    (publishing all of it publishes them first)."""
    found = catalog_admin.problems(kind, doc)
    if kind != "service":
        return found
    sites = {s for (s,) in Site.select(Site.slug).tuples()} | brought["site"]
    if found.get("organization") == "choice" and doc.get("organization") in brought["organization"]:
        del found["organization"]
    if found.get("sites") == "choice" and set(doc.get("sites") or []) <= sites:
        del found["sites"]
    for i, s in enumerate(doc.get("schedules") or []):
        if found.get(f"schedule-{i}") == "site" and s.get("site") in sites:
            del found[f"schedule-{i}"]
    return found


def plan_digest(report, language):
    """A short fingerprint of what a plan would do: the apply form carries the one staff saw,
    so a catalog that changed in between is shown again instead of applied unseen."""
    seen = [(i["kind"], i["key"], i["action"], i["hide"]) for i in report]
    return hashlib.sha256(json.dumps([seen, language or ""]).encode()).hexdigest()[:32]


def apply_as_drafts(report, staff_name, hide_missing=False):
    """Keep every new or changed record of a plan as a draft, and with ``hide_missing`` a
    hidden copy of each missing service, in one transaction; returns how many drafts."""
    stored = [i for i in report if i["action"] in ("new", "changed") or (hide_missing and i["hide"])]
    with write_lock():
        for item in stored:
            catalog_admin.save_draft(item["kind"], item["key"], item["document"], staff_name)
    return len(stored)


# --- publishing every draft -----------------------------------------------------------------

class DraftsRefused(Refused):
    """Publishing every draft stopped before changing anything; ``problems``: [(kind, key,
    [(field, code)])] for each draft that may not be published."""

    def __init__(self, problems):
        super().__init__("drafts")
        self.problems = problems


class _Undo(Exception):
    pass


def drafts_in_order():
    rank = {kind: n for n, kind in enumerate(ORDER)}
    return sorted(CatalogDraft.select(), key=lambda d: (rank.get(d.kind, len(ORDER)), d.key))


def drafts_digest(drafts):
    """A fingerprint of the drafts a confirmation named (each one's kind, key and last edit)."""
    seen = [(d.kind, d.key, str(d.updated_at)) for d in drafts]
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:32]


def publish_all(staff_name, config, confirmed_only=True):
    """Publish every draft, organisations, then places, then services (they refer to both), all
    or none: each is checked as it would be published, after the ones before it; if any may not
    be, nothing is published and DraftsRefused lists them all. Returns how many were published.
    ``confirmed_only``: as the editor's publish button, a changed rule that would move or cancel
    sessions people signed up for must have been confirmed in its service's editor first."""
    drafts, refused = drafts_in_order(), []
    try:
        with write_lock():
            for d in drafts:
                doc = {k: v for k, v in json.loads(d.data).items() if not k.startswith("_")}
                found = catalog_admin.problems(d.kind, doc)
                if not found:
                    try:
                        catalog_admin.publish(d.kind, d.key, staff_name, config, confirmed_only=confirmed_only)
                    except Refused as exc:
                        found = {"": exc.reason}
                if found:
                    refused.append((d.kind, d.key, sorted(found.items())))
            if refused:
                raise _Undo
    except _Undo:
        raise DraftsRefused(refused) from None
    return len(drafts)
