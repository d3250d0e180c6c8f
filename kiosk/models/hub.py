"""The ward hub's own state. All of it lives in the database, never in a process's memory, so
several hub processes behind a load balancer behave as one hub."""
from peewee import (BigAutoField, BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from .base import BaseModel
from .catalog import utcnow
from .signups import PartyFields, PersonFields


class Device(BaseModel):
    """An enrolled kiosk. Its signing key is derived from its id and the hub's DEVICE_KEY
    (kiosk.hub.intake.auth.device_key), so ``secret`` is empty; a kiosk enrolled before keys were
    derived keeps the secret it signs with here (legacy, until it is enrolled again)."""
    device_id = CharField(unique=True, max_length=36)
    name = CharField(max_length=128)
    site_slug = CharField(default="", max_length=64)
    secret = CharField(max_length=128)
    enrolled_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)
    pending_reported = IntegerField(default=0)     # outbox length the kiosk last reported
    clock_skew_seconds = IntegerField(default=0)   # kiosk clock minus hub clock, last seen
    held_reported = IntegerField(default=0)        # records the kiosk set aside (needs attention)
    software_version = CharField(default="", max_length=32)   # as the kiosk last said
    protocol_version = IntegerField(default=0)
    sync_error = CharField(default="", max_length=64)    # why its sync rounds fail, while they do
    sync_error_since = DateTimeField(null=True)
    pin_lockouts = IntegerField(default=0)         # host PIN lockouts in the 24 hours it last reported
    pin_lockout_at = DateTimeField(null=True)      # when the latest began (hub clock)
    outbox_seq = BigIntegerField(default=0)        # its outbox stored through this number (ingest order)


class EnrollmentCode(BaseModel):
    """A one-time code staff give to a new kiosk; stored hashed."""
    code_hash = CharField(unique=True, max_length=128)
    site_slug = CharField(default="", max_length=64)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")


class SeenNonce(BaseModel):
    """Nonces of accepted requests inside the timestamp window: a replay is refused."""
    device_id = CharField(max_length=36)
    nonce = CharField(max_length=64)
    seen_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("device_id", "nonce"), True),)


class HubSignup(PersonFields, PartyFields):
    """A sign-up as the hub stores it: exactly once per record id."""
    id = CharField(primary_key=True, max_length=36)
    device_id = CharField(max_length=36, index=True)
    payload_hash = CharField(max_length=64)
    ref_code = CharField(index=True, max_length=16)
    kind = CharField(max_length=16)
    service_slug = CharField(max_length=96, index=True)
    event_uid = CharField(null=True, max_length=36)    # indexed with status (Meta)
    language = CharField(max_length=16)
    status = CharField(max_length=16)
    reason = CharField(default="", max_length=64)
    kiosk_created_at = DateTimeField()             # the kiosk's clock: shown, never used to order
    received_at = DateTimeField(default=utcnow)    # the hub's clock: arrival order
    arrival = BigIntegerField(index=True)          # strict arrival order (ties impossible)
    # The desk's work on it (call-backs and volunteer registrations; kiosk.models.desk).
    desk_state = CharField(default="new", max_length=16)
    owner_id = IntegerField(null=True)             # the staff member handling it
    attempts = IntegerField(default=0)             # calls that did not reach the person
    state_changed_at = DateTimeField(null=True)
    search_text = TextField(default="")            # NFKC-folded name, kana, phone digits, code

    class Meta:
        indexes = ((("kind", "desk_state", "arrival"), False),
                   (("event_uid", "status"), False))     # seats of a session (kiosk.hub.intake.seats)


class RejectedRecord(BaseModel):
    """A record the hub refused, kept for staff with its reason (never silently dropped)."""
    record_id = CharField(max_length=64, index=True)
    device_id = CharField(max_length=36)
    reason = CharField(max_length=64)
    detail = TextField(default="")
    payload = TextField()
    received_at = DateTimeField(default=utcnow)
    resolved = BooleanField(default=False)


class Feed(BaseModel):
    """The hub's change feed: catalog rows and sign-up statuses, by a monotonic cursor.

    Entries are appended under the hub's write lock (kiosk.hub.locks.feed_lock), so a higher
    seq never becomes visible before a lower one: a kiosk's cursor cannot skip an entry.
    """
    seq = BigAutoField()
    kind = CharField(max_length=16)           # organization | site | service | event | status
    key = CharField(max_length=96)            # slug, event uid, or sign-up id
    deleted = BooleanField(default=False)     # tombstone
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "key", "seq"), False),)   # compaction (kiosk.hub.intake.compaction)


class StaffUser(BaseModel):
    username = CharField(unique=True, max_length=64)
    password_hash = CharField(max_length=255)
    display_name = CharField(default="", max_length=128)
    created_at = DateTimeField(default=utcnow)
    role = CharField(default="admin", max_length=16)     # admin | desk
    desks = TextField(default="")                         # desk role: service slugs, comma-separated
    disabled = BooleanField(default=False)

    @property
    def desk_slugs(self):
        return [d for d in self.desks.split(",") if d]

    @property
    def is_admin(self):
        return self.role == "admin"


class StaffSession(BaseModel):
    """Staff sessions live in the database: any hub process can check or end them."""
    token_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(StaffUser, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    last_seen_at = DateTimeField(null=True)        # sessions end after STAFF_IDLE_MINUTES idle


class HubCancel(BaseModel):
    """A visitor's cancellation as the hub stores it: exactly once per id. One that arrives
    before its sign-up waits (applied_at NULL) and is applied when the sign-up arrives."""
    id = CharField(primary_key=True, max_length=36)
    device_id = CharField(max_length=36, index=True)
    payload_hash = CharField(max_length=64)
    ref_code = CharField(index=True, max_length=16)
    phone_last4 = CharField(max_length=4)
    kiosk_created_at = DateTimeField()
    received_at = DateTimeField(default=utcnow)
    applied_at = DateTimeField(null=True, index=True)
    # pending | cancelled | already | mismatch | locked (too many wrong digits for the code) |
    # not_this_kiosk (sent ahead of its sign-up by another site's kiosk) | expired (never applied)
    outcome = CharField(default="pending", max_length=16)

    class Meta:
        indexes = ((("ref_code", "outcome"), False),)    # wrong digits per code (kiosk.hub.intake.cancellations)
