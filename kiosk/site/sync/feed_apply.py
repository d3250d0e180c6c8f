"""The kiosk's side of the feed: apply the hub's entries (kiosk.hub.intake.feed) in order,
with the cursor, in one transaction per page, and keep the search index current."""
from collections.abc import Callable
from typing import Any, NamedTuple

from ... import catalog_docs
from ...catalog import bump_generation
from ...db import database
from ...models import Event, KioskState, ReadingCorrection, Service, Signup, SignupStatus, Site
from ...search import index
from ...sync import protocol
from ...sync.protocol import DEMO_KEY
from ...sync.records import CatalogDocument, CatalogKind, EventData, FeedEntry, FeedKind, MetaData, ReadingData, StatusData

CURSOR_KEY = "feed_cursor"


class Applier(NamedTuple):
    """What the kiosk does with one kind of entry: ``put`` its data (key, data, the ids of
    services to reindex), or ``remove`` the row for a tombstone or an entry without data."""
    put: Callable[[str, Any, set[int]], None]
    remove: Callable[[str, set[int]], None]


def cursor() -> int:
    return int(KioskState.get_value(CURSOR_KEY, "0"))


def apply_page(entries: list[FeedEntry]) -> int:
    """Apply a page of entries and advance the cursor in one transaction."""
    if not entries:
        return 0
    touched: set[int] = set()
    with database.atomic():
        for entry in entries:
            _apply(entry, touched)
        KioskState.set_value(CURSOR_KEY, max(e["seq"] for e in entries))
        if touched:
            index.reindex(sorted(touched))
        if any(e["kind"] != "status" for e in entries):
            bump_generation()
    return len(entries)


def _apply(entry: FeedEntry, touched: set[int]) -> None:
    kind, key, data = entry["kind"], entry["key"], entry.get("data")
    # A kind this kiosk does not know (from a newer hub) is skipped.
    applier = APPLIERS.get(kind) if isinstance(kind, str) else None
    if applier is None:
        return
    if entry.get("deleted") or data is None:
        applier.remove(key, touched)
    else:
        applier.put(key, data, touched)


def _document(kind: CatalogKind) -> Callable[[str, CatalogDocument, set[int]], None]:
    """The catalog's documents are written as the hub's catalog editor keeps them."""
    def put(key: str, data: CatalogDocument, touched: set[int]) -> None:
        catalog_docs.apply_document(kind, dict(data, slug=key), with_schedules=False)
    return put


def _service(key: str, data: CatalogDocument, touched: set[int]) -> None:
    row = catalog_docs.apply_document("service", dict(data, slug=key), with_schedules=False)
    touched.add(row.id)


def _remove_service(key: str, touched: set[int]) -> None:
    Service.update(active=False).where(Service.slug == key).execute()
    touched.update(s.id for s in Service.select(Service.id).where(Service.slug == key))


def _remove_event(key: str, touched: set[int]) -> None:
    # A session the hub removed (its rule changed, nobody had signed up there): gone,
    # unless someone signed up here meanwhile, who then sees it cancelled.
    if Signup.select().where(Signup.event_uid == key).exists():
        Event.update(cancelled=True, change_reason="schedule_changed").where(Event.uid == key).execute()
    else:
        Event.delete().where(Event.uid == key).execute()


def _remove_reading(key: str, touched: set[int]) -> None:
    ReadingCorrection.delete().where(ReadingCorrection.surface == key).execute()


def _keep(key: str, touched: set[int]) -> None:
    """Rows the kiosk keeps when the hub removes them (or sends them without data)."""


def _event(key: str, data: EventData, touched: set[int]) -> None:
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


def _meta(key: str, data: MetaData, touched: set[int]) -> None:
    if key == DEMO_KEY:
        KioskState.set_value(DEMO_KEY, "1" if data.get("demo") else "0")


def _reading(key: str, data: ReadingData, touched: set[int]) -> None:
    ReadingCorrection.insert(surface=key, reading=data["reading"]).on_conflict(
        conflict_target=[ReadingCorrection.surface], update={ReadingCorrection.reading: data["reading"]}).execute()


def _status(key: str, data: StatusData, touched: set[int]) -> None:
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


# One applier per feed kind (records.FEED_KINDS, each written on the hub by
# kiosk.hub.intake.feed.SERIALIZERS; tests/unit/test_records.py holds both to the set).
APPLIERS: dict[FeedKind, Applier] = {
    "organization": Applier(_document("organization"), _keep),
    "site": Applier(_document("site"), _keep),
    "service": Applier(_service, _remove_service),
    "event": Applier(_event, _remove_event),
    "status": Applier(_status, _keep),
    "meta": Applier(_meta, _keep),
    "reading": Applier(_reading, _remove_reading),
}
