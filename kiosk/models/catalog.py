"""The service catalog, shaped after Open Referral HSDS.

Every human-readable text lives in Translation rows (owner, owner id, field, language), so a
sixth language is data, never a column. Vocabularies (category, audience, area, site kind) are
slugs here and translated UI strings in kiosk/vocab.py.
"""
import datetime

from peewee import (BooleanField, CharField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, TextField)

from .base import BaseModel

SERVICE_TEXT_FIELDS = ("name", "summary", "description", "eligibility", "how_to_join", "fees",
                       "schedule", "keywords")
SITE_TEXT_FIELDS = ("name", "address", "access")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


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


class ServiceAudience(BaseModel):
    """HSDS eligibility, as audience slugs (elderly, children, foreign, disability, everyone)."""
    service = ForeignKeyField(Service, backref="audience_rows", on_delete="CASCADE")
    audience = CharField(max_length=32, index=True)

    class Meta:
        indexes = ((("service", "audience"), True),)


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

    class Meta:
        indexes = ((("owner", "owner_id", "field", "language"), True),)
