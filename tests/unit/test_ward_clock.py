"""Unit tests: the ward's calendar (kiosk.clock.ward_today, day_bounds, ward_time), the one
place that turns stored UTC times into the ward's days, and the party size a sign-up counts."""
import datetime
import uuid
import zoneinfo

import pytest
from peewee import SqliteDatabase, fn

from kiosk import clock
from kiosk.models import HubSignup, Signup

UTC = datetime.timezone.utc


def test_a_day_in_tokyo_starts_at_fifteen_hundred_utc_the_day_before():
    start, end = clock.day_bounds(datetime.date(2026, 12, 6), "Asia/Tokyo")
    assert (start, end) == (datetime.datetime(2026, 12, 5, 15), datetime.datetime(2026, 12, 6, 15))
    assert start.tzinfo is None and end.tzinfo is None        # naive UTC, as stored


def test_a_day_of_a_clock_change_is_as_long_as_it_is():
    start, end = clock.day_bounds(datetime.date(2026, 3, 8), "America/New_York")
    assert end - start == datetime.timedelta(hours=23)


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/New_York", "UTC"])
def test_a_moment_is_on_the_day_whose_bounds_hold_it(tz):
    day = datetime.date(2026, 3, 8)
    start, end = clock.day_bounds(day, tz)
    for minutes in range(-36 * 60, 36 * 60, 30):
        moment = datetime.datetime(2026, 3, 8, 12) + datetime.timedelta(minutes=minutes)
        assert (clock.ward_time(moment, tz).date() == day) == (start <= moment < end), moment


def test_ward_time_reads_a_stored_time_on_the_wards_wall_clock():
    local = clock.ward_time(datetime.datetime(2026, 12, 5, 15, 30), "Asia/Tokyo")
    assert local.replace(tzinfo=None) == datetime.datetime(2026, 12, 6, 0, 30)
    assert local.utcoffset() == datetime.timedelta(hours=9)


def test_today_in_the_ward_follows_the_machines_clock_offset():
    """CLOCK_OFFSET_SECONDS moves every "today" (a test can put a whole process weeks ahead)."""
    zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    try:
        for days in (0, 1, -3, 70):
            clock.set_offset(days * 86400)
            expected = (datetime.datetime.now(UTC) + datetime.timedelta(days=days)).astimezone(zone).date()
            assert clock.ward_today("Asia/Tokyo") == expected, days
    finally:
        clock.set_offset(0)


@pytest.mark.parametrize("model", [Signup, HubSignup])
def test_party_size_is_one_sum_on_a_row_and_in_sql(model):
    """One home for "adults + children": the property on a row, the same sum in a query."""
    assert model(adults=2, children=3).party_size == 5
    assert model(adults=1, children=None).party_size == 1
    db = SqliteDatabase(":memory:")
    with db.bind_ctx([model]):
        db.create_tables([model])
        for adults, children in ((1, 0), (2, 3), (4, 1)):
            model.insert(**_required(model), adults=adults, children=children).execute()
        assert model.select(model.party_size).where(model.adults == 2).scalar() == 5
        assert model.select(fn.SUM(model.party_size)).scalar() == 11


def _required(model):
    values = {"id": str(uuid.uuid4()), "ref_code": str(uuid.uuid4())[:9], "kind": "event",
              "service_slug": "s", "language": "ja"}
    if model is HubSignup:
        values.update(device_id="d", payload_hash="h", status="confirmed", arrival=hash(values["id"]) % 10**9,
                      kiosk_created_at=datetime.datetime(2026, 1, 1))
    return values
