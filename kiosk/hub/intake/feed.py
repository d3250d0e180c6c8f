"""The hub's feed: catalog rows and sign-up statuses as entries every kiosk pulls in order
(the kiosk applies them in kiosk.site.sync.feed_apply).

Rows are identified across systems by slug (organisations, sites, services), event uid, and
sign-up id; local integer ids never leave a database.

A kiosk reads in clear only the reference codes its site needs: sign-ups it took, sign-ups
taken at its site, and sign-ups for its site's sessions (the host checks people in by code).
Every other sign-up's entry carries a hash of its code instead (protocol.ref_lookup_hash): a
visitor who types her code at any kiosk still finds her sign-up there, but a kiosk cannot
collect the ward's codes from the feed. Which form an entry takes depends only on who reads
it, never on the cursor, so paging and exactly-once are as before.
"""
from collections.abc import Callable, Iterable

from peewee import JOIN

from ... import catalog_docs
from ...models import Device, Event, Feed, HubSignup, KioskState, ReadingCorrection, Site
from ...sync import protocol
from ...sync.protocol import DEMO_KEY
from ...sync.records import (CatalogDocument, CatalogKind, EventData, FeedData, FeedEntry, FeedKind,
                             MetaData, ReadingData, StatusData)

# The kiosk that reads the feed: (device id, site slug; "" for a kiosk enrolled without a site).
Viewer = tuple[str, str]
# How the hub writes one kind of entry's data: (key, viewer) -> the data, or None when the row
# no longer exists.
Serializer = Callable[[str, Viewer | None], FeedData | None]


def append(kind: FeedKind, key: str, deleted: bool = False) -> None:
    """Add a feed entry. Call inside the hub's write lock (kiosk.hub.locks.write_lock)."""
    Feed.create(kind=kind, key=key, deleted=deleted)


def serialize(kind: FeedKind, key: str, viewer: Viewer | None = None) -> FeedData | None:
    """The current state of one row as a feed entry's data, or None if it no longer exists.
    ``viewer``: (device id, site slug) of the kiosk that reads it (see statuses)."""
    write = SERIALIZERS.get(kind)
    return write(key, viewer) if write else None


def _document(kind: CatalogKind) -> Serializer:
    """The writer of one catalog kind: the document as the hub's catalog editor keeps it, with
    the readings the hub gave its Japanese texts."""
    def write(key: str, viewer: Viewer | None) -> CatalogDocument | None:
        return catalog_docs.live_document(kind, key, with_schedules=False, with_readings=True)
    return write


def _event(key: str, viewer: Viewer | None) -> EventData | None:
    e = Event.get_or_none(Event.uid == key)
    if e is None:
        return None
    return {"uid": e.uid, "service": e.service.slug, "site": e.site.slug,
            "starts_at": protocol.format_time(e.starts_at),
            "ends_at": protocol.format_time(e.ends_at), "capacity": e.capacity,
            "seats_taken": e.seats_taken, "cancelled": e.cancelled,
            "change_reason": e.change_reason,
            "moved_from": protocol.format_time(e.moved_from) if e.moved_from else None}


def _meta(key: str, viewer: Viewer | None) -> MetaData | None:
    if key != DEMO_KEY:
        return None
    return {"demo": KioskState.get_value(DEMO_KEY) == "1"}


def _reading(key: str, viewer: Viewer | None) -> ReadingData | None:
    r = ReadingCorrection.get_or_none(ReadingCorrection.surface == key)
    if r is None:
        return None
    return {"surface": r.surface, "reading": r.reading}


def _status(key: str, viewer: Viewer | None) -> StatusData | None:
    return statuses([key], viewer).get(key)


# One writer per feed kind (records.FEED_KINDS, each applied on the kiosk by
# kiosk.site.sync.feed_apply.APPLIERS; tests/unit/test_records.py holds both to the set).
SERIALIZERS: dict[FeedKind, Serializer] = {
    "organization": _document("organization"),
    "site": _document("site"),
    "service": _document("service"),
    "event": _event,
    "status": _status,
    "meta": _meta,
    "reading": _reading,
}


def may_read_code(viewer: Viewer | None, taken_by: str | None, taken_at: str | None, venue: str | None) -> bool:
    """True when the kiosk ``viewer`` (device id, site slug) may read a sign-up's reference code:
    it took the sign-up, or its site is where the sign-up was taken or where its session is.
    A kiosk enrolled without a site reads only its own sign-ups' codes."""
    if viewer is None:
        return False
    device_id, site = viewer
    return taken_by == device_id or (bool(site) and site in (taken_at, venue))


def statuses(ids: Iterable[str], viewer: Viewer | None = None) -> dict[str, StatusData]:
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
    out: dict[str, StatusData] = {}
    for sid, ref, event, service, status, reason, desk_state, taken_by, taken_at, at in rows:
        data: StatusData = {"id": sid, "ref_code": ref, "event": event, "service": service, "status": status,
                "reason": reason, "desk_state": desk_state}
        if not may_read_code(viewer, taken_by, taken_at, at):
            # "" rather than no field: a kiosk from before hashed codes stores it and finds nothing.
            data["ref_code"] = ""
            data["ref_hash"] = protocol.ref_lookup_hash(ref)
        out[sid] = data
    return out


def page(since: int, limit: int = 500, viewer: Viewer | None = None) -> list[FeedEntry]:
    """Feed entries after ``since``, oldest first, each with its current data, as the kiosk
    ``viewer`` (device id, site slug) may read it.

    Statuses (most of the feed) are read in one query per page; catalog rows one by one."""
    rows = list(Feed.select().where(Feed.seq > since).order_by(Feed.seq).limit(limit))
    status_ids = [r.key for r in rows if r.kind == "status" and not r.deleted]
    statuses_by_id = statuses(status_ids, viewer)
    out: list[FeedEntry] = []
    for r in rows:
        data: FeedData | None
        if r.deleted:
            data = None
        elif r.kind == "status":
            data = statuses_by_id.get(r.key)
        else:
            data = serialize(r.kind, r.key)
        out.append({"seq": r.seq, "kind": r.kind, "key": r.key, "deleted": r.deleted, "data": data})
    return out
