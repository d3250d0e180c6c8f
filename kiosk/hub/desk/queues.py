"""The desk's work queues: which requests a staff member may see, how they are searched and
filtered, and how a request moves from state to state (with its history and the audit trail).

Every list is one bounded query on an index (kind, desk_state, arrival); search uses a folded
copy of the searchable fields (NFKC, lower case, katakana as hiragana, phone digits) so that
full-width or kana input finds what was typed on any kiosk.

What a staff member may see is decided in one place, ``visible_to``: every staff query of
sign-ups, requests, sessions and refused records goes through it.
"""
import json
import re
import unicodedata

import jaconv
from peewee import JOIN, SQL, Select, Value, fn

from ...db import database
from ...models import AuditLog, Device, Event, HubSignup, RejectedRecord, RequestHistory, Service
from ...models.catalog import utcnow
from ...sync.contract import DESK_STATES, DONE_STATES
from ...web.per_request import note, noted

PAGE_SIZE = 50
COUNT_CAP = 2000
# Refused records are matched to programs by reading their payloads; a desk's list reads at
# most this many candidates (newest first), so a flood of refused records costs a bounded scan.
REFUSED_SCAN = 2000

# The moves a desk can make, per kind: action -> (states it may come from, state it goes to).
MOVES = {
    "callback": {"take": (("new", "unreachable"), "in_progress"),
                 "called_back": (("new", "in_progress", "unreachable"), "called_back"),
                 "unreachable": (("new", "in_progress", "unreachable"), "unreachable"),
                 "close": (("new", "in_progress", "called_back", "unreachable"), "closed"),
                 "reopen": (("closed", "called_back"), "in_progress")},
    "volunteer": {"contacted": (("new",), "contacted"),
                  "registered": (("new", "contacted"), "registered"),
                  "declined": (("new", "contacted"), "declined"),
                  "reopen": (("registered", "declined"), "contacted")},
}


