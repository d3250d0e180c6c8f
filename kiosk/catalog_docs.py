"""Catalog records as documents: one JSON-able dict per organisation, site or service.

The same document is a draft on the hub, a published version in the history, the data of a feed
entry and the unit the HSDS exchange reads and writes, so a record has one shape everywhere.
Rows are named by slug; local integer ids never leave a database.
"""
import datetime
import json
import re

from .models import (Organization, Schedule, Service, ServiceAudience, ServiceLanguage, ServiceNeed, ServiceSite,
                     Site, Translation)
from .models.catalog import SERVICE_TEXT_FIELDS, SITE_TEXT_FIELDS, utcnow

KINDS = ("organization", "site", "service")
TEXT_FIELDS = {"organization": ("name",), "site": SITE_TEXT_FIELDS, "service": SERVICE_TEXT_FIELDS}
MODELS = {"organization": Organization, "site": Site, "service": Service}
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
# Texts in these languages travel with their furigana, read where they are published (the
# hub): "readings" beside "text" in a document, {lang: {field: [[piece, reading or null], ...]}}.
READING_LANGUAGES = ("ja", "ja-easy")


def slugify(text):
    """A lower-case ASCII slug from a name ("Kids' Café 2" -> "kids-cafe-2"), or ""."""
    import unicodedata
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug if SLUG_RE.match(slug or "") else ""


def texts_of(owner, owner_id):
    out = {}
    for t in (Translation.select(Translation.field, Translation.language, Translation.text)
              .where((Translation.owner == owner) & (Translation.owner_id == owner_id))
              .order_by(Translation.field, Translation.language)):
        out.setdefault(t.language, {})[t.field] = t.text
    return dict(sorted(out.items()))


def readings_of(owner, owner_id):
    """{lang: {field: pieces}} of a record's Japanese texts that were given a reading."""
    out = {}
    for t in (Translation.select(Translation.field, Translation.language, Translation.reading)
              .where((Translation.owner == owner) & (Translation.owner_id == owner_id)
                     & Translation.language.in_(READING_LANGUAGES) & Translation.reading.is_null(False))
              .order_by(Translation.field, Translation.language)):
        out.setdefault(t.language, {})[t.field] = json.loads(t.reading)
    return dict(sorted(out.items()))


def _checked_reading(parts, text):
    """``parts`` as stored when they are a reading of ``text`` (pieces that join to it, each
    reading a short string or null), else None: a kiosk then reads the text itself."""
    if not isinstance(parts, list) or not parts:
        return None
    out = []
    for part in parts:
        if not (isinstance(part, list) and len(part) == 2 and isinstance(part[0], str) and part[0]
                and (part[1] is None or (isinstance(part[1], str) and 0 < len(part[1]) <= 256))):
            return None
        out.append([part[0], part[1]])
    return out if "".join(piece for piece, _ in out) == text else None


def _stored_reading(parts):
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":")) if parts else None


def schedule_document(s):
    return {"uid": s.uid, "site": s.site.slug, "freq": s.freq, "interval": s.interval,
            "byday": s.byday, "bymonthday": s.bymonthday, "opens_at": s.opens_at,
            "closes_at": s.closes_at, "valid_from": s.valid_from.isoformat(),
            "valid_to": s.valid_to.isoformat() if s.valid_to else None,
            "capacity": s.capacity, "skip_holidays": bool(s.skip_holidays)}


def live_document(kind, key, with_schedules=True, with_readings=False):
    """The published state of a record as a document, or None if there is no such record.
    ``with_readings``: with the readings of its Japanese texts, as the feed carries them."""
    doc = _live_document(kind, key, with_schedules)
    if doc and with_readings:
        model = MODELS[kind]
        doc["readings"] = readings_of(kind, model.select(model.id).where(model.slug == key).scalar())
    return doc


def _live_document(kind, key, with_schedules):
    if kind == "organization":
        o = Organization.get_or_none(Organization.slug == key)
        return o and {"slug": o.slug, "url": o.url, "text": texts_of("organization", o.id)}
    if kind == "site":
        s = Site.get_or_none(Site.slug == key)
        return s and {"slug": s.slug, "kind": s.kind, "area": s.area, "postal_code": s.postal_code,
                      "phone": s.phone, "latitude": s.latitude, "longitude": s.longitude,
                      "example_address": bool(s.example_address), "text": texts_of("site", s.id)}
    if kind == "service":
        s = Service.get_or_none(Service.slug == key)
        if s is None:
            return None
        doc = {
            "slug": s.slug, "organization": s.organization.slug, "category": s.category,
            "free": s.free, "phone": s.phone, "email": s.email, "url": s.url, "active": s.active,
            "official_name": s.official_name,
            "audiences": sorted(a.audience for a in s.audience_rows),
            "needs": sorted(n.need for n in s.need_rows),
            "languages": sorted(lang.language for lang in s.language_rows),
            "sites": sorted(r.site.slug for r in s.site_rows), "text": texts_of("service", s.id)}
        if with_schedules:
            doc["schedules"] = [schedule_document(x) for x in
                                Schedule.select().where(Schedule.service == s).order_by(Schedule.uid)]
        return doc
    return None


