"""Device authentication for the sync API: every request signed, bound to its device, fresh,
and used once. A refused request stores nothing (its nonce included)."""
import datetime
import functools
import random
import re
import time

import peewee
from flask import g, jsonify, request

from .. import boundary
from ..db import database
from ..models import Device, SecurityEvent, SeenNonce
from ..models.catalog import utcnow
from ..sync import protocol


_NONCE_RE = re.compile(r"[0-9A-Za-z_-]{8,64}")
_DEVICE_RE = re.compile(r"[0-9a-f-]{36}")
_ERROR_KIND_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def refuse(status, error, **extra):
    response = jsonify({"error": error, **extra})
    response.status_code = status
    return response


def device_required(view):
    """Verify protocol version, device, revocation, timestamp window, signature, nonce."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        def deny(status, error, **extra):
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
        if not protocol.verify(device.secret, request.method, path, timestamp, nonce, body,
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
        if random.random() < 0.02:
            _forget_old_nonces()
        g.device = device
        return view(*args, **kwargs)
    return wrapper


def security_event(device_id, reason):
    """Log a refused kiosk request for staff: device id, reason, path, address; nothing else."""
    try:
        SecurityEvent.create(device_id=device_id[:64] if boundary.is_clean_text(device_id) else "?",
                             reason=reason[:32], path=request.path[:128], address=(request.remote_addr or "")[:64])
    except peewee.DatabaseError:
        pass    # the refusal itself matters more than its log line


def _reported_state(device):
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
    return update


def _forget_old_nonces():
    """Nonces older than twice the window can never be replayed successfully: drop them."""
    cutoff = utcnow() - datetime.timedelta(seconds=2 * protocol.TIMESTAMP_WINDOW_SECONDS)
    SeenNonce.delete().where(SeenNonce.seen_at < cutoff).execute()


def init_hub_time(bp):
    @bp.after_request
    def _hub_time(response):
        # Every answer tells the kiosk the hub's clock, refusals included.
        response.headers[protocol.H_HUB_TIME] = f"{time.time():.3f}"
        return response
