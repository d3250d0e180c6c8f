"""Undo that keeps later decisions, on PostgreSQL and SQLite: restoring an earlier version of a
service brings back its texts and rules, while the single dates staff cancelled or moved since
stay as they are, unless staff tick "also undo these date changes" on the history page."""
import datetime

import pytest

from kiosk import catalog_docs
from kiosk.hub.catalog import admin as catalog_admin
from kiosk.models import Event
from tests.integration.hub_helpers import editor_client as staff, demo_hub

TZ = "Asia/Tokyo"
SERVICE = "nihongo-kyoshitsu"   # two weekly rules


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with demo_hub(request.param, tmp_path, "editor", "editor-pass-123", tz=TZ) as app:
        yield app




def publish(c):
    r = c.post(f"/staff/catalog/service/{SERVICE}/publish")
    assert r.status_code == 303, r.get_data(as_text=True)
    return catalog_admin.history("service", SERVICE)[0].version


def restore(c, version, **form):
    r = c.post(f"/staff/catalog/service/{SERVICE}/restore/{version}", data=form)
    assert r.status_code == 303, r.get_data(as_text=True)
    return publish(c)


def add_rule(c):
    """Version 2: the service also meets every Saturday at the plaza; returns the new rule's uid."""
    before = {s["uid"] for s in catalog_docs.live_document("service", SERVICE)["schedules"]}
    r = c.post(f"/staff/catalog/service/{SERVICE}/schedules",
               data={"site": "plaza-nerima", "freq": "WEEKLY", "interval": "1", "byday": ["SA"],
                     "opens_at": "10:00", "closes_at": "12:00", "capacity": "20", "skip_holidays": "1"})
    assert r.status_code == 303, r.get_data(as_text=True)
    publish(c)
    (uid,) = {s["uid"] for s in catalog_docs.live_document("service", SERVICE)["schedules"]} - before
    return uid


def sessions_of(rule):
    return list(Event.select().where(Event.schedule_uid == rule).order_by(Event.starts_at))


def cancel(c, event, reason="weather"):
    r = c.post(f"/staff/catalog/sessions/{event.uid}", data={"action": "cancel", "reason": reason, "confirm": "1"})
    assert r.status_code == 303, r.get_data(as_text=True)


def move(c, event, days=1, reason="venue"):
    day = (event.starts_at + datetime.timedelta(hours=9) + datetime.timedelta(days=days)).date()
    r = c.post(f"/staff/catalog/sessions/{event.uid}",
               data={"action": "move", "date": day.isoformat(), "opens_at": "13:00", "closes_at": "15:00",
                     "reason": reason})
    assert r.status_code == 303, r.get_data(as_text=True)
    return Event.get(Event.uid == event.uid)


def test_restoring_an_older_then_the_newer_version_keeps_a_date_cancelled_in_between(hub):
    """The tester's steps: a rule added in version 2, one of its dates cancelled, version 1
    restored (the rule goes), then version 2 restored (the rule comes back)."""
    c = staff(hub)
    rule = add_rule(c)
    cancelled, moved = sessions_of(rule)[1], sessions_of(rule)[2]
    cancel(c, cancelled)
    moved = move(c, moved)
    restore(c, 1)
    assert rule not in {s["uid"] for s in catalog_docs.live_document("service", SERVICE)["schedules"]}
    restore(c, 2)
    assert rule in {s["uid"] for s in catalog_docs.live_document("service", SERVICE)["schedules"]}
    again = Event.get(Event.uid == cancelled.uid)
    assert again.cancelled and again.change_reason == "weather"
    still = Event.get(Event.uid == moved.uid)
    assert (still.starts_at, still.moved_from, still.cancelled) == (moved.starts_at, moved.moved_from, False)
    assert len(sessions_of(rule)) == len(Event.select().where(Event.schedule_uid == rule)) > 3


def test_restoring_can_also_undo_the_date_changes_made_since_that_version(hub):
    from kiosk.hub.intake import ingest
    from kiosk.models import HubSignup
    from tests.records import signup
    c = staff(hub)
    first_rule = catalog_docs.live_document("service", SERVICE)["schedules"][0]["uid"]
    older, booked, moved = sessions_of(first_rule)[1:4]
    cancel(c, older, reason="holiday")                  # before version 2
    rule = add_rule(c)                                  # version 2
    rec = signup(event=booked.uid, service=SERVICE)
    assert ingest.ingest("dev-x", [rec])[0]["result"] == "accepted"
    cancel(c, booked)
    moved = move(c, moved)
    added = sessions_of(rule)[1]
    cancel(c, added, reason="staff")
    page = c.get(f"/staff/catalog/service/{SERVICE}/history").get_data(as_text=True)
    assert page.count("Also undo these date changes") == 1   # only the row of version 1 has any
    assert "cancelled" in page and "moved (it was" in page and "The venue is not available" in page
    # Restored without the tick: every date change stays, and so does the rule's cancelled date.
    restore(c, 1)
    assert all(Event.get(Event.uid == e.uid).cancelled for e in (older, booked, added))
    assert Event.get(Event.uid == moved.uid).moved_from is not None
    page = c.get(f"/staff/catalog/service/{SERVICE}/history").get_data(as_text=True)
    assert page.count("Also undo these date changes") == 2   # the rows of versions 2 and 1
    # Version 2 again, undoing the date changes made since it: not the one made before it.
    r = c.post(f"/staff/catalog/service/{SERVICE}/restore/2", data={"undo_dates": "1"})
    assert r.status_code == 303
    assert "Publishing also undoes the dates cancelled or moved since the restored version: 3." in \
        c.get(r.headers["Location"]).get_data(as_text=True)
    publish(c)
    for e in (booked, added):
        again = Event.get(Event.uid == e.uid)
        assert not again.cancelled and again.change_reason == "" and again.seats_taken == 0
    back = Event.get(Event.uid == moved.uid)
    assert back.moved_from is None and back.starts_at == moved.moved_from and not back.cancelled
    assert back.ends_at - back.starts_at == datetime.timedelta(hours=2)   # the rule's own times
    assert Event.get(Event.uid == older.uid).cancelled
    # Its people were told it was cancelled: their sign-up stays cancelled.
    assert HubSignup.get(HubSignup.id == rec["id"]).status == "cancelled"
    assert catalog_admin.dates_since("service", SERVICE, catalog_admin.history("service", SERVICE))[1] == \
        [Event.get(Event.uid == older.uid)]
