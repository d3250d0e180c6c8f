"""Near this kiosk first: the distance arithmetic, the walking estimate and the nearest-first orders."""
import datetime
import math

import pytest

from kiosk import nearby
from tests.conftest import make_app

R = nearby.EARTH_RADIUS_M
WARD_OFFICE = (35.7356, 139.6517)      # 練馬区役所 (demo catalog)
PLAZA_HIKARIGAOKA = (35.761, 139.6318)


def test_haversine_is_zero_on_the_spot_and_symmetric():
    assert nearby.haversine_m(*WARD_OFFICE, *WARD_OFFICE) == 0
    there = nearby.haversine_m(*WARD_OFFICE, *PLAZA_HIKARIGAOKA)
    back = nearby.haversine_m(*PLAZA_HIKARIGAOKA, *WARD_OFFICE)
    assert there == pytest.approx(back, abs=1e-6)


def test_haversine_on_known_arcs():
    one_degree = math.pi * R / 180                      # 111.2 km along a meridian or the equator
    assert nearby.haversine_m(35, 139, 36, 139) == pytest.approx(one_degree, abs=0.01)
    assert nearby.haversine_m(0, 0, 0, 1) == pytest.approx(one_degree, abs=0.01)
    # At 60° north a degree of longitude is half as long (short arcs follow the parallel).
    assert nearby.haversine_m(60, 10, 60, 10.001) == pytest.approx(one_degree / 1000 / 2, rel=1e-4)
    assert nearby.haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * R, abs=0.01)   # antipodes


def test_haversine_agrees_with_the_spherical_law_of_cosines():
    (la1, lo1), (la2, lo2) = [tuple(map(math.radians, p)) for p in (WARD_OFFICE, PLAZA_HIKARIGAOKA)]
    cosines = R * math.acos(math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1))
    assert nearby.haversine_m(*WARD_OFFICE, *PLAZA_HIKARIGAOKA) == pytest.approx(cosines, abs=0.5)
    assert 3200 < cosines < 3400


@pytest.mark.parametrize("here, there", [
    (None, WARD_OFFICE), (WARD_OFFICE, None), ((None, None), WARD_OFFICE), (WARD_OFFICE, (35.7, None)),
])
def test_no_distance_without_coordinates(here, there):
    assert nearby.distance_m(here, there) is None
    assert nearby.walk(nearby.distance_m(here, there)) is None


def test_walk_as_property_listings_count_it():
    # 692 m in a straight line is about 900 m of streets: 11.25 minutes at 80 m/min, said as 12.
    assert nearby.walk(900 / 1.3) == nearby.Walk(900, 12)
    assert nearby.walk(800 / 1.3).minutes == 10            # exactly ten minutes
    assert nearby.walk(801 / 1.3).minutes == 11            # any part of a minute is a minute
    assert nearby.walk(60) == nearby.Walk(100, 1)          # never "0 m" or "0 min" but at the site
    assert nearby.walk(1234 / 1.3) == nearby.Walk(1200, 16)


def test_the_kiosks_own_site_is_here():
    assert nearby.walk(0).here and nearby.walk(0) == nearby.Walk(0, 0)
    assert nearby.walk(49).here
    assert not nearby.walk(51).here


def test_too_far_to_walk_gives_the_distance_alone():
    assert nearby.walk(2400 / 1.3) == nearby.Walk(2400, 30)   # half an hour is still a walk
    assert nearby.walk(2401 / 1.3) == nearby.Walk(2400, None)
    assert nearby.walk(7000) == nearby.Walk(9100, None)
    assert nearby.walk(12_345 / 1.3).metres == 12_000        # whole kilometres from 10 km


def test_nearest_first_puts_unknown_last_and_keeps_ties_in_order():
    items = [("far", 5000), ("unknown-1", None), ("near", 300), ("tie-a", 1000), ("unknown-2", None),
             ("tie-b", 1000)]
    ordered = nearby.nearest_first(items, lambda i: i[1])
    assert [name for name, _ in ordered] == ["near", "tie-a", "tie-b", "far", "unknown-1", "unknown-2"]


def test_nothing_known_keeps_the_given_order():
    items = ["c", "a", "b"]
    assert nearby.nearest_first(items, lambda i: None) == items
    assert nearby.nearest_first_each_day(items, lambda i: 1, lambda i: None) == items


def test_each_day_keeps_its_place_and_puts_its_nearest_venue_first():
    d1, d2 = datetime.date(2026, 11, 24), datetime.date(2026, 11, 25)
    sessions = [(d1, "10:00", 9000), (d1, "13:30", 800), (d1, "15:00", None), (d2, "09:00", 4000),
                (d2, "10:00", 200)]
    ordered = nearby.nearest_first_each_day(sessions, lambda s: s[0], lambda s: s[2])
    assert ordered == [(d1, "13:30", 800), (d1, "10:00", 9000), (d1, "15:00", None), (d2, "10:00", 200),
                       (d2, "09:00", 4000)]


def test_a_card_leads_with_the_nearest_venue_soon_else_the_soonest():
    now = datetime.datetime(2026, 11, 24, 0, 0)
    soon = now + datetime.timedelta(days=28)
    far_tomorrow = ("far", now + datetime.timedelta(days=1), 7000)
    near_in_ten_days = ("near", now + datetime.timedelta(days=10), 900)
    near_in_two_months = ("near", now + datetime.timedelta(days=60), 900)
    unknown_today = ("unknown", now + datetime.timedelta(hours=2), None)

    def lead(*items):
        return nearby.lead(items, lambda i: i[1], lambda i: i[2], soon)

    assert lead(far_tomorrow, near_in_ten_days, unknown_today) == near_in_ten_days
    assert lead(far_tomorrow, near_in_two_months) == far_tomorrow       # the near one is too far off
    assert lead(near_in_two_months) == near_in_two_months               # nothing soon: the soonest
    assert lead(far_tomorrow, unknown_today) == far_tomorrow            # known distances before unknown
    assert nearby.lead([far_tomorrow, near_in_ten_days], lambda i: i[1], lambda i: None, soon) == far_tomorrow
    assert nearby.lead([], lambda i: i[1], lambda i: i[2], soon) is None


@pytest.fixture
def plain_app(tmp_path):
    return make_app(tmp_path / "kiosk.db")


@pytest.mark.parametrize("walk, text", [
    (nearby.Walk(900, 12), "About 12 min walk from here (900 m)"),
    (nearby.Walk(1300, 16), "About 16 min walk from here (1.3 km)"),
    (nearby.Walk(9800, None), "About 9.8 km from here"),
    (nearby.Walk(12_000, None), "About 12 km from here"),
    (nearby.Walk(0, 0), "Here, at this site"),
])
def test_walk_reads_as_a_sentence(plain_app, walk, text):
    from kiosk.web import formatting
    with plain_app.test_request_context("/en/"):
        plain_app.preprocess_request()
        assert formatting.walking(walk) == text
