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
    return Device.update(revoked_at=utcnow()).where(
        (Device.device_id == device_id) & Device.revoked_at.is_null()).execute() == 1
