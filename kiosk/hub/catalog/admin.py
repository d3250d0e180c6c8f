"""The ward keeps its catalog: drafts, checks, publishing, history and restore.

Staff edit a record as a whole document (kiosk.catalog_docs). An edit is a draft until someone
publishes it; publishing writes the catalog tables, keeps the published document as a new
version, adds one feed entry for the record (kiosks apply each feed page in one transaction, so
they never show half an edit) and brings the record's dated sessions in line with its rules.
"""
import datetime
import json
import re
import uuid

from ... import catalog_docs, clock, vocab
from .. import bookings
from . import schedules
from ...boundary import Refused, clean_text
from ...catalog_docs import KINDS, MODELS, SLUG_RE, TEXT_FIELDS
from ...models import CatalogDraft, CatalogVersion, Organization, Site, Translation
from ...models.catalog import utcnow
from ..intake import feed
from ..locks import write_lock
from ...web import furigana

CATALOG_LANGUAGES = ("ja", "ja-easy", "en", "zh", "ko", "tl")   # Japanese first, then its easy form
SOURCE = "ja"
OPTIONAL = ("ja-easy",)   # written where staff have one; kiosks fall back to plain Japanese
PHONE_RE = re.compile(r"^[0-9+()\- ]{0,32}$")
EMAIL_RE = re.compile(r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^$|^https?://[^\s]+$")
TEXT_LIMIT = 4000
# Fields a record needs in Japanese before it can be published.
REQUIRED_SOURCE = {"organization": ("name",), "site": ("name", "address"), "service": ("name", "summary")}


def _dump(doc):
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def draft_of(kind, key):
    return CatalogDraft.get_or_none((CatalogDraft.kind == kind) & (CatalogDraft.key == key))


def document(kind, key):
    """(document, is_draft): the draft if there is one, else the published record, else (None, False)."""
    draft = draft_of(kind, key)
    if draft is not None:
        return json.loads(draft.data), True
    return catalog_docs.live_document(kind, key), False


def empty_document(kind, slug=""):
    if kind == "organization":
        return {"slug": slug, "url": "", "text": {}}
    if kind == "site":
        return {"slug": slug, "kind": "plaza", "area": "nerima", "postal_code": "", "phone": "",
                "latitude": None, "longitude": None, "example_address": False, "text": {}}
    return {"slug": slug, "organization": "", "category": "gathering", "free": True, "phone": "",
            "email": "", "url": "", "active": True, "official_name": "", "audiences": [],
            "needs": [], "languages": ["ja"], "sites": [], "text": {}, "schedules": []}


def latest_version(kind, key):
    row = (CatalogVersion.select(CatalogVersion.version)
           .where((CatalogVersion.kind == kind) & (CatalogVersion.key == key))
           .order_by(CatalogVersion.version.desc()).first())
    return row.version if row else 0


def save_draft(kind, key, doc, staff_name, reviewed=()):
    """Keep an unpublished edit (replacing the staff member's earlier draft of the record)."""
    doc = dict(doc, slug=key)
    if reviewed:
        doc["_reviewed"] = sorted({tuple(x) for x in reviewed} | {tuple(x) for x in doc.get("_reviewed", [])})
    row = draft_of(kind, key)
    if row is None:
        CatalogDraft.create(kind=kind, key=key, data=_dump(doc), base_version=latest_version(kind, key),
                            updated_by=staff_name, updated_at=utcnow())
    else:
        CatalogDraft.update(data=_dump(doc), updated_by=staff_name, updated_at=utcnow()).where(
            CatalogDraft.id == row.id).execute()


def discard_draft(kind, key):
    CatalogDraft.delete().where((CatalogDraft.kind == kind) & (CatalogDraft.key == key)).execute()


# --- checks ---------------------------------------------------------------------------------

def problems(kind, doc, new=False):
    """{field: error code} for a document (empty when it may be published)."""
    out = {}
    key = doc.get("slug") or ""
    if not SLUG_RE.match(key):
        out["slug"] = "slug"
    elif new and (MODELS[kind].select().where(MODELS[kind].slug == key).exists() or draft_of(kind, key)):
        out["slug"] = "slug_taken"
    text = doc.get("text") or {}
    for field in REQUIRED_SOURCE[kind]:
        if not (text.get(SOURCE) or {}).get(field):
            out[f"text-{field}-{SOURCE}"] = "required"
    for lang, values in text.items():
        for field, value in values.items():
            if len(value) > TEXT_LIMIT:
                out[f"text-{field}-{lang}"] = "too_long"
    if kind in ("site", "service") and not PHONE_RE.match(doc.get("phone") or ""):
        out["phone"] = "phone"
    if kind == "site":
        if doc.get("kind") not in vocab.SITE_KINDS:
            out["kind"] = "choice"
        if doc.get("area") not in vocab.AREAS:
            out["area"] = "choice"
    if kind in ("organization", "service") and not URL_RE.match(doc.get("url") or ""):
        out["url"] = "url"
    if kind == "service":
        if not EMAIL_RE.match(doc.get("email") or ""):
            out["email"] = "email"
        if doc.get("category") not in vocab.CATEGORIES:
            out["category"] = "choice"
        if not Organization.select().where(Organization.slug == (doc.get("organization") or "")).exists():
            out["organization"] = "choice"
        if not doc.get("audiences") or set(doc["audiences"]) - set(vocab.AUDIENCES):
            out["audiences"] = "choice"
        # Needs are optional (a service may answer none of them), but only the known vocabulary:
        # kiosks group services by these slugs and the HSDS export maps each to a taxonomy term.
        if set(doc.get("needs") or []) - set(vocab.NEEDS):
            out["needs"] = "choice"
        known_sites = {s for (s,) in Site.select(Site.slug).tuples()}
        if set(doc.get("sites") or []) - known_sites:
            out["sites"] = "choice"
        for i, s in enumerate(doc.get("schedules") or []):
            why = schedules.check(s)
            if why or s.get("site") not in known_sites:
                out[f"schedule-{i}"] = why or "site"
    return out


# --- publishing -----------------------------------------------------------------------------

def publish(kind, key, staff_name, config, note=""):
    """Publish a record's draft. Returns the new version number, or raises Refused."""
    draft = draft_of(kind, key)
    if draft is None:
        raise Refused("no_draft")
    doc = json.loads(draft.data)
    reviewed = doc.pop("_reviewed", [])
    if problems(kind, doc):
        raise Refused("invalid")
    tz = config["TIMEZONE"]
    weeks = int(config.get("SCHEDULE_WEEKS_AHEAD", 8))
    with write_lock():
        before = catalog_docs.live_document(kind, key)
        version = latest_version(kind, key)
        if before is not None and version == 0:
            # The record predates the history (loaded or imported): keep its state as version 1.
            version = 1
            CatalogVersion.create(kind=kind, key=key, version=1, data=_dump(before), published_by="",
                                  published_at=utcnow())
        # Japanese texts are read here, with the hub's corrections, and travel with their reading.
        row = catalog_docs.apply_document(kind, doc, reviewed=reviewed, read=furigana.reader())
        CatalogVersion.create(kind=kind, key=key, version=version + 1, data=_dump(catalog_docs.live_document(kind, key)),
                              published_by=staff_name, published_at=utcnow(), note=note[:255])
        feed.append(kind, key)
        if kind == "service":
            today = clock.ward_today(tz)
            now = utcnow()
            kept = set()
            for schedule in row.schedules:
                schedules.sync_schedule(schedule, today, weeks, tz)
                kept.add(schedule.uid)
            for old in (before or {}).get("schedules", []):
                if old["uid"] not in kept:
                    schedules.retire(old["uid"], set(), now)
        CatalogDraft.delete().where(CatalogDraft.id == draft.id).execute()
    return version + 1


def history(kind, key):
    return list(CatalogVersion.select().where((CatalogVersion.kind == kind) & (CatalogVersion.key == key))
                .order_by(CatalogVersion.version.desc()))


def restore(kind, key, version, staff_name):
    """Make a draft of an earlier version (published like any edit, so the history stays whole)."""
    row = CatalogVersion.get_or_none((CatalogVersion.kind == kind) & (CatalogVersion.key == key)
                                     & (CatalogVersion.version == version))
    if row is None:
        raise Refused("no_version")
    save_draft(kind, key, json.loads(row.data), staff_name)


def changes(before, after):
    """[(field, old, new)] between two documents, texts as "text.<lang>.<field>"."""
    before, after = before or {}, after or {}
    out = []
    for field in sorted((set(before) | set(after)) - {"text", "_reviewed"}):
        if before.get(field) != after.get(field):
            out.append((field, before.get(field), after.get(field)))
    bt, at = before.get("text") or {}, after.get("text") or {}
    for lang in sorted(set(bt) | set(at)):
        for field in sorted(set(bt.get(lang, {})) | set(at.get(lang, {}))):
            old, new = bt.get(lang, {}).get(field), at.get(lang, {}).get(field)
            if old != new:
                out.append((f"text.{lang}.{field}", old, new))
    return out


# --- translations ---------------------------------------------------------------------------

def review_states(kind, owner_ids):
    """{owner_id: {(field, lang): "missing" | "review"}} for published records.

    "review": the Japanese source changed after this translation was last written or checked."""
    fields = [f for f in TEXT_FIELDS[kind] if f != "keywords"]
    dated = {}
    for owner_id, field, lang, updated in (Translation.select(Translation.owner_id, Translation.field,
                                                              Translation.language, Translation.updated_at)
                                           .where((Translation.owner == kind) & Translation.owner_id.in_(owner_ids))
                                           .tuples()):
        dated[(owner_id, field, lang)] = updated or datetime.datetime.min
    out = {}
    for owner_id in owner_ids:
        states = {}
        for field in fields:
            source = dated.get((owner_id, field, SOURCE))
            if source is None:
                continue   # nothing to translate
            for lang in CATALOG_LANGUAGES[1:]:
                mine = dated.get((owner_id, field, lang))
                if mine is None:
                    if lang not in OPTIONAL:
                        states[(field, lang)] = "missing"
                elif mine < source:
                    states[(field, lang)] = "review"
        out[owner_id] = states
    return out


# --- dated sessions -------------------------------------------------------------------------

def cancel_date(event_uid, reason, by=None):
    """Cancel one dated session for ``reason`` (kiosk.hub.bookings.cancel_session); ``by``: the
    staff member, for the audit lines of its sign-ups."""
    if reason not in vocab.CHANGE_REASONS:
        raise Refused("reason")
    with write_lock():
        bookings.cancel_session(event_uid, reason, by)


def move_date(event_uid, day, opens_at, closes_at, reason, tz):
    if reason not in vocab.CHANGE_REASONS:
        raise Refused("reason")
    try:
        opens, closes = datetime.time.fromisoformat(opens_at), datetime.time.fromisoformat(closes_at)
    except (TypeError, ValueError):
        raise Refused("time") from None
    if closes <= opens:
        raise Refused("time_order")
    with write_lock():
        schedules.move(event_uid, schedules.as_utc(day, opens.strftime("%H:%M"), tz),
                       schedules.as_utc(day, closes.strftime("%H:%M"), tz), reason)


def new_schedule_uid():
    return str(uuid.uuid4())


def clean(value, multiline=False, limit=TEXT_LIMIT):
    """Form text as it may be stored (raises Refused)."""
    value = clean_text(value or "", multiline=multiline).strip()
    if len(value) > limit:
        raise Refused("too_long")
    return value


def set_demo(flag):
    """Staff say whether the catalog is still the demo; every kiosk shows or drops the banner."""
    from ...models import KioskState
    with write_lock():
        KioskState.set_value(feed.DEMO_KEY, "1" if flag else "0")
        feed.append("meta", feed.DEMO_KEY)


__all__ = ["KINDS", "publish", "save_draft", "problems", "history", "restore", "review_states"]
