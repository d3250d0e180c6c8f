"""Catalog rows and sign-up statuses as feed entries: built on the hub, applied on the kiosk.

Rows are identified across systems by slug (organisations, sites, services), event uid, and
sign-up id; local integer ids never leave a database.

A kiosk reads in clear only the reference codes its site needs: sign-ups it took, sign-ups
taken at its site, and sign-ups for its site's sessions (the host checks people in by code).
Every other sign-up's entry carries a hash of its code instead (protocol.ref_lookup_hash): a
visitor who types her code at any kiosk still finds her sign-up there (DESIGN.md 5.8), but a
kiosk cannot collect the ward's codes from the feed. Which form an entry takes depends only on
who reads it, never on the cursor, so paging and exactly-once are as before.
"""
from peewee import JOIN

from .. import catalog_docs
from ..catalog import bump_generation
from ..db import database
from ..models import (Device, Event, Feed, HubSignup, KioskState, ReadingCorrection, Service, Site,
                      SignupStatus)
from ..search import index
from . import protocol

CURSOR_KEY = "feed_cursor"
DEMO_KEY = "catalog_is_demo"   # the catalog is the demo: every visitor page says so


# --- hub side -------------------------------------------------------------------------------

def append(kind, key, deleted=False):
    """Add a feed entry. Call inside the hub's write lock (kiosk.hub.ingest.write_lock)."""
    Feed.create(kind=kind, key=key, deleted=deleted)


def serialize(kind, key, viewer=None):
    """The current state of one row as a feed entry's data, or None if it no longer exists.
    ``viewer``: (device id, site slug) of the kiosk that reads it (see statuses)."""
    if kind in catalog_docs.KINDS:
        return catalog_docs.live_document(kind, key, with_schedules=False)
    if kind == "event":
        e = Event.get_or_none(Event.uid == key)
        return e and {"uid": e.uid, "service": e.service.slug, "site": e.site.slug,
                      "starts_at": protocol.format_time(e.starts_at),
                      "ends_at": protocol.format_time(e.ends_at), "capacity": e.capacity,
                      "seats_taken": e.seats_taken, "cancelled": e.cancelled,
                      "change_reason": e.change_reason,
                      "moved_from": protocol.format_time(e.moved_from) if e.moved_from else None}
    if kind == "meta" and key == DEMO_KEY:
        return {"demo": KioskState.get_value(DEMO_KEY) == "1"}
    if kind == "reading":
        r = ReadingCorrection.get_or_none(ReadingCorrection.surface == key)
        return r and {"surface": r.surface, "reading": r.reading}
    if kind == "status":
        return statuses([key], viewer).get(key)
    return None


def may_read_code(viewer, taken_by, taken_at, venue):
    """True when the kiosk ``viewer`` (device id, site slug) may read a sign-up's reference code:
    it took the sign-up, or its site is where the sign-up was taken or where its session is.
    A kiosk enrolled without a site reads only its own sign-ups' codes."""
    if viewer is None:
        return False
    device_id, site = viewer
    return taken_by == device_id or (bool(site) and site in (taken_at, venue))


def statuses(ids, viewer=None):
    """{sign-up id: status entry data} for these sign-ups, as ``viewer`` may read them (one
    query: the site that took each sign-up and its session's site come with it)."""
    if not ids:
        return {}
    venue = Site.alias()
    rows = (HubSignup.select(HubSignup.id, HubSignup.ref_code, HubSignup.event_uid, HubSignup.service_slug,
                             HubSignup.status, HubSignup.reason, HubSignup.desk_state, HubSignup.device_id,
                             Device.site_slug, venue.slug)
            .join(Device, JOIN.LEFT_OUTER, on=(Device.device_id == HubSignup.device_id))
            .switch(HubSignup).join(Event, JOIN.LEFT_OUTER, on=(Event.uid == HubSignup.event_uid))
            .join(venue, JOIN.LEFT_OUTER, on=(Event.site == venue.id))
            .where(HubSignup.id.in_(list(ids))).tuples())
    out = {}
    for sid, ref, event, service, status, reason, desk_state, taken_by, taken_at, at in rows:
        data = {"id": sid, "ref_code": ref, "event": event, "service": service, "status": status,
                "reason": reason, "desk_state": desk_state}
        if not may_read_code(viewer, taken_by, taken_at, at):
            # "" rather than no field: a kiosk from before hashed codes stores it and finds nothing.
            data.update(ref_code="", ref_hash=protocol.ref_lookup_hash(ref))
        out[sid] = data
    return out


