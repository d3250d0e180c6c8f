"""What residents look for, as counts, never as people (README "What residents look for").

On a kiosk: one row per local day, kind, language and key, added to by one UPSERT per event and
sent to the hub as one record per day when the day is over. On the hub: each day's record once
(its id is made from the device and the day, so a resend is a duplicate) and its counts, by
site, day, ISO week and month; staff screens show only weeks and months, and a search's words
only when many typed them (kiosk.hub.desk.demand)."""
from peewee import CharField, CompositeKey, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel
from .catalog import utcnow


class DemandCount(BaseModel):
    """A kiosk's count of one thing on one day (kinds: kiosk.sync.contract.DEMAND_KINDS)."""
    day = CharField(max_length=10)            # the ward's local day, YYYY-MM-DD
    kind = CharField(max_length=16)
    language = CharField(max_length=16)
    key = CharField(max_length=64)
    n = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("day", "kind", "language", "key")


class HubDemandDay(BaseModel):
    """One kiosk's counts of one day, as the hub received them: stored exactly once per id."""
    id = CharField(primary_key=True, max_length=36)
    device_id = CharField(max_length=36, index=True)
    site_slug = CharField(max_length=64, default="")   # the site the device was enrolled for
    day = CharField(max_length=10)
    payload_hash = CharField(max_length=64)
    received_at = DateTimeField(default=utcnow)


class HubDemandCount(BaseModel):
    """One count of a kiosk's day on the hub, with the week and month it falls in."""
    demand_day = ForeignKeyField(HubDemandDay, on_delete="CASCADE", index=True)
    site_slug = CharField(max_length=64)
    day = CharField(max_length=10)
    week = CharField(max_length=10)           # the Monday of its ISO week, YYYY-MM-DD
    month = CharField(max_length=7, index=True)
    kind = CharField(max_length=16)
    language = CharField(max_length=16)
    key = CharField(max_length=64)
    n = IntegerField()

    class Meta:
        indexes = ((("month", "kind"), False),)
