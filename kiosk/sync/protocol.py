"""The sync protocol both roles share: version, request signing, record schema.

Every request carries its protocol version, the device id, a timestamp (the kiosk's clock
corrected by the offset it learned from the hub), a single-use nonce and an HMAC-SHA256 over
method, path, timestamp, nonce and the body's SHA-256. See kiosk/sync/openapi.json.
"""
import datetime
import hashlib
import hmac
import json
import re
import uuid

PROTOCOL_VERSION = 1
H_PROTOCOL = "X-Kiosk-Protocol"
H_DEVICE = "X-Kiosk-Device"
H_TIMESTAMP = "X-Kiosk-Timestamp"
H_NONCE = "X-Kiosk-Nonce"
H_SIGNATURE = "X-Kiosk-Signature"
H_PENDING = "X-Kiosk-Pending"
H_HUB_TIME = "X-Hub-Time"
TIMESTAMP_WINDOW_SECONDS = 300
MAX_BATCH = 200

RECORD_KINDS = ("event", "volunteer", "callback")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,95}$")
_REF_RE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
PERSON_FIELDS = {"name": 200, "name_kana": 200, "phone": 32, "email": 254, "age_band": 16,
                 "preferred_language": 16, "preferred_time": 16, "note": 1000}


def body_digest(body):
    return hashlib.sha256(body or b"").hexdigest()


def canonical(method, path, timestamp, nonce, body):
    return "\n".join([method.upper(), path, str(timestamp), nonce, body_digest(body)]).encode()


def sign(secret, method, path, timestamp, nonce, body):
    return hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body),
                    hashlib.sha256).hexdigest()


def signed_headers(device_id, secret, method, path, body, now_ts):
    """Headers for one request; ``now_ts`` is the kiosk's hub-corrected clock (unix seconds)."""
    nonce = uuid.uuid4().hex
    timestamp = str(int(now_ts))
    return {H_PROTOCOL: str(PROTOCOL_VERSION), H_DEVICE: device_id, H_TIMESTAMP: timestamp,
            H_NONCE: nonce, H_SIGNATURE: sign(secret, method, path, timestamp, nonce, body),
            "Content-Type": "application/json"}


def verify(secret, method, path, timestamp, nonce, body, signature):
    expected = sign(secret, method, path, timestamp, nonce, body)
    return hmac.compare_digest(expected, signature or "")


def payload_hash(record):
    """Stable hash of a record: the same id with another hash is a conflict, never an update."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_time(value):
    """ISO 8601 with offset -> naive UTC datetime (None if it does not parse)."""
    try:
        dt = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return dt


def format_time(dt):
    return dt.replace(tzinfo=datetime.timezone.utc).isoformat()


ATTENDANCE_KINDS = ("open", "count", "checkin", "note", "close")
_GROUP_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_record(record):
    """None if a record is well formed, else a short machine-readable reason."""
    if not isinstance(record, dict):
        return "not_an_object"
    if not isinstance(record.get("id"), str) or not _UUID_RE.match(record["id"]):
        return "bad_id"
    if record.get("type") == "attendance":
        return validate_attendance(record)
    if record.get("type") != "signup":
        return "unknown_type"
    if record.get("kind") not in RECORD_KINDS:
        return "bad_kind"
    if not isinstance(record.get("ref_code"), str) or not _REF_RE.match(record["ref_code"]):
        return "bad_ref_code"
    if not isinstance(record.get("service"), str) or not _SLUG_RE.match(record["service"]):
        return "bad_service"
    event = record.get("event")
    if record["kind"] == "event":
        if not isinstance(event, str) or not _UUID_RE.match(event):
            return "bad_event"
    elif event is not None:
        return "bad_event"
    if not isinstance(record.get("language"), str) or not 1 < len(record["language"]) <= 16:
        return "bad_language"
    if parse_time(record.get("created_at")) is None:
        return "bad_created_at"
    person = record.get("person")
    if not isinstance(person, dict):
        return "bad_person"
    for key, value in person.items():
        if key not in PERSON_FIELDS:
            return "unknown_person_field"
        if value is not None and (not isinstance(value, str) or len(value) > PERSON_FIELDS[key]):
            return "bad_person_field"
    if not (person.get("name") or "").strip():
        return "missing_name"
    if not (person.get("phone") or person.get("email")):
        return "missing_contact"
    return None


def validate_attendance(record):
    """None if an attendance record is well formed, else a reason."""
    if record.get("kind") not in ATTENDANCE_KINDS:
        return "bad_kind"
    if not isinstance(record.get("session"), str) or not _UUID_RE.match(record["session"]):
        return "bad_session"
    for key in ("service", "site"):
        if not isinstance(record.get(key), str) or not _SLUG_RE.match(record[key]):
            return f"bad_{key}"
    if not isinstance(record.get("date"), str) or not _DATE_RE.match(record["date"]):
        return "bad_date"
    if parse_time(record.get("created_at")) is None:
        return "bad_created_at"
    if not isinstance(record.get("seq"), int) or isinstance(record.get("seq"), bool):
        return "bad_seq"
    kind = record["kind"]
    if kind in ("count", "checkin"):
        if record.get("delta") not in (1, -1):
            return "bad_delta"
        if kind == "count" and not (isinstance(record.get("group"), str) and _GROUP_RE.match(record["group"])):
            return "bad_group"
        if kind == "checkin" and not (isinstance(record.get("ref"), str) and _REF_RE.match(record["ref"])):
            return "bad_ref"
    if kind == "note" and not (isinstance(record.get("text"), str) and len(record["text"]) <= 2000):
        return "bad_text"
    return None
