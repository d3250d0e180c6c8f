"""A kiosk's counts of a day (what residents looked for), stored exactly once.

The record's id is made from the device and the day (kiosk.site.demand.record_id), so a resend
after a lost answer or a kill is answered "duplicate", and the same id with other counts is a
conflict, kept for staff, never added twice. The site is the one the device was enrolled for,
not anything the record says. Each count is stored with its ISO week and month, the finest
times staff screens show (kiosk.hub.desk.demand)."""
import datetime
from collections.abc import Callable
from typing import cast

from ...models import HubDemandCount, HubDemandDay, RejectedRecord
from ...models.catalog import utcnow
from ...sync import protocol
from ...sync.records import DemandRecord, RecordResult


def is_demand(record: object) -> bool:
    return isinstance(record, dict) and record.get("type") == "demand"


def week_of(day: datetime.date) -> str:
    """The Monday of a day's ISO week."""
    return (day - datetime.timedelta(days=day.weekday())).isoformat()


def store(device_id: str, raw: object, site: str | None, reject_row: Callable,
          bulk_insert: Callable) -> RecordResult:
    """Store one day's counts (inside the caller's transaction and ingest lock) and answer for it."""
    reason = protocol.validate_record(raw)
    if reason:
        row, answer = reject_row(device_id, raw, reason)
        bulk_insert(RejectedRecord, [row])
        return answer
    record = cast(DemandRecord, raw)     # validate_record passed it: a check the type checker cannot follow
    digest = protocol.payload_hash(record)
    prior = HubDemandDay.get_or_none(HubDemandDay.id == record["id"])
    if prior is not None:
        if prior.payload_hash == digest:
            return {"id": record["id"], "result": "duplicate"}
        row, answer = reject_row(device_id, record, "conflict", "same id, different content: kept the first")
        bulk_insert(RejectedRecord, [row])
        return answer
    day = datetime.date.fromisoformat(record["day"])
    place = site or f"device:{device_id}"[:64]
    HubDemandDay.insert(id=record["id"], device_id=device_id, site_slug=place, day=record["day"],
                        payload_hash=digest, received_at=utcnow()).execute()
    rows = [{"demand_day": record["id"], "site_slug": place, "day": record["day"], "week": week_of(day),
             "month": record["day"][:7], "kind": c["kind"], "language": c["language"], "key": c["key"],
             "n": c["n"]} for c in record["counts"]]
    bulk_insert(HubDemandCount, rows)
    return {"id": record["id"], "result": "accepted"}
