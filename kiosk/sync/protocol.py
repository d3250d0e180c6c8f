"""The sync protocol both roles share: version, request signing, record schema.

Every request carries its protocol version, the device id, a timestamp (the kiosk's clock
corrected by the offset it learned from the hub), a single-use nonce and an HMAC-SHA256 over
method, path, timestamp, nonce and the body's SHA-256. See kiosk/sync/openapi.json.
"""
import datetime
import functools
import hashlib
import hmac
import importlib.metadata
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .. import boundary
# The record's vocabularies and patterns have their one home in the contract (read here).
from .contract import (DEMAND_COUNTS_MAX, DEMAND_KEY_MAX, DEMAND_KINDS, LAST4_RE, PERSON_FIELDS, RECORD_KINDS,
                       REF_RE, SEARCH_OUTCOMES, UUID_RE)

PROTOCOL_VERSION = 2
# The hub also accepts the previous version for one release, so kiosks can be upgraded one by
# one. 2 added feed kinds "meta" (the sample-catalog notice) and "reading" (furigana fixes), and
# event fields change_reason / moved_from; a version-1 kiosk gets those entries without data.
SUPPORTED_PROTOCOLS = (1, 2)
FEED_KINDS_SINCE = {"meta": 2, "reading": 2}
H_PROTOCOL = "X-Kiosk-Protocol"
H_DEVICE = "X-Kiosk-Device"
H_TIMESTAMP = "X-Kiosk-Timestamp"
H_NONCE = "X-Kiosk-Nonce"
H_SIGNATURE = "X-Kiosk-Signature"
H_PENDING = "X-Kiosk-Pending"
H_VERSION = "X-Kiosk-Version"                # the kiosk's software version, for the fleet view
H_HELD = "X-Kiosk-Held"                      # records the kiosk set aside as needing attention
H_SYNC_ERROR = "X-Kiosk-Sync-Error"          # why the kiosk's sync rounds fail, while they do
H_SYNC_ERROR_SINCE = "X-Kiosk-Sync-Error-Since"
# Host PIN lockouts on the kiosk in the last 24 hours, and seconds since the latest began
# ("3;754"; "0" for none): seconds ago rather than a time, so a kiosk's wrong clock cannot move it.
H_PIN_LOCKOUTS = "X-Kiosk-Pin-Lockouts"
H_HUB_TIME = "X-Hub-Time"
# The feed's "meta" entry (and the state key both roles keep it under): the catalog is the
# demo, so every visitor page says it is sample information.
DEMO_KEY = "catalog_is_demo"
TIMESTAMP_WINDOW_SECONDS = 300
MAX_BATCH = 500

# fullmatch everywhere: `$` alone also matches before a trailing newline.
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,95}")
_LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
MAX_PARTY = 20


def body_digest(body: bytes | None) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical(method: str, path: str, timestamp: str | int, nonce: str, body: bytes | None) -> bytes:
    return "\n".join([method.upper(), path, str(timestamp), nonce, body_digest(body)]).encode()


def sign(secret: str, method: str, path: str, timestamp: str | int, nonce: str, body: bytes | None) -> str:
    return hmac.new(secret.encode(), canonical(method, path, timestamp, nonce, body),
                    hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=1)
def software_version() -> str:
    try:
        return importlib.metadata.version("ward-kiosk")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def signed_headers(device_id: str, secret: str, method: str, path: str, body: bytes | None,
                   now_ts: float) -> dict[str, str]:
    """Headers for one request; ``now_ts`` is the kiosk's hub-corrected clock (unix seconds)."""
    nonce = uuid.uuid4().hex
    timestamp = str(int(now_ts))
    return {H_PROTOCOL: str(PROTOCOL_VERSION), H_VERSION: software_version(), H_DEVICE: device_id, H_TIMESTAMP: timestamp,
            H_NONCE: nonce, H_SIGNATURE: sign(secret, method, path, timestamp, nonce, body),
            "Content-Type": "application/json"}


