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

import jaconv

from ... import catalog_docs, clock, vocab
from .. import bookings
from . import date_changes, rule_plan, schedules
from ...boundary import Refused, clean_text, is_clean_text
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

def publish(kind, key, staff_name, config, note="", confirmed_only=False):
    """Publish a record's draft. Returns the new version number, or raises Refused.

    ``confirmed_only`` (staff publishing from the editor): refuse ("unconfirmed") when a changed
    rule would move or cancel sessions people signed up for otherwise than staff confirmed it
    (kiosk.hub.catalog.rule_plan), worked out under the write lock so no sign-up slips in."""
    draft = draft_of(kind, key)
    if draft is None:
        raise Refused("no_draft")
    doc = json.loads(draft.data)
    reviewed = doc.pop("_reviewed", [])
    undo_dates = doc.pop("_undo_dates", [])
    confirmed = doc.pop(rule_plan.CONFIRMED_KEY, {})
    if problems(kind, doc):
        raise Refused("invalid")
    tz = config["TIMEZONE"]
    weeks = int(config.get("SCHEDULE_WEEKS_AHEAD", 8))
    with write_lock():
        before = catalog_docs.live_document(kind, key)
        if confirmed_only and kind == "service" and rule_plan.unconfirmed(
                before, dict(doc, **{rule_plan.CONFIRMED_KEY: confirmed}), clock.ward_today(tz), weeks, tz, utcnow()):
            raise Refused("unconfirmed")
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
            # Date changes staff chose to undo with a restore, before the rules make their dates.
            date_changes.undo(undo_dates, now)
            kept = set()
            for schedule in row.schedules:
                schedules.sync_schedule(schedule, today, weeks, tz)
                kept.add(schedule.uid)
            for old in (before or {}).get("schedules", []):
                if old["uid"] not in kept:
                    schedules.retire(old["uid"], set(), now)
            # Cancelled or moved dates an HSDS import brought, now that their sessions exist.
            date_changes.apply_pending(kept, tz)
        CatalogDraft.delete().where(CatalogDraft.id == draft.id).execute()
    return version + 1


def add_search_word(key, language, word, staff_name, config):
    """Add a search word to a service's words in a language, the way an edit goes: with no
    draft waiting, published at once as a new version (the feed takes it to every kiosk);
    with someone's draft waiting, added to that draft, so their edit is not published
    unasked. Returns "published", "draft" or "already"; raises Refused ("unknown", "invalid")."""
    word = clean(word, limit=64).strip()
    if not word or language not in CATALOG_LANGUAGES:
        raise Refused("invalid")
    draft = draft_of("service", key)
    doc = json.loads(draft.data) if draft else catalog_docs.live_document("service", key)
    if doc is None:
        raise Refused("unknown")
    texts = doc.setdefault("text", {}).setdefault(language, {})
    words = [w.strip() for w in (texts.get("keywords") or "").split("\n") if w.strip()]
    if word in words:
        return "already"
    texts["keywords"] = "\n".join(words + [word])
    save_draft("service", key, doc, staff_name)
    if draft:
        return "draft"
    try:
        publish("service", key, staff_name, config, note=f"search word: {word}"[:255])
    except Refused:
        discard_draft("service", key)    # nothing of staff's own was waiting: leave nothing
        raise
    return "published"


def history(kind, key):
    return list(CatalogVersion.select().where((CatalogVersion.kind == kind) & (CatalogVersion.key == key))
                .order_by(CatalogVersion.version.desc()))


def restore(kind, key, version, staff_name, undo_dates=False):
    """Make a draft of an earlier version (published like any edit, so the history stays whole).

    The dates staff cancelled or moved since that version stay as they are: they are decisions
    about those dates, not part of the version. With ``undo_dates`` the draft also undoes them
    when it is published (the ones listed now, by ``dates_since``)."""
    row = CatalogVersion.get_or_none((CatalogVersion.kind == kind) & (CatalogVersion.key == key)
                                     & (CatalogVersion.version == version))
    if row is None:
        raise Refused("no_version")
    doc = json.loads(row.data)
    if undo_dates:
        doc["_undo_dates"] = [e.uid for e in dates_since(kind, key, [row]).get(version, [])]
    save_draft(kind, key, doc, staff_name)


