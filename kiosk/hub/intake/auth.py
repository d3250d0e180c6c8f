"""Device authentication for the sync API: every request signed, bound to its device, fresh,
and used once. A refused request stores nothing (its nonce included) but a line in the security
log, and a flood of them makes one line with a count, not a screen of lines.

Signing keys are not kept in the hub's database: a device's key is HMAC-SHA256 of its id under
the hub's device key (DEVICE_KEY, or one derived from SECRET_KEY), a setting every hub process
shares and no database dump holds. Kiosks enrolled before keep the secret stored in their row
(legacy; re-enrolling one removes it)."""
import datetime
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import peewee
from flask import Blueprint, Response, current_app, g, has_request_context, jsonify, request
from flask.typing import ResponseReturnValue

from ... import boundary
from ...db import database
from ...models import Device, SecurityEvent, SeenNonce
from ...models.catalog import utcnow
from ...sync import protocol


_NONCE_RE = re.compile(r"[0-9A-Za-z_-]{8,64}")
_DEVICE_RE = re.compile(r"[0-9a-f-]{36}")
_ERROR_KIND_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def refuse(status: int, error: str, **extra: Any) -> Response:
    response = jsonify({"error": error, **extra})
    response.status_code = status
    return response


def device_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Verify protocol version, device, revocation, timestamp window, signature, nonce."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        def deny(status: int, error: str, **extra: Any) -> Response:
            security_event(request.headers.get(protocol.H_DEVICE, ""), error)
            return refuse(status, error, **extra)

        spoken = request.headers.get(protocol.H_PROTOCOL, "")
        if spoken not in {str(v) for v in protocol.SUPPORTED_PROTOCOLS}:
            return deny(400, "protocol_version", supported=list(protocol.SUPPORTED_PROTOCOLS),
                        message="This kiosk's software is too old (or too new) for this hub: "
                                "upgrade the kiosk to a version that speaks one of the supported protocols.")
        g.protocol = int(spoken)
        device_id = request.headers.get(protocol.H_DEVICE, "")
        device = Device.get_or_none(Device.device_id == device_id) if _DEVICE_RE.fullmatch(device_id) else None
        if device is None:
            return deny(401, "unknown_device")
        timestamp, nonce = request.headers.get(protocol.H_TIMESTAMP, ""), request.headers.get(protocol.H_NONCE, "")
        body = request.get_data(cache=True)
        path = request.full_path if request.query_string else request.path
        if not protocol.verify(signing_key(device), request.method, path, timestamp, nonce, body,
                               request.headers.get(protocol.H_SIGNATURE)):
            return deny(401, "bad_signature")
        if device.revoked_at is not None:
            return deny(403, "revoked")
        sent_at = boundary.finite_number(timestamp)    # "nan" and "inf" are not times
        if sent_at is None:
            return deny(401, "bad_timestamp")
        skew = sent_at - time.time()
        if abs(skew) > protocol.TIMESTAMP_WINDOW_SECONDS:
            return deny(401, "clock_skew", hub_time=time.time())
        if not _NONCE_RE.fullmatch(nonce):
            return deny(401, "bad_nonce")
        now = utcnow()
        update = {}
        if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 10:
            update = {Device.last_seen_at: now, Device.clock_skew_seconds: int(skew)}
        update.update(_reported_state(device))
        try:
            # One commit for the nonce and the fleet view (a commit is an fsync on the hub).
            with database.atomic():
                SeenNonce.create(device_id=device.device_id, nonce=nonce, seen_at=now)
                if update:
                    Device.update(update).where(Device.id == device.id).execute()
        except peewee.IntegrityError:
            return deny(401, "replay")
        g.device = device
        return view(*args, **kwargs)
    return wrapper


def device_key(device_id: str, config: Mapping[str, Any] | None = None) -> str:
    """The signing key of a device: derived from its id and the hub's device key, so the hub
    can check every signature without storing any key in its database."""
    config = config or current_app.config
    master = config.get("DEVICE_KEY") or hmac.new(str(config["SECRET_KEY"]).encode(),
                                                   b"ward-kiosk device keys v1", hashlib.sha256).hexdigest()
    return hmac.new(str(master).encode(), b"device:" + device_id.encode(), hashlib.sha256).hexdigest()


def signing_key(device: Device) -> str:
    """The key a device signs with: its stored secret if it was enrolled before keys were
    derived (legacy), else its derived key."""
    return device.secret or device_key(device.device_id)


