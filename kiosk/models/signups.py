"""Sign-ups on the kiosk, the outbox that carries them to the hub, and statuses the hub sent back.

A sign-up and its outbox entry are written in one local transaction (kiosk.site.sync.outbox.enqueue).
Personal fields are set to NULL once the hub has acknowledged the record and the retention time
has passed (kiosk.site.sync.outbox.purge_personal_data). What a sign-up's kind, status, reason
and personal fields may be is the contract's (kiosk.sync.contract).
"""
from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField
from playhouse.hybrid import hybrid_property

from ..sync.contract import PERSON_FIELDS
from .base import BaseModel
from .catalog import utcnow


class PartyFields(BaseModel):
    """How many people a session sign-up is for; all of them count against the capacity.
    (A base only: it has no table of its own.)"""
    adults = IntegerField(default=1)
    children = IntegerField(default=0)

    @hybrid_property
    def party_size(self):
        """Everyone the sign-up is for: on a row, a number; on the model (Signup.party_size,
        HubSignup.party_size), the same sum in SQL, for the seats a query counts."""
        return (self.adults or 0) + (self.children or 0)

    @party_size.expression
    def party_size(cls):
        return cls.adults + cls.children


class PersonFields(BaseModel):
    """The personal fields of a sign-up, shared by the kiosk's and the hub's tables: those of
    the contract (kiosk.sync.contract.PERSON_FIELDS), with its lengths. (A base only: it has no
    table of its own.)"""
    name = TextField(null=True)
    name_kana = TextField(null=True)
    phone = CharField(null=True, max_length=PERSON_FIELDS["phone"])
    email = CharField(null=True, max_length=PERSON_FIELDS["email"])
    age_band = CharField(null=True, max_length=PERSON_FIELDS["age_band"])
    preferred_language = CharField(null=True, max_length=PERSON_FIELDS["preferred_language"])
    preferred_time = CharField(null=True, max_length=PERSON_FIELDS["preferred_time"])
    note = TextField(null=True)


class Signup(PersonFields, PartyFields):
    """A visitor's sign-up as recorded on this kiosk."""
    id = CharField(primary_key=True, max_length=36)     # UUID made here: the global identity
    ref_code = CharField(unique=True, max_length=16)
    kind = CharField(max_length=16)
    service_slug = CharField(max_length=96)
    event_uid = CharField(null=True, max_length=36, index=True)
    language = CharField(max_length=16)
    created_at = DateTimeField(default=utcnow)           # kiosk clock, UTC
    acked_at = DateTimeField(null=True, index=True)      # hub acknowledged (kiosk clock)
    purged_at = DateTimeField(null=True)
    # The one-time id of the form that made it: the same form posted again finds this sign-up.
    submission_id = CharField(null=True, unique=True, max_length=36)
    # Personal data (PersonFields): NULL after acknowledgement + retention.
    # Its status is not here but in SignupStatus, the one status a kiosk keeps for any sign-up
    # (kiosk.site.sync.statuses); these read it.

    @property
    def status(self):
        row = SignupStatus.get_or_none(SignupStatus.record_id == self.id)
        return row.status if row else "provisional"

    @property
    def status_reason(self):
        row = SignupStatus.get_or_none(SignupStatus.record_id == self.id)
        return row.reason if row else ""


class Outbox(BaseModel):
    """Records waiting for the hub's acknowledgement, in the order they were made."""
    seq = AutoField()                                    # monotonic: the sending order
    record_id = CharField(unique=True, max_length=36)
    kind = CharField(max_length=16)
    payload = TextField()                                # JSON, exactly as it will be sent
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    last_error = CharField(default="", max_length=255)
    # Set aside after the hub failed on it alone several times: no longer blocks the queue,
    # shown on the host screen and the hub's fleet view, retried now and then.
    held_at = DateTimeField(null=True)


class SignupStatus(BaseModel):
    """Statuses of every kiosk's sign-ups, pulled from the hub (no personal data), for look-up.
    Sign-ups of this site (taken here, or for its sessions) come with their reference code;
    other sites' with only a hash of it (kiosk.sync.protocol.ref_lookup_hash) and an empty code."""
    record_id = CharField(primary_key=True, max_length=36)
    ref_code = CharField(index=True, max_length=16)
    ref_hash = CharField(default="", index=True, max_length=64)
    event_uid = CharField(null=True, max_length=36)
    service_slug = CharField(max_length=96)
    status = CharField(max_length=16)
    reason = CharField(default="", max_length=64)
    # Where the ward's desk has got with it (kiosk.models.desk.DESK_STATES): "called back"...
    desk_state = CharField(default="", max_length=16)
    updated_at = DateTimeField(default=utcnow)


class Cancellation(BaseModel):
    """A visitor's request, made at this kiosk, to cancel a sign-up (hers, proved by the last
    four digits of the phone number she gave). It travels to the hub through the outbox."""
    id = CharField(primary_key=True, max_length=36)
    ref_code = CharField(index=True, max_length=16)
    phone_last4 = CharField(max_length=4)
    outcome = CharField(default="sent", max_length=16)    # sent | mismatch (checked here)
    created_at = DateTimeField(default=utcnow)
    acked_at = DateTimeField(null=True)