def verify(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes | None,
           signature: str | None) -> bool:
    expected = sign(secret, method, path, timestamp, nonce, body)
    return hmac.compare_digest(expected, signature or "")


def payload_hash(record: Mapping[str, Any]) -> str:
    """Stable hash of a record: the same id with another hash is a conflict, never an update."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_REF_LOOKUP_LABEL = b"ward-kiosk reference code lookup v1\n"


def ref_lookup_hash(ref_code: str | None) -> str:
    """What the feed carries instead of another site's reference code: a kiosk finds the
    sign-up when a visitor types her code (it hashes what she typed), but cannot read codes off
    the feed to send cancellations for them. A lookup key, not a secret: the code space can be
    searched offline with enough hardware, so the hub's per-code attempt limit still guards
    every cancellation (kiosk.hub.intake.cancellations)."""
    return hashlib.sha256(_REF_LOOKUP_LABEL + (ref_code or "").encode()).hexdigest()


def parse_time(value: object) -> datetime.datetime | None:
    """ISO 8601 -> naive UTC datetime within the boundary's window (None otherwise)."""
    return boundary.parse_time(value)


def format_time(dt: datetime.datetime) -> str:
    return dt.replace(tzinfo=datetime.timezone.utc).isoformat()


def matches(pattern: re.Pattern[str], value: object) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def is_record_id(value: object) -> bool:
    return matches(UUID_RE, value)


ATTENDANCE_KINDS = ("open", "count", "checkin", "note", "close")
_GROUP_RE = re.compile(r"[a-z0-9_]{1,32}")
SEQ_RANGE = (1, boundary.INT32[1])     # the hub stores it in a 32-bit column


def validate_record(record: object, texts_checked: bool = False) -> str | None:
    """None if a record may be stored as it is, else a short machine-readable reason.

    Every field the hub stores is checked here against what its column can hold, so a record
    that passes cannot fail the write (kiosk.boundary says why each limit exists).
    ``texts_checked``: the request body passed boundary.json_text_is_clean as a whole."""
    if not isinstance(record, dict):
        return "not_an_object"
    if not is_record_id(record.get("id")):
        return "bad_id"
    problem = boundary.json_problem(record, texts=not texts_checked)
    if problem:
        return problem
    # The type may be anything a sender wrote (a list cannot be a key): only a string is looked up.
    record_type = record.get("type")
    validate = VALIDATORS.get(record_type) if isinstance(record_type, str) else None
    if validate is None:
        return "unknown_type"
    return validate(record)


def validate_signup(record: Mapping[str, Any]) -> str | None:
    """None if a sign-up is well formed, else a reason (every stored field checked)."""
    if record.get("kind") not in RECORD_KINDS:
        return "bad_kind"
    if not matches(REF_RE, record.get("ref_code")):
        return "bad_ref_code"
    if not matches(_SLUG_RE, record.get("service")):
        return "bad_service"
    event = record.get("event")
    if record["kind"] == "event":
        if not is_record_id(event):
            return "bad_event"
    elif event is not None:
        return "bad_event"
    if not matches(_LANG_RE, record.get("language")) or len(record["language"]) > 16:
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
    party = record.get("party")
    if party is not None:
        if record["kind"] != "event" or not isinstance(party, dict) or set(party) - {"adults", "children"}:
            return "bad_party"
        adults, children = party.get("adults", 1), party.get("children", 0)
        if not (boundary.int_in_range(adults, (1, MAX_PARTY)) and boundary.int_in_range(children, (0, MAX_PARTY))
                and adults + children <= MAX_PARTY):
            return "bad_party"
    return None


def party_of(record: Mapping[str, Any]) -> tuple[int, int]:
    """(adults, children) of a sign-up record (one adult when it does not say)."""
    party = record.get("party") or {}
    return party.get("adults", 1), party.get("children", 0)


