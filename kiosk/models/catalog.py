"""The service catalog, shaped after Open Referral HSDS.

Every human-readable text lives in Translation rows (owner, owner id, field, language), so a
sixth language is data, never a column. Vocabularies (category, audience, area, site kind) are
slugs here and translated UI strings in kiosk/vocab.py.
"""
from peewee import (BooleanField, CharField, DateField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, TextField)

from .base import BaseModel

SERVICE_TEXT_FIELDS = ("name", "summary", "description", "eligibility", "how_to_join", "fees",
                       "schedule", "keywords")
SITE_TEXT_FIELDS = ("name", "address", "access")


def utcnow():
    """Naive UTC now, by this machine's clock (kiosk.clock: CLOCK_OFFSET_SECONDS included, so a
    test can move a whole process ten weeks ahead)."""
    from .. import clock
    return clock.now()


class Organization(BaseModel):
    """HSDS organization: who runs a service (the ward, the Council of Social Welfare...)."""
    slug = CharField(unique=True, max_length=64)
    url = CharField(default="")


class Site(BaseModel):
    """HSDS location: a plaza, café, office or hall with an address in the ward."""
    slug = CharField(unique=True, max_length=64)
    kind = CharField(max_length=16)
    area = CharField(max_length=32, index=True)
    postal_code = CharField(default="", max_length=16)
    phone = CharField(default="", max_length=32)
    latitude = FloatField(null=True)
    longitude = FloatField(null=True)
    example_address = BooleanField(default=False)   # an invented address (demo), labelled as such


class Service(BaseModel):
    """HSDS service: a program a resident can use, join or contact."""
    slug = CharField(unique=True, max_length=96)
    organization = ForeignKeyField(Organization, backref="services", on_delete="CASCADE")
    category = CharField(max_length=32, index=True)
    free = BooleanField(default=True)
    phone = CharField(default="", max_length=32)
    email = CharField(default="", max_length=128)
    url = CharField(default="", max_length=255)
    active = BooleanField(default=True)
    updated_at = DateTimeField(default=utcnow)
    official_name = CharField(default="", max_length=255)   # as the ward writes it, in Japanese


class ServiceAudience(BaseModel):
    """HSDS eligibility, as audience slugs (elderly, children, foreign, disability, everyone)."""
    service = ForeignKeyField(Service, backref="audience_rows", on_delete="CASCADE")
    audience = CharField(max_length=32, index=True)

    class Meta:
        indexes = ((("service", "audience"), True),)


class ServiceNeed(BaseModel):
    """The needs a service answers, as slugs of kiosk.vocab.NEEDS (food, money, ...): HSDS taxonomy
    terms attached to the service."""
    service = ForeignKeyField(Service, backref="need_rows", on_delete="CASCADE")
    need = CharField(max_length=32, index=True)

    class Meta:
        indexes = ((("service", "need"), True),)


class ServiceLanguage(BaseModel):
    """HSDS language: languages the staff of a service speak."""
    service = ForeignKeyField(Service, backref="language_rows", on_delete="CASCADE")
    language = CharField(max_length=16)

    class Meta:
        indexes = ((("service", "language"), True),)


class ServiceSite(BaseModel):
    """HSDS service_at_location."""
    service = ForeignKeyField(Service, backref="site_rows", on_delete="CASCADE")
    site = ForeignKeyField(Site, backref="service_rows", on_delete="CASCADE")

    class Meta:
        indexes = ((("service", "site"), True),)


class Event(BaseModel):
    """A dated session of a service at a site (HSDS schedule, one occurrence) with seats."""
    uid = CharField(unique=True, max_length=36)
    service = ForeignKeyField(Service, backref="events", on_delete="CASCADE")
    site = ForeignKeyField(Site, backref="events", on_delete="CASCADE")
    starts_at = DateTimeField(index=True)   # UTC, naive
    ends_at = DateTimeField()               # UTC, naive
    capacity = IntegerField(default=0)      # 0: no sign-up needed
    seats_taken = IntegerField(default=0)
    cancelled = BooleanField(default=False)
    schedule_uid = CharField(null=True, max_length=36, index=True)   # the rule it was expanded from
    change_reason = CharField(default="", max_length=32)   # why cancelled or moved (vocab.CHANGE_REASONS)
    moved_from = DateTimeField(null=True)                  # the original start of a moved session
    # Hub: when staff last cancelled or moved this date, so a restore of an older version can
    # tell which date changes came after it (kiosk.hub.catalog.date_changes). Not synced.
    changed_at = DateTimeField(null=True)

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)


class Translation(BaseModel):
    """One text field of one catalog row in one language."""
    owner = CharField(max_length=16)        # "service" | "site" | "organization" | "event"
    owner_id = IntegerField()
    field = CharField(max_length=32)
    language = CharField(max_length=16)
    text = TextField()
    updated_at = DateTimeField(null=True)   # hub: when this text last changed (or was reviewed)
    # Japanese texts: the furigana the hub read at publish, as JSON [[piece, reading or null], ...]
    # (kiosk.catalog_docs); null where none was read (a kiosk then reads the text itself).
    reading = TextField(null=True)

    class Meta:
        indexes = ((("owner", "owner_id", "field", "language"), True),)


class Schedule(BaseModel):
    """HSDS schedule: a recurrence rule (RFC 5545 fields) of a service at a site, with seats.

    The hub expands it into dated Events ahead of time (kiosk.hub.schedules)."""
    uid = CharField(unique=True, max_length=36)
    service = ForeignKeyField(Service, backref="schedules", on_delete="CASCADE")
    site = ForeignKeyField(Site, on_delete="CASCADE")
    freq = CharField(default="", max_length=8)         # WEEKLY | MONTHLY | "" (a single date)
    interval = IntegerField(default=1)
    byday = CharField(default="", max_length=64)       # "TU", "2TH,4TH"
    bymonthday = CharField(default="", max_length=64)  # "15"
    opens_at = CharField(max_length=5)                 # "10:00", the ward's local time
    closes_at = CharField(max_length=5)
    valid_from = DateField()
    valid_to = DateField(null=True)
    capacity = IntegerField(default=0)
    skip_holidays = BooleanField(default=True)


class CatalogDraft(BaseModel):
    """A staff member's unpublished edit of one catalog record, as its whole document."""
    kind = CharField(max_length=16)      # organization | site | service
    key = CharField(max_length=96)       # slug
    data = TextField()                   # JSON document (kiosk.hub.catalog.admin)
    base_version = IntegerField(default=0)
    updated_by = CharField(default="", max_length=64)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "key"), True),)


class CatalogVersion(BaseModel):
    """Every published state of a catalog record: who, when, and the whole document."""
    kind = CharField(max_length=16)
    key = CharField(max_length=96)
    version = IntegerField()
    data = TextField()
    published_by = CharField(default="", max_length=64)
    published_at = DateTimeField(default=utcnow)
    note = CharField(default="", max_length=255)

    class Meta:
        indexes = ((("kind", "key", "version"), True),)


class ReadingCorrection(BaseModel):
    """A word whose furigana the analyser gets wrong, with the reading staff gave it."""
    surface = CharField(unique=True, max_length=64)
    reading = CharField(max_length=128)
    updated_at = DateTimeField(default=utcnow)
