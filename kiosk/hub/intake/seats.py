"""Seats: the hub's capacity decision, in one place.

Sign-ups are decided in the order they arrive at the hub. A party (adults and children) is
confirmed while every one of its people fits in the seats left, otherwise it waits as a whole.
Capacity 0 means no sign-up limit. When seats are freed (a cancellation), the waiting list
moves up in arrival order, each party while it fits; a party that does not fit stops the line
(no one jumps the queue because their party is smaller). Who moves up is decided here; the
change of their status, like every other, is made by kiosk.hub.bookings.
"""
from collections.abc import Collection, Sequence

import peewee

from ...db import database, is_sqlite
from ...models import Event, HubSignup
from . import feed
from ...sync import protocol
from ...sync.records import HubStatus, SignupRecord

PARTY = HubSignup.party_size


def next_arrivals(n: int) -> list[int]:
    """``n`` increasing arrival numbers: from a sequence on PostgreSQL (hub processes draw them
    side by side), after the highest one on SQLite (one writer at a time)."""
    if n <= 0:
        return []
    if is_sqlite():
        last = HubSignup.select(peewee.fn.MAX(HubSignup.arrival)).scalar() or 0
        return list(range(last + 1, last + 1 + n))
    cursor = database.execute_sql("SELECT nextval('hub_arrival_seq') FROM generate_series(1, %s)", (n,))
    return sorted(row[0] for row in cursor.fetchall())


def seats_used(event_uid: str) -> int:
    """People in confirmed sign-ups of an event."""
    return (HubSignup.select(peewee.fn.COALESCE(peewee.fn.SUM(PARTY), 0))
            .where((HubSignup.event_uid == event_uid) & (HubSignup.status == "confirmed")).scalar())


def decide(event: Event | None, used: int, size: int) -> tuple[HubStatus, str]:
    """(status, reason) for a party of ``size`` arriving at ``event`` with ``used`` seats taken."""
    if event is None:
        return "cancelled", "unknown_event"
    if event.cancelled:
        return "cancelled", "event_cancelled"
    if event.capacity == 0 or used + size <= event.capacity:
        return "confirmed", ""
    return "waitlisted", "full"


class BatchSeats:
    """Per-batch view of the events a batch touches: one query in, counts kept as we decide."""

    def __init__(self, records: Sequence[SignupRecord]) -> None:
        uids = {r["event"] for r in records if r.get("kind") == "event" and r.get("event")}
        self.events: dict[str, Event] = (
            {e.uid: e for e in Event.select().where(Event.uid.in_(list(uids)))} if uids else {})
        self.used: dict[str, int] = dict.fromkeys(self.events, 0)
        if uids:
            rows = (HubSignup.select(HubSignup.event_uid, peewee.fn.SUM(PARTY))
                    .where(HubSignup.event_uid.in_(list(uids)) & (HubSignup.status == "confirmed"))
                    .group_by(HubSignup.event_uid).tuples())
            self.used.update({uid: n or 0 for uid, n in rows})
        self.touched: set[str] = set()

    def decide(self, record: SignupRecord) -> tuple[HubStatus, str]:
        """(status, reason) for a new sign-up record, by arrival order and capacity."""
        if record["kind"] != "event":
            return "confirmed", ""
        # An event sign-up names its session (protocol.validate_signup); "" is no session's uid,
        # so a missing one finds no event and no seats, as None would.
        uid = record["event"] or ""
        event = self.events.get(uid)
        size = sum(protocol.party_of(record))
        status, reason = decide(event, self.used.get(uid, 0), size)
        if status == "confirmed":
            # Confirmed only for a known session: ``uid`` is ``event.uid``.
            self.used[uid] += size
            self.touched.add(uid)
        return status, reason


def update_seats(event_uid: str, announce: bool = True) -> None:
    """Store an event's seats taken and (unless the caller does) tell the kiosks."""
    update_seats_of([event_uid])
    if announce:
        feed.append("event", event_uid)


def update_seats_of(event_uids: Collection[str]) -> None:
    """Store the seats taken of several events in one statement (a batch spread over a ward's
    sessions touches dozens; the caller tells the kiosks). Each is counted as seats_used counts
    it, in the database, by the statement itself."""
    if not event_uids:
        return
    confirmed = (HubSignup.select(peewee.fn.COALESCE(peewee.fn.SUM(PARTY), 0))
                 .where((HubSignup.event_uid == Event.uid) & (HubSignup.status == "confirmed")))
    Event.update(seats_taken=confirmed).where(Event.uid.in_(sorted(event_uids))).execute()


def waiting_that_fit(event_uid: str) -> list[HubSignup]:
    """The waiting sign-ups of a session that now fit, in arrival order: each party while it
    fits, and the first that does not stops the line. No one for a cancelled or unknown session.
    Moving them up is a change of status: kiosk.hub.bookings.promote."""
    event = Event.get_or_none(Event.uid == event_uid)
    if event is None or event.cancelled:
        return []
    used = seats_used(event_uid)
    waiting = (HubSignup.select().where((HubSignup.event_uid == event_uid) & (HubSignup.status == "waitlisted"))
               .order_by(HubSignup.arrival))
    fits: list[HubSignup] = []
    for nxt in waiting:
        if event.capacity and used + nxt.party_size > event.capacity:
            break
        fits.append(nxt)
        used += nxt.party_size
    return fits
