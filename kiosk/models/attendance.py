"""Attendance at café and plaza sessions, as append-only records.

Every tap of a host is a new record (a +1 or a -1 on a group, a check-in or its undo, a note, a
close), written with its outbox entry in one transaction. Totals are sums, so records applied on
the hub in any order give the same figures, and a correction can never be lost or applied twice.

Who may record them is kept here too: host PIN attempts and lockouts, and host sessions (see
kiosk.site.host_access).
"""
import datetime

from peewee import CharField, DateTimeField, IntegerField, TextField, fn

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
    """Host PIN entries on this kiosk since the last right one (kept in the database: a restart
    does not reset them). Their number is the rung of the lockout ladder (kiosk.site.host_access)."""
    at = DateTimeField(default=utcnow, index=True)


class HostPinLockout(BaseModel):
    """A lockout of host PIN entry that started on this kiosk: kept (unlike the attempts, which a
    right PIN clears) so the hub's fleet view can show how often a site's PIN is being guessed."""
    at = DateTimeField(default=utcnow, index=True)
    seconds = IntegerField()

    @classmethod
    def recent(cls, since):
        """(number of lockouts that started after ``since``, when the latest started)."""
        row = cls.select(fn.COUNT(cls.id), fn.MAX(cls.at)).where(cls.at > since).tuples().get()
        latest = row[1]
        if isinstance(latest, str):     # SQLite hands an aggregate back as text
            latest = datetime.datetime.fromisoformat(latest)
        return row[0], latest


class HostSession(BaseModel):
    """Host mode, held on the server: the browser holds only a random token (its hash is here),
    so a copied cookie opens nothing once the row has ended (Leave, Home, the idle reset, too
    long idle) or belongs to an earlier run of the kiosk process (a restart)."""
    token_hash = CharField(unique=True, max_length=64)
    boot = CharField(max_length=32)                    # the kiosk process that opened it
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True, index=True)
    ended_by = CharField(default="", max_length=16)    # leave | home | reset | idle | restart ...