def page(since, limit=500, viewer=None):
    """Feed entries after ``since``, oldest first, each with its current data, as the kiosk
    ``viewer`` (device id, site slug) may read it.

    Statuses (most of the feed) are read in one query per page; catalog rows one by one."""
    rows = list(Feed.select().where(Feed.seq > since).order_by(Feed.seq).limit(limit))
    status_ids = [r.key for r in rows if r.kind == "status" and not r.deleted]
    statuses_by_id = statuses(status_ids, viewer)
    out = []
    for r in rows:
        if r.deleted:
            data = None
        elif r.kind == "status":
            data = statuses_by_id.get(r.key)
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


def _apply(entry, touched):
    kind, key, data = entry["kind"], entry["key"], entry.get("data")
    if entry.get("deleted") or data is None:
        if kind == "service":
            Service.update(active=False).where(Service.slug == key).execute()
            touched.update(s.id for s in Service.select(Service.id).where(Service.slug == key))
        elif kind == "reading":
            ReadingCorrection.delete().where(ReadingCorrection.surface == key).execute()
        elif kind == "event":
            # A session the hub removed (its rule changed, nobody had signed up there): gone,
            # unless someone signed up here meanwhile, who then sees it cancelled.
            from ..models import Signup
            if Signup.select().where(Signup.event_uid == key).exists():
                Event.update(cancelled=True, change_reason="schedule_changed").where(Event.uid == key).execute()
            else:
                Event.delete().where(Event.uid == key).execute()
        return
    if kind in catalog_docs.KINDS:
        row = catalog_docs.apply_document(kind, dict(data, slug=key), with_schedules=False)
        if kind == "service":
            touched.add(row.id)
    elif kind == "event":
        svc = Service.get_or_none(Service.slug == data["service"])
        site = Site.get_or_none(Site.slug == data["site"])
        if svc is None or site is None:
            return
        values = {"uid": key, "service": svc, "site": site,
                  "starts_at": protocol.parse_time(data["starts_at"]),
                  "ends_at": protocol.parse_time(data["ends_at"]), "capacity": data["capacity"],
                  "seats_taken": data["seats_taken"], "cancelled": data["cancelled"],
                  "change_reason": data.get("change_reason") or "",
                  "moved_from": protocol.parse_time(data["moved_from"]) if data.get("moved_from") else None}
        row = Event.get_or_none(Event.uid == key)
        if row is None:
            Event.create(**values)
        else:
            Event.update(**values).where(Event.id == row.id).execute()
    elif kind == "meta" and key == DEMO_KEY:
        KioskState.set_value(DEMO_KEY, "1" if data.get("demo") else "0")
    elif kind == "reading":
        ReadingCorrection.insert(surface=key, reading=data["reading"]).on_conflict(
            conflict_target=[ReadingCorrection.surface], update={ReadingCorrection.reading: data["reading"]}).execute()
    elif kind == "status":
        # Another site's sign-up comes with a hash of its code only (see the module's docstring).
        values = {"record_id": key, "ref_code": data.get("ref_code") or "",
                  "ref_hash": data.get("ref_hash") or "", "event_uid": data.get("event"),
                  "service_slug": data["service"], "status": data["status"],
                  "reason": data.get("reason", ""), "desk_state": data.get("desk_state") or ""}
        SignupStatus.insert(**values).on_conflict(
            conflict_target=[SignupStatus.record_id],
            update={SignupStatus.status: data["status"], SignupStatus.reason: data.get("reason", ""),
                    SignupStatus.desk_state: values["desk_state"],
                    SignupStatus.ref_code: values["ref_code"], SignupStatus.ref_hash: values["ref_hash"]}).execute()
        from ..models import Signup
        (Signup.update(status=data["status"], status_reason=data.get("reason", ""))
         .where(Signup.id == key).execute())