def _write_texts(owner, owner_id, text, fields, reviewed=(), now=None, readings=None, read=None):
    """Replace a record's texts; a text keeps its date unless it changed or staff reviewed it.
    A Japanese text is read by ``read`` (text -> pieces) where one is given (the hub), else keeps
    the reading that came with it in ``readings``, if it is one of this text."""
    now = now or utcnow()
    old = {(t.field, t.language): t for t in
           Translation.select().where((Translation.owner == owner) & (Translation.owner_id == owner_id))}
    reviewed = {tuple(x) for x in reviewed}
    rows = []
    for lang, values in (text or {}).items():
        for field, value in values.items():
            if field not in fields or not isinstance(value, str) or not value:
                continue
            before = old.get((field, lang))
            changed = before is None or before.text != value or (field, lang) in reviewed
            reading = None
            if lang in READING_LANGUAGES:
                carried = (readings or {}).get(lang)
                parts = read(value) if read else carried.get(field) if isinstance(carried, dict) else None
                reading = _stored_reading(_checked_reading(parts, value))
            rows.append({"owner": owner, "owner_id": owner_id, "field": field, "language": lang,
                         "text": value, "updated_at": now if changed else before.updated_at,
                         "reading": reading})
    Translation.delete().where((Translation.owner == owner) & (Translation.owner_id == owner_id)).execute()
    if rows:
        Translation.insert_many(rows).execute()


def _upsert(model, key, values):
    row = model.get_or_none(model.slug == key)
    if row is None:
        return model.create(slug=key, **values)
    model.update(**values).where(model.id == row.id).execute()
    return model.get_by_id(row.id)


def apply_document(kind, doc, reviewed=(), now=None, with_schedules=True, read=None):
    """Write a document to the catalog tables (hub publishing, kiosk feed). Returns the row.

    Schedules are replaced when the document carries them; the caller expands their sessions.
    ``read``: text -> its reading (kiosk.web.furigana.reader), where the Japanese texts are read
    (the hub publishing); without it they keep the readings the document carries (a kiosk)."""
    key = doc["slug"]
    if kind == "organization":
        row = _upsert(Organization, key, {"url": doc.get("url", "")})
    elif kind == "site":
        values = {k: doc.get(k) for k in ("kind", "area", "postal_code", "phone", "latitude", "longitude")}
        values["example_address"] = bool(doc.get("example_address"))
        row = _upsert(Site, key, values)
    elif kind == "service":
        org = Organization.get_or_none(Organization.slug == doc["organization"])
        if org is None:
            org = Organization.create(slug=doc["organization"])
        values = {k: doc.get(k) for k in ("category", "free", "phone", "email", "url", "active")}
        values["official_name"] = doc.get("official_name") or ""
        values["organization"] = org
        values["updated_at"] = now or utcnow()
        row = _upsert(Service, key, values)
        ServiceAudience.delete().where(ServiceAudience.service == row).execute()
        for a in dict.fromkeys(doc.get("audiences", [])):
            ServiceAudience.create(service=row, audience=a)
        ServiceNeed.delete().where(ServiceNeed.service == row).execute()
        for need in dict.fromkeys(doc.get("needs", [])):
            ServiceNeed.create(service=row, need=need)
        ServiceLanguage.delete().where(ServiceLanguage.service == row).execute()
        for code in dict.fromkeys(doc.get("languages", [])):
            ServiceLanguage.create(service=row, language=code)
        ServiceSite.delete().where(ServiceSite.service == row).execute()
        for slug in dict.fromkeys(doc.get("sites", [])):
            site = Site.get_or_none(Site.slug == slug)
            if site:
                ServiceSite.create(service=row, site=site)
        if with_schedules and "schedules" in doc:
            _write_schedules(row, doc["schedules"])
    else:
        raise ValueError(kind)
    readings = doc.get("readings") if isinstance(doc.get("readings"), dict) else None
    _write_texts(kind, row.id, doc.get("text"), TEXT_FIELDS[kind], reviewed, now, readings, read)
    return row


def refresh_readings(read, surface=None):
    """Read again the Japanese texts of the published records (those that hold ``surface``, a
    word whose correction staff changed, or all) with ``read``, and keep the readings that
    changed. Returns the records whose readings changed, [(kind, slug)], to send to kiosks."""
    query = (Translation.select(Translation.id, Translation.owner, Translation.owner_id, Translation.text,
                                Translation.reading)
             .where(Translation.language.in_(READING_LANGUAGES) & Translation.owner.in_(KINDS)))
    if surface:
        query = query.where(Translation.text.contains(surface))
    changed = {}
    for t in query:
        if surface and surface not in t.text:
            continue   # LIKE ignores case and the like; the word itself is what counts
        reading = _stored_reading(_checked_reading(read(t.text), t.text))
        if reading != t.reading:
            Translation.update(reading=reading).where(Translation.id == t.id).execute()
            changed.setdefault(t.owner, set()).add(t.owner_id)
    out = []
    for kind in KINDS:
        if changed.get(kind):
            model = MODELS[kind]
            out += [(kind, slug) for (slug,) in model.select(model.slug).where(model.id.in_(sorted(changed[kind])))
                    .order_by(model.slug).tuples()]
    return out


def _date(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _write_schedules(service, schedules):
    keep = []
    for s in schedules:
        site = Site.get_or_none(Site.slug == s["site"])
        if site is None:
            continue
        values = {"service": service, "site": site, "freq": s.get("freq") or "",
                  "interval": int(s.get("interval") or 1), "byday": s.get("byday") or "",
                  "bymonthday": s.get("bymonthday") or "", "opens_at": s["opens_at"],
                  "closes_at": s["closes_at"], "valid_from": _date(s["valid_from"]),
                  "valid_to": _date(s.get("valid_to")), "capacity": int(s.get("capacity") or 0),
                  "skip_holidays": bool(s.get("skip_holidays", True))}
        row = Schedule.get_or_none(Schedule.uid == s["uid"])
        if row is None:
            Schedule.create(uid=s["uid"], **values)
        else:
            Schedule.update(**values).where(Schedule.id == row.id).execute()
        keep.append(s["uid"])
    Schedule.delete().where((Schedule.service == service) & Schedule.uid.not_in(keep or [""])).execute()
