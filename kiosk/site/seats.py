"""Seats as this kiosk knows them: the hub's count minus the people in this kiosk's own sign-ups
the hub has not answered yet. The hub decides; this is what a visitor is told meanwhile."""
from peewee import fn

from ..models import Signup, SignupStatus


def _provisional():
    return SignupStatus.select(SignupStatus.record_id).where(SignupStatus.status == "provisional")


def local_seats_left(event):
    """Seats left as this kiosk knows: the hub's count minus the people in our own sign-ups
    the hub has not answered yet."""
    ours = (Signup.select(fn.COALESCE(fn.SUM(Signup.party_size), 0))
            .where((Signup.event_uid == event.uid) & Signup.acked_at.is_null()
                   & Signup.id.in_(_provisional())).scalar())
    return max(event.capacity - event.seats_taken - ours, 0)


def local_seats_left_many(events):
    """{event uid: seats left} for several sessions in one query (the service page)."""
    events = [e for e in events if e.capacity]
    if not events:
        return {}
    ours = dict(Signup.select(Signup.event_uid, fn.SUM(Signup.party_size))
                .where(Signup.event_uid.in_([e.uid for e in events]) & Signup.acked_at.is_null()
                       & Signup.id.in_(_provisional()))
                .group_by(Signup.event_uid).tuples())
    return {e.uid: max(e.capacity - e.seats_taken - (ours.get(e.uid) or 0), 0) for e in events}