REPEAT_SECONDS = 60     # repeats of one event within this time add to one row's count


def security_event(device_id: str, reason: str, by_device: bool = False, address: str | None = None,
                   count: int = 1) -> None:
    """Log a refused kiosk request (or a record a kiosk may not send) for staff: device id,
    reason, path, address; nothing else.

    Repeats of a reason from one address within a minute add to the count of the row they
    repeat (an UPDATE, not a new row), so 300 refused requests in two seconds are one line and
    real events stay on the screen. ``by_device``: the device is authenticated, so its id also
    tells events apart; a refused request's device id is whatever the sender wrote, so it does
    not (a flood with a new id each time is still one line). ``count``: events logged at once."""
    if address is None:
        address = request.remote_addr if has_request_context() else ""
    path = request.path[:128] if has_request_context() else ""
    device_id = device_id[:64] if boundary.is_clean_text(device_id) else "?"
    reason, address = reason[:32], (address or "")[:64]
    try:
        with database.atomic():      # a savepoint inside a batch: a failure here spoils nothing
            since = utcnow() - datetime.timedelta(seconds=REPEAT_SECONDS)
            same = ((SecurityEvent.reason == reason) & (SecurityEvent.address == address)
                    & (SecurityEvent.at >= since))
            if by_device:
                same &= SecurityEvent.device_id == device_id
            latest = SecurityEvent.select(peewee.fn.MAX(SecurityEvent.id)).where(same).scalar()
            if latest is None:
                SecurityEvent.create(device_id=device_id, reason=reason, path=path, address=address, count=count)
            else:
                SecurityEvent.update(count=SecurityEvent.count + count).where(SecurityEvent.id == latest).execute()
    except peewee.DatabaseError:
        pass    # the refusal itself matters more than its log line


def _reported_state(device: Device) -> dict[peewee.Field, Any]:
    """What the kiosk says of itself in its headers (backlog, held records, failing sync),
    as changes to its Device row. Malformed values are ignored, never stored."""
    update = {}
    for header, field in ((protocol.H_PENDING, Device.pending_reported),
                          (protocol.H_HELD, Device.held_reported)):
        value = boundary.bounded_int(request.headers.get(header), None, boundary.INT32)
        if value is not None and value >= 0 and value != getattr(device, field.name):
            update[field] = value
    version = request.headers.get(protocol.H_VERSION, "")
    if _ERROR_KIND_RE.fullmatch(version) and version != device.software_version:
        update[Device.software_version] = version[:32]
    spoken = g.get("protocol", protocol.PROTOCOL_VERSION)
    if device.protocol_version != spoken:
        update[Device.protocol_version] = spoken
    error = request.headers.get(protocol.H_SYNC_ERROR, "")
    if not _ERROR_KIND_RE.fullmatch(error):
        error = ""
    since = boundary.parse_time(request.headers.get(protocol.H_SYNC_ERROR_SINCE)) if error else None
    if error != (device.sync_error or "") or since != device.sync_error_since:
        update[Device.sync_error] = error
        update[Device.sync_error_since] = since
    update.update(_pin_lockouts(device))
    return update


_PIN_LOCKOUTS_RE = re.compile(r"([0-9]{1,6})(?:;([0-9]{1,9}))?")


def _pin_lockouts(device: Device) -> dict[peewee.Field, Any]:
    """Host PIN lockouts the kiosk reports ("count;seconds since the latest"), placed on the
    hub's clock; a malformed value is ignored. The time moves only when it differs by more than
    a minute, so network delays do not rewrite it on every request."""
    match = _PIN_LOCKOUTS_RE.fullmatch(request.headers.get(protocol.H_PIN_LOCKOUTS, ""))
    if match is None:
        return {}
    count = int(match.group(1))
    update = {Device.pin_lockouts: count} if count != device.pin_lockouts else {}
    if count and match.group(2):
        at = utcnow() - datetime.timedelta(seconds=int(match.group(2)))
        if device.pin_lockout_at is None or abs((at - device.pin_lockout_at).total_seconds()) > 60:
            update[Device.pin_lockout_at] = at
    return update


def init_hub_time(bp: Blueprint) -> None:
    @bp.after_request
    def _hub_time(response: Response) -> Response:
        # Every answer tells the kiosk the hub's clock, refusals included.
        response.headers[protocol.H_HUB_TIME] = f"{time.time():.3f}"
        return response