def validate_cancel(record: Mapping[str, Any]) -> str | None:
    """None if a visitor's cancellation is well formed, else a reason."""
    if not matches(REF_RE, record.get("ref_code")):
        return "bad_ref_code"
    if not matches(LAST4_RE, record.get("phone_last4")):
        return "bad_phone_last4"
    if parse_time(record.get("created_at")) is None:
        return "bad_created_at"
    if set(record) - {"id", "type", "ref_code", "phone_last4", "created_at"}:
        return "unknown_field"
    return None


def validate_attendance(record: Mapping[str, Any]) -> str | None:
    """None if an attendance record is well formed, else a reason (every stored field checked)."""
    if record.get("kind") not in ATTENDANCE_KINDS:
        return "bad_kind"
    if not is_record_id(record.get("session")):
        return "bad_session"
    for key in ("service", "site"):
        if not matches(_SLUG_RE, record.get(key)) or len(record[key]) > 64 + 32 * (key == "service"):
            return f"bad_{key}"
    if boundary.parse_date(record.get("date")) is None:
        return "bad_date"
    if parse_time(record.get("created_at")) is None:
        return "bad_created_at"
    if not boundary.int_in_range(record.get("seq"), SEQ_RANGE):
        return "bad_seq"
    kind, delta = record["kind"], record.get("delta")
    if delta is not None and not (boundary.int_in_range(delta) and delta in (-1, 0, 1)):
        return "bad_delta"
    group, ref, text = record.get("group"), record.get("ref"), record.get("text")
    if group is not None and not matches(_GROUP_RE, group):
        return "bad_group"
    if ref is not None and not matches(REF_RE, ref):
        return "bad_ref"
    if text is not None and not (isinstance(text, str) and len(text) <= 2000):
        return "bad_text"
    if kind in ("count", "checkin"):
        if delta not in (1, -1):
            return "bad_delta"
        if kind == "count" and group is None:
            return "bad_group"
        if kind == "checkin" and ref is None:
            return "bad_ref"
    if kind == "note" and text is None:
        return "bad_text"
    return None


_DEMAND_COUNT_FIELDS = {"kind", "language", "key", "n"}
# What a search word may never hold, whatever the kiosk's scrubbing let through: a digit (a phone
# number, a date of birth, an address) or an e-mail address.
_UNSAFE_WORD_RE = re.compile(r"[0-9@\uff10-\uff19\uff20]")


def validate_demand(record: Mapping[str, Any]) -> str | None:
    """None if a kiosk's counts of a day are well formed, else a reason."""
    if set(record) - {"id", "type", "day", "created_at", "counts"}:
        return "unknown_field"
    if boundary.parse_date(record.get("day")) is None:
        return "bad_day"
    if parse_time(record.get("created_at")) is None:
        return "bad_created_at"
    counts = record.get("counts")
    if not isinstance(counts, list) or len(counts) > DEMAND_COUNTS_MAX:
        return "bad_counts"
    seen = set()
    for c in counts:
        if not isinstance(c, dict) or set(c) != _DEMAND_COUNT_FIELDS or c["kind"] not in DEMAND_KINDS:
            return "bad_count"
        key, language = c["key"], c["language"]
        if not matches(_LANG_RE, language) or len(language) > 16:
            return "bad_language"
        if not isinstance(key, str) or not key or len(key) > DEMAND_KEY_MAX or not boundary.is_clean_text(key):
            return "bad_key"
        if c["kind"] == "search" and key not in SEARCH_OUTCOMES:
            return "bad_key"
        if c["kind"] == "word" and _UNSAFE_WORD_RE.search(key):
            return "unsafe_word"
        if c["kind"] not in ("word", "search") and not matches(_SLUG_RE, key):
            return "bad_key"
        if not boundary.int_in_range(c["n"], (1, 1_000_000)):
            return "bad_n"
        if (c["kind"], language, key) in seen:
            return "repeated_count"
        seen.add((c["kind"], language, key))
    return None


# One validator per record type (records.Record: SignupRecord, AttendanceRecord, CancelRecord,
# DemandRecord).
VALIDATORS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "signup": validate_signup,
    "attendance": validate_attendance,
    "cancel": validate_cancel,
    "demand": validate_demand,
}
