"""The ward's desk on the hub: the history of each request, the audit trail, security events
and failed logins. All of it in the hub database, so every hub process sees the same."""
from peewee import CharField, DateTimeField, IntegerField, TextField

from .base import BaseModel
from .catalog import utcnow

# The states a desk moves a request through are the contract's (kiosk.sync.contract.DESK_STATES):
# the feed carries them to the kiosks.


class RequestHistory(BaseModel):
    """Every change a desk made to a request: who, when, from which state to which."""
    signup_id = CharField(index=True, max_length=36)
    staff_id = IntegerField(null=True)
    staff_name = CharField(default="", max_length=64)
    action = CharField(max_length=32)
    from_state = CharField(default="", max_length=16)
    to_state = CharField(default="", max_length=16)
    note = TextField(default="")
    at = DateTimeField(default=utcnow)


class AuditLog(BaseModel):
    """Every staff action on a person's record or a kiosk, and every view of personal details."""
    at = DateTimeField(default=utcnow, index=True)
    staff_id = IntegerField(null=True)
    staff_name = CharField(default="", max_length=64)
    action = CharField(max_length=32)
    target = CharField(default="", max_length=96)
    detail = TextField(default="")


class SecurityEvent(BaseModel):
    """A refused kiosk request (bad signature, replay, expired, revoked, unknown device), or a
    record a kiosk may not send (wrong site, a cancellation's digits that do not match...).
    Never personal data: the device id, the reason, the path and the address only. Repeats of
    one reason from one address within a minute add to ``count`` (kiosk.hub.intake.auth.security_event),
    so a flood is one row, not a screen of them."""
    at = DateTimeField(default=utcnow, index=True)
    device_id = CharField(default="", max_length=64)
    reason = CharField(max_length=32)
    path = CharField(default="", max_length=128)
    address = CharField(default="", max_length=64)
    count = IntegerField(default=1)


class LoginFailure(BaseModel):
    """A failed staff login, by user name and by address (throttling that every process sees).
    Written before the password is checked, in the step that checks the lockout, and removed
    if the password was right (kiosk.hub.desk.staff_auth.claim_attempt); a right password also
    blanks the user name of the account's earlier failures, which still count for their address."""
    at = DateTimeField(default=utcnow, index=True)
    username = CharField(index=True, max_length=64)
    address = CharField(index=True, max_length=64)
