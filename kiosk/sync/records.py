"""What travels between kiosk and hub, as types: the records a kiosk pushes (a sign-up, a host's
attendance tap, a visitor's cancellation, a day's counts of what was looked for), the hub's answer per record, and the feed a kiosk pulls
(an entry, and its data per kind).

Types only describe the JSON: nothing here builds or checks it at run time (protocol.validate_record
checks what arrives). kiosk/sync/openapi.json is the judge: tests/unit/test_records.py holds each
type's fields, and which of them are required, to the document's schema of the same name, and the
feed kinds to the document's enum and to both roles' registries (the hub's serializers in
kiosk.hub.intake.feed, the kiosk's appliers in kiosk.site.sync.feed_apply).
"""
from typing import Any, Literal, NotRequired, TypedDict, get_args

# --- Vocabularies as types (each the same words as the contract's tuple of the same meaning) ---

RecordKind = Literal["event", "volunteer", "callback"]                  # contract.RECORD_KINDS
HubStatus = Literal["confirmed", "waitlisted", "cancelled"]             # contract.HUB_STATUSES
AttendanceKind = Literal["open", "count", "checkin", "note", "close"]   # protocol.ATTENDANCE_KINDS
RecordResultKind = Literal["accepted", "duplicate", "rejected"]

# The catalog's documents travel as the hub's catalog editor writes them (kiosk.catalog_docs).
CatalogKind = Literal["organization", "site", "service"]
# Every kind of feed entry: the catalog's, a session, a sign-up's status, a hub-wide setting
# (meta) and a furigana correction (reading). Each role keeps a registry keyed by these.
FeedKind = Literal["organization", "site", "service", "event", "status", "meta", "reading"]
CATALOG_KINDS: tuple[CatalogKind, ...] = get_args(CatalogKind)
FEED_KINDS: tuple[FeedKind, ...] = get_args(FeedKind)


# --- What a kiosk pushes (POST /api/v1/records) ------------------------------------------------

class Person(TypedDict, total=False):
    """The personal fields of a sign-up (contract.PERSON_FIELDS): blanked after retention."""
    name: str
    name_kana: str
    phone: str
    email: str
    age_band: str
    preferred_language: str
    preferred_time: str
    note: str


class Party(TypedDict, total=False):
    """How many people come to a session (one adult when absent)."""
    adults: int
    children: int


class SignupRecord(TypedDict):
    """A visitor's sign-up for a session (``event`` its uid), volunteering or a call-back."""
    id: str
    type: Literal["signup"]
    kind: RecordKind
    ref_code: str
    service: str
    event: str | None
    language: str
    created_at: str
    person: Person
    party: NotRequired[Party]


class AttendanceRecord(TypedDict):
    """One host tap: a count, a check-in, a note, or opening or closing a session."""
    id: str
    type: Literal["attendance"]
    session: str
    service: str
    site: str
    date: str
    kind: AttendanceKind
    group: NotRequired[str | None]
    delta: NotRequired[int]
    ref: NotRequired[str | None]
    text: NotRequired[str | None]
    seq: int
    created_at: str


class CancelRecord(TypedDict):
    """A visitor's cancellation, proved by the last four digits of her phone number."""
    id: str
    type: Literal["cancel"]
    ref_code: str
    phone_last4: str
    created_at: str


class DemandCount(TypedDict):
    """One count of a kiosk's day: ``kind`` one of contract.DEMAND_KINDS."""
    kind: str
    language: str
    key: str
    n: int


class DemandRecord(TypedDict):
    """What a kiosk counted on one local day (counts, never people), sent once the day is over.
    Its id is made from the device and the day, so a resend is always a duplicate."""
    id: str
    type: Literal["demand"]
    day: str
    created_at: str
    counts: list[DemandCount]


Record = SignupRecord | AttendanceRecord | CancelRecord | DemandRecord


class RecordResult(TypedDict):
    """The hub's answer for one record; ``status`` and ``reason`` as kiosk/sync/openapi.json says."""
    id: str
    result: RecordResultKind
    status: NotRequired[str]
    reason: NotRequired[str]


# --- What a kiosk pulls (GET /api/v1/feed) ---------------------------------------------------

# A record's document (kiosk.catalog_docs.live_document), its Japanese texts' furigana in
# "readings" beside "text".
CatalogDocument = dict[str, Any]


class EventData(TypedDict):
    """A session: its times as ISO 8601 in UTC. change_reason and moved_from came with protocol
    version 2, so a kiosk reads them as optional."""
    uid: str
    service: str
    site: str
    starts_at: str
    ends_at: str
    capacity: int
    seats_taken: int
    cancelled: bool
    change_reason: NotRequired[str]
    moved_from: NotRequired[str | None]


class StatusData(TypedDict):
    """A sign-up's status. A kiosk that may not read the reference code gets "" and its
    ref_hash (protocol.ref_lookup_hash)."""
    id: str
    ref_code: str
    ref_hash: NotRequired[str]
    event: str | None
    service: str
    status: HubStatus
    reason: str
    desk_state: NotRequired[str]


class MetaData(TypedDict):
    """The hub-wide setting under the key protocol.DEMO_KEY: the catalog is sample data."""
    demo: bool


class ReadingData(TypedDict):
    """A staff correction of a word's furigana (the entry's key is the word)."""
    surface: str
    reading: str


FeedData = CatalogDocument | EventData | StatusData | MetaData | ReadingData


class FeedEntry(TypedDict):
    """One row's current state; ``data`` is None for a tombstone (and for a kind the kiosk's
    protocol version does not know)."""
    seq: int
    kind: FeedKind
    key: str
    deleted: bool
    data: FeedData | None


class FeedResponse(TypedDict):
    """A page of the feed and the cursor to ask from next."""
    entries: list[FeedEntry]
    cursor: int
