"""Catalog rows and sign-up statuses as feed entries: built on the hub, applied on the kiosk.

Rows are identified across systems by slug (organisations, sites, services), event uid, and
sign-up id; local integer ids never leave a database.
"""
from ..catalog import bump_generation
from ..db import database
from ..models import (Event, Feed, HubSignup, KioskState, Organization, Service, ServiceAudience,
                      ServiceLanguage, ServiceSite, Site, SignupStatus, Translation)
from ..models.catalog import SERVICE_TEXT_FIELDS, SITE_TEXT_FIELDS
from ..search import index
from . import protocol

CURSOR_KEY = "feed_cursor"


# --- hub side -------------------------------------------------------------------------------

def append(kind, key, deleted=False):
    """Add a feed entry. Call inside the hub's write lock (kiosk.hub.ingest.write_lock)."""
    Feed.create(kind=kind, key=key, deleted=deleted)


def _texts(owner, owner_id):
    out = {}
    for t in Translation.select().where((Translation.owner == owner) & (Translation.owner_id == owner_id)):
        out.setdefault(t.language, {})[t.field] = t.text
    return out


def serialize(kind, key):
    """The current state of one row as a feed entry's data, or None if it no longer exists."""
    if kind == "organization":
        o = Organization.get_or_none(Organization.slug == key)
        return o and {"slug": o.slug, "url": o.url, "text": _texts("organization", o.id)}
    if kind == "site":
        s = Site.get_or_none(Site.slug == key)
        return s and {"slug": s.slug, "kind": s.kind, "area": s.area, "postal_code": s.postal_code,
                      "phone": s.phone, "latitude": s.latitude, "longitude": s.longitude,
                      "text": _texts("site", s.id)}
    if kind == "service":
        s = Service.get_or_none(Service.slug == key)
        if s is None:
            return None
        return {
            "slug": s.slug, "organization": s.organization.slug, "category": s.category,
            "free": s.free, "phone": s.phone, "email": s.email, "url": s.url, "active": s.active,
            "audiences": [a.audience for a in s.audience_rows],
            "languages": [lang.language for lang in s.language_rows],
            "sites": [r.site.slug for r in s.site_rows], "text": _texts("service", s.id)}
    if kind == "event":
        e = Event.get_or_none(Event.uid == key)
        return e and {"uid": e.uid, "service": e.service.slug, "site": e.site.slug,
                      "starts_at": protocol.format_time(e.starts_at),
                      "ends_at": protocol.format_time(e.ends_at), "capacity": e.capacity,
                      "seats_taken": e.seats_taken, "cancelled": e.cancelled}
    if kind == "status":
        s = HubSignup.get_or_none(HubSignup.id == key)
        return s and _status(s)
    return None


def _status(s):
    return {"id": s.id, "ref_code": s.ref_code, "event": s.event_uid, "service": s.service_slug,
            "status": s.status, "reason": s.reason}


def page(since, limit=500):
    """Feed entries after ``since``, oldest first, each with its current data.

    Statuses (most of the feed) are read in one query per page; catalog rows one by one."""
    rows = list(Feed.select().where(Feed.seq > since).order_by(Feed.seq).limit(limit))
    status_ids = [r.key for r in rows if r.kind == "status" and not r.deleted]
    statuses = {s.id: _status(s) for s in HubSignup.select().where(HubSignup.id.in_(status_ids))} if status_ids else {}
    out = []
    for r in rows:
        if r.deleted:
            data = None
        elif r.kind == "status":
            data = statuses.get(r.key)
        else:
            data = serialize(r.kind, r.key)
        out.append({"seq": r.seq, "kind": r.kind, "key": r.key, "deleted": r.deleted, "data": data})
    return out


# --- kiosk side -----------------------------------------------------------------------------

def cursor():
    return int(KioskState.get_value(CURSOR_KEY, "0"))


