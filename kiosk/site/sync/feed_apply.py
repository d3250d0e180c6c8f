"""The kiosk's side of the feed: apply the hub's entries (kiosk.hub.intake.feed) in order,
with the cursor, in one transaction per page, and keep the search index current."""
from ... import catalog_docs
from ...catalog import bump_generation
from ...db import database
from ...models import Event, KioskState, ReadingCorrection, Service, Signup, SignupStatus, Site
from ...search import index
from ...sync import protocol
from ...sync.protocol import DEMO_KEY

CURSOR_KEY = "feed_cursor"

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
        (Signup.update(status=data["status"], status_reason=data.get("reason", ""))
         .where(Signup.id == key).execute())