def fold(text):
    """Text as search compares it: NFKC, lower case, katakana as hiragana, no spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"\s+", "", jaconv.kata2hira(text))


def search_text(person, ref_code):
    """What a request can be found by (stored with it at ingest)."""
    parts = [person.get("name"), person.get("name_kana"), person.get("email"), ref_code,
             re.sub(r"[^0-9]", "", person.get("phone") or "")]
    return " ".join(fold(p) for p in parts if p)


def desk_scope(user):
    """The programs (service slugs) ``user`` works for, or None for every program (admins)."""
    return None if user.is_admin else user.desk_slugs


def in_scope(user, service_slug):
    """True if ``user`` may see what was asked of the program ``service_slug``."""
    scope = desk_scope(user)
    return scope is None or service_slug in scope


def visible_to(user, query):
    """Limit a staff query to the programs ``user`` works for (admins see everything): the one
    filter every staff list of sign-ups and requests (HubSignup), sessions (Event) and records
    the hub refused (RejectedRecord) goes through, so no screen or export can forget it.

    Refused records carry their program only inside the payload a kiosk sent; here they are
    narrowed to those that name one of the user's programs, or name none (they may belong to
    one through their session), and ``refused_records`` reads each payload to decide exactly."""
    scope = desk_scope(user)
    if scope is None:
        return query
    slugs = scope or ["-"]
    if query.model is HubSignup:
        return query.where(HubSignup.service_slug.in_(slugs))
    if query.model is Event:
        return query.where(Event.service.in_(Service.select(Service.id).where(Service.slug.in_(slugs))))
    if query.model is RejectedRecord:
        # Payloads are json.dumps(record, ensure_ascii=True): a program is '"service": "<slug>"'.
        names = [RejectedRecord.payload.contains(f'"service": "{slug}"') for slug in slugs]
        unnamed = ~RejectedRecord.payload.contains('"service": "')
        condition = unnamed
        for name in names:
            condition = condition | name
        return query.where(condition)
    raise TypeError(f"no desk rule for {query.model.__name__}")


def refused_program(record, event_services):
    """The program a refused record (its payload, read) belongs to: its service, else the
    service of its session (``event_services``: {uid: slug}). None when it names neither, or a
    service and a session of another one: then only administrators see it."""
    service = record.get("service") if isinstance(record.get("service"), str) else None
    event = record.get("event") if isinstance(record.get("event"), str) else None
    of_event = event_services.get(event) if event else None
    if service and of_event and service != of_event:
        return None
    return service or of_event


def _read_payload(text):
    """A refused record's payload as a dict ({} when it is not a JSON object: the kiosk may
    have sent anything, and a long payload is kept cut short)."""
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def refused_records(user, limit=50):
    """The newest unresolved records the hub refused that ``user`` may see: every one for an
    administrator; for a desk, those whose payload belongs to one of its programs."""
    query = visible_to(user, RejectedRecord.select().where(RejectedRecord.resolved == False))  # noqa: E712
    query = query.order_by(RejectedRecord.id.desc())
    if desk_scope(user) is None:
        return list(query.limit(limit))
    shown, chunk = [], 200
    for offset in range(0, REFUSED_SCAN, chunk):
        rows = [(r, _read_payload(r.payload)) for r in query.offset(offset).limit(chunk)]
        uids = {p["event"][:36] for _r, p in rows if isinstance(p.get("event"), str)}
        event_services = dict(Event.select(Event.uid, Service.slug).join(Service)
                              .where(Event.uid.in_(list(uids))).tuples()) if uids else {}
        shown += [r for r, p in rows if in_scope(user, refused_program(p, event_services) or "")]
        if len(shown) >= limit or len(rows) < chunk:
            break
    return shown[:limit]


QUEUE_COLUMNS = (HubSignup.id, HubSignup.received_at, HubSignup.ref_code, HubSignup.name, HubSignup.preferred_language,
                 HubSignup.preferred_time, HubSignup.service_slug, HubSignup.desk_state, HubSignup.attempts)


def queue(user, kind, state="", language="", site="", desk="", q="", page=1):
    """(rows, total) of one page of a queue, newest first."""
    query = visible_to(user, HubSignup.select().where(HubSignup.kind == kind))
    if state in DESK_STATES.get(kind, ()):
        query = query.where(HubSignup.desk_state == state)
    if language:
        query = query.where(HubSignup.preferred_language == language)
    if desk:
        query = query.where(HubSignup.service_slug == desk)
    if site:
        query = query.where(HubSignup.device_id.in_(Device.select(Device.device_id).where(Device.site_slug == site)))
    needle = fold(q)
    if needle:
        # A phone number typed with any dashes (-, −, ー...) is searched by its digits.
        bare = re.sub(r"[-‐‑–—−ー()]", "", needle)
        query = query.where(HubSignup.search_text.contains(bare if bare.isdigit() else needle))
    # What the list shows of each row, with the site of the kiosk it came from (``site_slug``),
    # in the same query: plain rows, not a model each (fifty of those were a tenth of the page).
    rows = list(query.select(*QUEUE_COLUMNS, Device.site_slug)
                .join(Device, JOIN.LEFT_OUTER, on=(HubSignup.device_id == Device.device_id))
                .order_by(HubSignup.arrival.desc()).paginate(max(page, 1), PAGE_SIZE).namedtuples())
    # Counted only up to a bound: a count over a whole queue of 100,000 would cost more than
    # the page itself. Past it the screen says "more than N".
    total = query.select(HubSignup.id).limit(COUNT_CAP + 1).count()
    return rows, total


def new_counts(user):
    """{kind: n} of new requests for the staff home, each counted only up to COUNT_CAP + 1 on
    the index (kind, desk state, arrival): the home never counts a whole queue. One statement
    (a bounded count per kind, UNION ALL)."""
    counts = None
    for kind in MOVES:
        bounded = visible_to(user, HubSignup.select(HubSignup.id).where(
            (HubSignup.kind == kind) & (HubSignup.desk_state == "new"))).limit(COUNT_CAP + 1)
        count = Select([bounded.alias(f"new_{kind}")], [Value(kind), fn.COUNT(SQL("*"))])
        counts = count if counts is None else counts.union_all(count)
    return {kind: n for kind, n in database.execute(counts)}


def may_see(user, signup):
    """True if ``user`` may see (and act on) this sign-up or request (the rule of visible_to)."""
    return signup is not None and in_scope(user, signup.service_slug)


def move(user, signup, action, note=""):
    """Apply a desk move; returns the new state, or None if the move is not allowed from here.
    The update is conditional on the state it was read in, so two staff (or two hub
    processes) cannot both make a move from the same state."""
    moves = MOVES.get(signup.kind, {})
    if action not in moves:
        return None
    sources, target = moves[action]
    if signup.desk_state not in sources:
        return None
    changes = {HubSignup.desk_state: target, HubSignup.state_changed_at: utcnow()}
    if action in ("take", "contacted") or signup.owner_id is None:
        changes[HubSignup.owner_id] = user.id
    if action == "unreachable":
        changes[HubSignup.attempts] = HubSignup.attempts + 1
    from ..intake import feed
    from ..locks import write_lock
    with write_lock():
        won = (HubSignup.update(changes)
               .where((HubSignup.id == signup.id) & (HubSignup.desk_state == signup.desk_state)).execute())
        if won != 1:
            return None
        # The visitor's status pages (kiosks, phone) say what the desk did after one sync.
        feed.append("status", signup.id)
    RequestHistory.create(signup_id=signup.id, staff_id=user.id, staff_name=user.username, action=action,
                          from_state=signup.desk_state, to_state=target, note=note[:1000])
    audit(user, "request_" + action, signup.ref_code)
    return target


def history(signup_id):
    return list(RequestHistory.select().where(RequestHistory.signup_id == signup_id).order_by(RequestHistory.id))


def audit(user, action, target="", detail=""):
    """One line in the audit trail (who, what, when); never the personal details themselves."""
    AuditLog.create(staff_id=user.id if user else None, staff_name=user.username if user else "",
                    action=action[:32], target=str(target)[:96], detail=str(detail)[:2000])


def audit_view(user, action, target="", detail=""):
    """The audit line of a page or export that shows personal details: one per request, so the
    trail counts what people opened, however a page is put together."""
    if noted("_view_audited"):
        return
    note("_view_audited")
    audit(user, action, target, detail)


def is_done(signup):
    return signup.desk_state in DONE_STATES