def dates_since(kind, key, versions):
    """{version number: [Event]}: the future dates of a service that staff cancelled or moved
    after each of ``versions`` was published (empty for organisations and places)."""
    service = MODELS[kind].get_or_none(MODELS[kind].slug == key) if kind == "service" else None
    if service is None:
        return {}
    changed = date_changes.of_service(service.id)
    return {v.version: date_changes.since(changed, v.published_at) for v in versions}


def changes(before, after):
    """[(field, old, new)] between two documents, texts as "text.<lang>.<field>". Keys starting
    with "_" are a draft's own notes (reviewed, undo_dates, confirmed), not the record's fields."""
    before, after = before or {}, after or {}
    out = []
    for field in sorted(f for f in (set(before) | set(after)) - {"text"} if not f.startswith("_")):
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

# The reasons staff give for one date. "The schedule has changed" is the hub's own, for what a
# changed rule does: it tells a date change of staff (kept by a restore, carried by the HSDS
# export) from one of the rule (kiosk.hub.catalog.date_changes).
DATE_REASONS = {k: v for k, v in vocab.CHANGE_REASONS.items() if k != date_changes.BY_RULE}


def cancel_date(event_uid, reason, by=None):
    """Cancel one dated session for ``reason`` (kiosk.hub.bookings.cancel_session); ``by``: the
    staff member, for the audit lines of its sign-ups."""
    if reason not in DATE_REASONS:
        raise Refused("reason")
    with write_lock():
        bookings.cancel_session(event_uid, reason, by)


def move_date(event_uid, day, opens_at, closes_at, reason, tz):
    if reason not in DATE_REASONS:
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


def is_demo():
    from ...models import KioskState
    return KioskState.get_value(feed.DEMO_KEY) == "1"


# --- furigana corrections -------------------------------------------------------------------

READING_RE = re.compile(r"[\u3041-\u309f\u30fc]{1,128}")


def clean_reading(surface, reading):
    """(word, reading in hiragana) as a correction may be stored, or raises Refused("reading").
    ``reading`` None: the word's correction is to go, and only the word is checked."""
    surface = (surface or "").strip() if isinstance(surface, str) else ""
    if not surface or len(surface) > 64 or not is_clean_text(surface):
        raise Refused("reading")
    if reading is None:
        return surface, None
    reading = jaconv.kata2hira(reading.strip()) if isinstance(reading, str) else ""
    if not READING_RE.fullmatch(reading):
        raise Refused("reading")
    return surface, reading


def set_reading(surface, reading):
    """Keep a word's corrected reading (``reading`` None: drop it), from the readings screen or an
    HSDS import. The published texts with the word are read again, and those whose reading
    changed go to kiosks as a published change does. Returns (word, reading) as stored."""
    from ...models import ReadingCorrection
    surface, reading = clean_reading(surface, reading)
    with write_lock():
        if reading is None:
            ReadingCorrection.delete().where(ReadingCorrection.surface == surface).execute()
        else:
            ReadingCorrection.insert(surface=surface, reading=reading, updated_at=utcnow()).on_conflict(
                conflict_target=[ReadingCorrection.surface],
                update={ReadingCorrection.reading: reading, ReadingCorrection.updated_at: utcnow()}).execute()
        feed.append("reading", surface, deleted=reading is None)
        for kind, key in catalog_docs.refresh_readings(furigana.reader(), surface):
            feed.append(kind, key)
    return surface, reading


__all__ = ["KINDS", "publish", "save_draft", "problems", "history", "restore", "review_states"]
