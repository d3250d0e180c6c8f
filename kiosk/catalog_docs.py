"""Catalog records as documents: one JSON-able dict per organisation, site or service.

The same document is a draft on the hub, a published version in the history, the data of a feed
entry and the unit the HSDS exchange reads and writes, so a record has one shape everywhere.
Rows are named by slug; local integer ids never leave a database.
"""
import datetime
import re

from .models import (Organization, Schedule, Service, ServiceAudience, ServiceLanguage, ServiceSite,
                     Site, Translation)
from .models.catalog import SERVICE_TEXT_FIELDS, SITE_TEXT_FIELDS, utcnow

KINDS = ("organization", "site", "service")
TEXT_FIELDS = {"organization": ("name",), "site": SITE_TEXT_FIELDS, "service": SERVICE_TEXT_FIELDS}
MODELS = {"organization": Organization, "site": Site, "service": Service}
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


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


def schedule_document(s):
    return {"uid": s.uid, "site": s.site.slug, "freq": s.freq, "interval": s.interval,
            "byday": s.byday, "bymonthday": s.bymonthday, "opens_at": s.opens_at,
            "closes_at": s.closes_at, "valid_from": s.valid_from.isoformat(),
            "valid_to": s.valid_to.isoformat() if s.valid_to else None,
            "capacity": s.capacity, "skip_holidays": bool(s.skip_holidays)}


def live_document(kind, key, with_schedules=True):
    """The published state of a record as a document, or None if there is no such record."""
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
            "languages": sorted(lang.language for lang in s.language_rows),
            "sites": sorted(r.site.slug for r in s.site_rows), "text": texts_of("service", s.id)}
        if with_schedules:
            doc["schedules"] = [schedule_document(x) for x in
                                Schedule.select().where(Schedule.service == s).order_by(Schedule.uid)]
        return doc
    return None


def _write_texts(owner, owner_id, text, fields, reviewed=(), now=None):
    """Replace a record's texts; a text keeps its date unless it changed or staff reviewed it."""
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
            rows.append({"owner": owner, "owner_id": owner_id, "field": field, "language": lang,
                         "text": value, "updated_at": now if changed else before.updated_at})
    Translation.delete().where((Translation.owner == owner) & (Translation.owner_id == owner_id)).execute()
    if rows:
        Translation.insert_many(rows).execute()


def _upsert(model, key, values):
    row = model.get_or_none(model.slug == key)
    if row is None:
        return model.create(slug=key, **values)
    model.update(**values).where(model.id == row.id).execute()
    return model.get_by_id(row.id)


def apply_document(kind, doc, reviewed=(), now=None, with_schedules=True):
    """Write a document to the catalog tables (hub publishing, kiosk feed). Returns the row.

    Schedules are replaced when the document carries them; the caller expands their sessions."""
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
    _write_texts(kind, row.id, doc.get("text"), TEXT_FIELDS[kind], reviewed, now)
    return row


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
