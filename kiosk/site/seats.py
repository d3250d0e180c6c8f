"""Seats as this kiosk knows them: the hub's count minus the people in this kiosk's own sign-ups
the hub has not answered yet. The hub decides; this is what a visitor is told meanwhile."""
from peewee import fn

from ..db import database, read
from ..models import Signup, SignupStatus
from ..web.per_request import once


def _provisional():
    return SignupStatus.select(SignupStatus.record_id).where(SignupStatus.status == "provisional")


def local_seats_left(event):
    """Seats left as this kiosk knows: the hub's count minus the people in our own sign-ups
    the hub has not answered yet (read now: a sign-up's "full" decision)."""
    ours = (Signup.select(fn.COALESCE(fn.SUM(Signup.party_size), 0))
            .where((Signup.event_uid == event.uid) & Signup.acked_at.is_null()
                   & Signup.id.in_(_provisional())).scalar())
    return max(event.capacity - event.seats_taken - ours, 0)


def provisional():
    """{event uid: people} in this kiosk's own sign-ups the hub has not answered yet, for every
    session, read once a request in one statement: pages that show seats are stored under it
    (kiosk.web.pagecache), and render from the same value."""
    return once("provisional_seats", _stored_provisional)


def _stored_provisional():
    p = database.param
    signup, status = Signup._meta.table_name, SignupStatus._meta.table_name
    rows = read(f'SELECT s."event_uid", SUM(s."adults" + s."children") FROM "{signup}" s '
                f'JOIN "{status}" st ON st."record_id" = s."id" '
                f'WHERE s."acked_at" IS NULL AND s."event_uid" IS NOT NULL AND st."status" = {p} '
                f'GROUP BY s."event_uid"', ("provisional",))
    return {uid: int(n or 0) for uid, n in rows}


def provisional_key():
    """provisional() as part of a stored page's key."""
    return tuple(sorted(provisional().items()))


def local_seats_left_many(events):
    """{event uid: seats left} for several sessions (the service page, the week's sessions)."""
    ours = provisional()
    return {e.uid: max(e.capacity - e.seats_taken - ours.get(e.uid, 0), 0) for e in events if e.capacity}
