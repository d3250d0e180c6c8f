"""Feed compaction: a kiosk's first sync and its database stay bounded as the ward's history
grows.

The feed is a log of "this row changed" entries, and a page always carries each row's current
state, so two kinds of entry can go without any kiosk missing anything it needs:

1. superseded entries: an entry with a later entry for the same row (a kiosk behind both still
   reaches the later one, which carries the same current state);
2. entries about sessions long over: the session's own entry and the statuses of its sign-ups,
   FEED_PAST_DAYS after it ended; and statuses of call-backs and volunteer registrations
   FEED_REQUEST_DAYS after they arrived. A new kiosk has no use for them; a visitor who asks
   about such a sign-up by reference code is answered by the hub's public status page, which
   looks it up in the hub's own tables (the phone page the QR code opens).

It runs outside requests, every HUB_COMPACTION_INTERVAL_SECONDS, under the write lock
(kiosk.hub.maintenance), and with `kiosk --role hub hub-retention`.
"""
import datetime

from ...models import Event, Feed, HubSignup
from ...models.catalog import utcnow


def compact(past_days: int, request_days: int, now: datetime.datetime | None = None) -> int:
    """Delete feed entries no kiosk needs; returns how many."""
    now = now or utcnow()
    removed = 0
    newer = Feed.alias("newer")
    superseded = (Feed.select(Feed.seq)
                  .join(newer, on=((newer.kind == Feed.kind) & (newer.key == Feed.key) & (newer.seq > Feed.seq))))
    # Materialised first: MySQL-style self-referencing deletes are refused by some engines.
    seqs = [s for (s,) in superseded.tuples()]
    for i in range(0, len(seqs), 5000):
        removed += Feed.delete().where(Feed.seq.in_(seqs[i:i + 5000])).execute()
    over = Event.select(Event.uid).where(Event.ends_at < now - datetime.timedelta(days=past_days))
    removed += Feed.delete().where((Feed.kind == "event") & Feed.key.in_(over)).execute()
    old_signups = HubSignup.select(HubSignup.id).where(HubSignup.event_uid.in_(over))
    removed += Feed.delete().where((Feed.kind == "status") & Feed.key.in_(old_signups)).execute()
    old_requests = HubSignup.select(HubSignup.id).where(
        HubSignup.event_uid.is_null() & (HubSignup.received_at < now - datetime.timedelta(days=request_days)))
    removed += Feed.delete().where((Feed.kind == "status") & Feed.key.in_(old_requests)).execute()
    return removed
