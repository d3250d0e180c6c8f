"""Attendance at café and plaza sessions, as append-only records.

Every tap of a host is a new record (a +1 or a -1 on a group, a check-in or its undo, a note, a
close), written with its outbox entry in one transaction. Totals are sums, so records applied on
the hub in any order give the same figures, and a correction can never be lost or applied twice.
"""
from peewee import CharField, DateTimeField, IntegerField, TextField

from .base import BaseModel
from .catalog import utcnow

KINDS = ("open", "count", "checkin", "note", "close")


class Attendance(BaseModel):
    """A host's tap on this kiosk."""
    id = CharField(primary_key=True, max_length=36)
    session_key = CharField(index=True, max_length=36)   # event uid, or an ad-hoc session's uuid
    service_slug = CharField(max_length=96)
    site_slug = CharField(max_length=64)
    session_date = CharField(max_length=10)               # local date, YYYY-MM-DD
    kind = CharField(max_length=16)
    grp = CharField(null=True, max_length=32)
    delta = IntegerField(default=0)
    ref = CharField(null=True, max_length=16)             # sign-up reference code (check-in)
    text = TextField(null=True)                           # note
    seq = IntegerField()                                   # this kiosk's tap order
    created_at = DateTimeField(default=utcnow)             # kiosk clock
    acked_at = DateTimeField(null=True)


class HubAttendance(BaseModel):
    """An attendance record as the hub stores it: exactly once per id."""
    id = CharField(primary_key=True, max_length=36)
    device_id = CharField(max_length=36, index=True)
    payload_hash = CharField(max_length=64)
    session_key = CharField(index=True, max_length=36)
    service_slug = CharField(max_length=96, index=True)
    site_slug = CharField(max_length=64, index=True)
    session_date = CharField(max_length=10, index=True)
    kind = CharField(max_length=16)
    grp = CharField(null=True, max_length=32)
    delta = IntegerField(default=0)
    ref = CharField(null=True, max_length=16)
    text = TextField(null=True)
    seq = IntegerField()
    kiosk_created_at = DateTimeField()
    received_at = DateTimeField(default=utcnow)


class HostPinAttempt(BaseModel):
    """Failed host PIN entries on this kiosk (kept in the database: a restart does not reset)."""
    at = DateTimeField(default=utcnow, index=True)
