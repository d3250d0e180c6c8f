"""Kiosk fleet management on the hub: enrolment codes, revocation, the fleet overview."""
import datetime
import secrets

from ...models import Device, EnrollmentCode
from ...models.catalog import utcnow
from ...sync.contract import REF_ALPHABET
from .api import hash_code


def issue_code(site_slug: str = "", hours: int = 24) -> str:
    """A one-time enrolment code (shown once; only its hash is stored)."""
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(12))
    EnrollmentCode.create(code_hash=hash_code(raw), site_slug=site_slug,
                          expires_at=utcnow() + datetime.timedelta(hours=hours))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def revoke(device_id: str) -> bool:
    """Revoke a kiosk; False when it was unknown or already revoked (nothing changes)."""
    return Device.update(revoked_at=utcnow()).where(
        (Device.device_id == device_id) & Device.revoked_at.is_null()).execute() == 1


# A kiosk is in exactly one of these states, so the fleet screen and /healthz never show two
# that contradict each other ("syncing" beside "not synced for an hour", or either beside
# "revoked"). Order matters: revoked first, then never seen (it has no last sync to be stale),
# then silent for too long (what it last reported is old news), then failing as it reports.
FLEET_STATES = ("revoked", "never_seen", "stale", "failing", "syncing")


def fleet_state(device: Device, stale_before: datetime.datetime) -> str:
    """The one state of ``device`` on the fleet screen (see FLEET_STATES)."""
    if device.revoked_at is not None:
        return "revoked"
    if device.last_seen_at is None:
        return "never_seen"
    if device.last_seen_at < stale_before:
        return "stale"
    return "failing" if device.sync_error else "syncing"


def fleet_counts(stale_before: datetime.datetime) -> dict[str, int]:
    """{state: kiosks} of the states a monitor needs (/healthz), by the rules of fleet_state,
    counted in the database."""
    active = Device.select().where(Device.revoked_at.is_null())
    return {"active": active.count(),
            "never_seen": active.where(Device.last_seen_at.is_null()).count(),
            "stale": active.where(Device.last_seen_at < stale_before).count()}