def apply_page(entries):
    """Apply a page of entries and advance the cursor in one transaction."""
    if not entries:
        return 0
    touched = set()
    with database.atomic():
        for entry in entries:
            _apply(entry, touched)
        KioskState.set_value(CURSOR_KEY, max(e["seq"] for e in entries))
        if touched:
            index.reindex(sorted(touched))
        if any(e["kind"] != "status" for e in entries):
            bump_generation()
    return len(entries)


def _replace_texts(owner, owner_id, text, fields):
    Translation.delete().where((Translation.owner == owner) & (Translation.owner_id == owner_id)).execute()
    rows = [{"owner": owner, "owner_id": owner_id, "field": f, "language": lang, "text": v}
            for lang, values in (text or {}).items() for f, v in values.items()
            if f in fields and isinstance(v, str) and v]
    if rows:
        Translation.insert_many(rows).execute()


def _upsert(model, where, values):
    row = model.get_or_none(where)
    if row is None:
        return model.create(**values)
    model.update(**values).where(model.id == row.id).execute()
    return model.get_by_id(row.id)


def _apply(entry, touched):
    kind, key, data = entry["kind"], entry["key"], entry.get("data")
    if entry.get("deleted") or data is None:
        if kind == "service":
            Service.update(active=False).where(Service.slug == key).execute()
            touched.update(s.id for s in Service.select(Service.id).where(Service.slug == key))
        elif kind == "event":
            Event.update(cancelled=True).where(Event.uid == key).execute()
        return
    if kind == "organization":
        org = _upsert(Organization, Organization.slug == key, {"slug": key, "url": data.get("url", "")})
        _replace_texts("organization", org.id, data.get("text"), ("name",))
    elif kind == "site":
        fields = {k: data.get(k) for k in ("kind", "area", "postal_code", "phone", "latitude", "longitude")}
        site = _upsert(Site, Site.slug == key, dict(fields, slug=key))
        _replace_texts("site", site.id, data.get("text"), SITE_TEXT_FIELDS)
    elif kind == "service":
        org = Organization.get_or_none(Organization.slug == data["organization"])
        if org is None:
            org = Organization.create(slug=data["organization"])
        values = {k: data.get(k) for k in ("category", "free", "phone", "email", "url", "active")}
        svc = _upsert(Service, Service.slug == key, dict(values, slug=key, organization=org))
        _replace_texts("service", svc.id, data.get("text"), SERVICE_TEXT_FIELDS)
        ServiceAudience.delete().where(ServiceAudience.service == svc).execute()
        for a in dict.fromkeys(data.get("audiences", [])):
            ServiceAudience.create(service=svc, audience=a)
        ServiceLanguage.delete().where(ServiceLanguage.service == svc).execute()
        for code in dict.fromkeys(data.get("languages", [])):
            ServiceLanguage.create(service=svc, language=code)
        ServiceSite.delete().where(ServiceSite.service == svc).execute()
        for slug in dict.fromkeys(data.get("sites", [])):
            site = Site.get_or_none(Site.slug == slug)
            if site:
                ServiceSite.create(service=svc, site=site)
        touched.add(svc.id)
    elif kind == "event":
        svc = Service.get_or_none(Service.slug == data["service"])
        site = Site.get_or_none(Site.slug == data["site"])
        if svc is None or site is None:
            return
        values = {"uid": key, "service": svc, "site": site,
                  "starts_at": protocol.parse_time(data["starts_at"]),
                  "ends_at": protocol.parse_time(data["ends_at"]), "capacity": data["capacity"],
                  "seats_taken": data["seats_taken"], "cancelled": data["cancelled"]}
        _upsert(Event, Event.uid == key, values)
    elif kind == "status":
        values = {"record_id": key, "ref_code": data["ref_code"], "event_uid": data.get("event"),
                  "service_slug": data["service"], "status": data["status"],
                  "reason": data.get("reason", "")}
        SignupStatus.insert(**values).on_conflict(
            conflict_target=[SignupStatus.record_id],
            update={SignupStatus.status: data["status"], SignupStatus.reason: data.get("reason", "")}).execute()
        from ..models import Signup
        (Signup.update(status=data["status"], status_reason=data.get("reason", ""))
         .where(Signup.id == key).execute())
