"""Unit tests: the preview of a changed recurring rule (kiosk.hub.catalog.rule_plan.preview)
lists the dates the change adds and removes and the dates whose time or place changes, over
the horizon it is given, read with the rules' own dates (Japan's holidays and the year-end
closing included)."""
import datetime

from kiosk.hub.catalog import schedules
from kiosk.hub.catalog.rule_plan import preview

START, END = datetime.date(2027, 3, 1), datetime.date(2027, 3, 31)
D = lambda day: datetime.date(2027, 3, day)   # noqa: E731


def tuesdays(**changes):
    """Every Tuesday 10:00-12:00 at the Nerima plaza from 1 March 2027 (March 2027's holidays,
    the equinox on Sunday 21 and its substitute on Monday 22, fall on neither weekday used here)."""
    rule = {"uid": "r1", "site": "plaza-nerima", "freq": "WEEKLY", "interval": 1, "byday": "TU",
            "bymonthday": "", "opens_at": "10:00", "closes_at": "12:00", "valid_from": "2027-03-01",
            "valid_to": None, "capacity": 12, "skip_holidays": True}
    rule.update(changes)
    return schedules.parsed(rule)


def test_a_time_change_keeps_every_date_and_retimes_them_all():
    p = preview(tuesdays(), tuesdays(opens_at="13:00", closes_at="15:00"), START, END)
    assert p == {"added": [], "removed": [], "relocated": [],
                 "retimed": [D(2), D(9), D(16), D(23), D(30)]}


def test_a_new_weekday_adds_and_removes_dates():
    p = preview(tuesdays(), tuesdays(byday="TH"), START, END)
    assert p["added"] == [D(4), D(11), D(18), D(25)]
    assert p["removed"] == [D(2), D(9), D(16), D(23), D(30)]
    assert p["retimed"] == [] and p["relocated"] == []


def test_a_second_weekday_with_a_new_time_adds_some_and_retimes_the_rest():
    p = preview(tuesdays(), tuesdays(byday="TU,TH", opens_at="10:30"), START, END)
    assert p["added"] == [D(4), D(11), D(18), D(25)] and p["removed"] == []
    assert p["retimed"] == [D(2), D(9), D(16), D(23), D(30)]


def test_the_same_time_written_with_seconds_is_no_change():
    assert preview(tuesdays(), tuesdays(opens_at="10:00:00"), START, END)["retimed"] == []


def test_an_earlier_last_date_removes_the_dates_after_it():
    p = preview(tuesdays(), tuesdays(valid_to="2027-03-15"), START, END)
    assert p == {"added": [], "removed": [D(16), D(23), D(30)], "retimed": [], "relocated": []}


def test_a_new_place_relocates_the_dates_it_keeps():
    p = preview(tuesdays(), tuesdays(site="plaza-oizumi"), START, END)
    assert p["relocated"] == [D(2), D(9), D(16), D(23), D(30)] and p["retimed"] == []


def test_fortnightly_counts_from_the_first_date():
    p = preview(tuesdays(), tuesdays(interval=2), START, END)
    assert p["removed"] == [D(9), D(23)] and p["added"] == []


def test_only_dates_within_the_horizon_count():
    p = preview(tuesdays(), tuesdays(byday="TH"), D(10), D(20))
    assert p["added"] == [D(11), D(18)] and p["removed"] == [D(16)]


def test_a_removed_rule_removes_every_date_and_a_new_one_adds_them():
    assert preview(tuesdays(), None, START, END) == {
        "added": [], "removed": [D(2), D(9), D(16), D(23), D(30)], "retimed": [], "relocated": []}
    assert preview(None, tuesdays(), START, END)["added"] == [D(2), D(9), D(16), D(23), D(30)]


def test_holidays_and_the_year_end_closing_are_never_added():
    start, end = datetime.date(2026, 12, 20), datetime.date(2027, 1, 20)
    old = tuesdays(byday="TU", valid_from="2026-12-01")
    new = tuesdays(byday="MO", valid_from="2026-12-01")
    p = preview(old, new, start, end)
    # Mondays: 21 and 28 December, 4 and 18 January; 11 January is Coming of Age Day.
    assert p["added"] == [datetime.date(2026, 12, 21), datetime.date(2026, 12, 28),
                          datetime.date(2027, 1, 4), datetime.date(2027, 1, 18)]
    # Tuesdays: 22 December, 5, 12 and 19 January (29 December is in the closing).
    assert p["removed"] == [datetime.date(2026, 12, 22), datetime.date(2027, 1, 5),
                            datetime.date(2027, 1, 12), datetime.date(2027, 1, 19)]
    kept = preview(old, dict(new, skip_holidays=False), start, end)["added"]
    assert datetime.date(2027, 1, 11) in kept
