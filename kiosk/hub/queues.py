"""The desk's work queues: which requests a staff member may see, how they are searched and
filtered, and how a request moves from state to state (with its history and the audit trail).

Every list is one bounded query on an index (kind, desk_state, arrival); search uses a folded
copy of the searchable fields (NFKC, lower case, katakana as hiragana, phone digits) so that
full-width or kana input finds what was typed on any kiosk.
"""
import re
import unicodedata

import jaconv
from peewee import fn

from ..models import AuditLog, Device, HubSignup, RequestHistory
from ..models.catalog import utcnow
from ..models.desk import DESK_STATES, DONE_STATES

PAGE_SIZE = 50
COUNT_CAP = 2000

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


def visible_to(user, query):
    """Limit a query on HubSignup to the desks ``user`` works for (admins see every desk)."""
    if user.is_admin:
        return query
    return query.where(HubSignup.service_slug.in_(user.desk_slugs or ["-"]))


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
    rows = list(query.order_by(HubSignup.arrival.desc()).paginate(max(page, 1), PAGE_SIZE))
    # Counted only up to a bound: a count over a whole queue of 100,000 would cost more than
    # the page itself. Past it the screen says "more than N".
    total = query.select(HubSignup.id).limit(COUNT_CAP + 1).count()
    return rows, total


def new_counts(user):
    """{kind: n} of new requests for the staff home, each counted only up to COUNT_CAP + 1 on
    the index (kind, desk state, arrival): the home never counts a whole queue."""
    out = {}
    for kind in MOVES:
        query = visible_to(user, HubSignup.select(HubSignup.id).where(
            (HubSignup.kind == kind) & (HubSignup.desk_state == "new")))
        out[kind] = query.limit(COUNT_CAP + 1).count()
    return out


def may_see(user, signup):
    return signup is not None and (user.is_admin or signup.service_slug in user.desk_slugs)


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
    won = (HubSignup.update(changes)
           .where((HubSignup.id == signup.id) & (HubSignup.desk_state == signup.desk_state)).execute())
    if won != 1:
        return None
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


def is_done(signup):
    return signup.desk_state in DONE_STATES
