"""Unit tests: a recurring schedule that skips public holidays also skips the ward's year-end
closing (29 December to 3 January), when plazas, halls and offices are shut although only
1 January is a public holiday; a schedule that keeps holidays keeps those days too, and so does a
single date that staff set on purpose."""
import datetime

from kiosk.hub.catalog import schedules

CLOSED = {datetime.date(2026, 12, d) for d in (29, 30, 31)} | {datetime.date(2027, 1, d) for d in (1, 2, 3)}


def weekly_every_day(skip_holidays):
    """A rule with a session every day of the week, so every closing day would be one."""
    return {"freq": "WEEKLY", "interval": 1, "byday": "MO,TU,WE,TH,FR,SA,SU", "bymonthday": "",
            "opens_at": "10:00", "closes_at": "12:00", "valid_from": datetime.date(2026, 12, 1),
            "valid_to": None, "capacity": 10, "skip_holidays": skip_holidays}


def test_no_session_from_29_december_to_3_january():
    days = set(schedules.dates(weekly_every_day(True), datetime.date(2026, 12, 20), datetime.date(2027, 1, 10)))
    assert days & CLOSED == set()
    # The days around the closing are still held.
    assert {datetime.date(2026, 12, 28), datetime.date(2027, 1, 4)} <= days


def test_a_weekly_tuesday_rule_skips_the_tuesday_in_the_closing():
    rule = dict(weekly_every_day(True), byday="TU")
    days = schedules.dates(rule, datetime.date(2026, 12, 1), datetime.date(2027, 1, 31))
    assert datetime.date(2026, 12, 29) not in days          # a Tuesday inside the closing
    assert datetime.date(2026, 12, 22) in days and datetime.date(2027, 1, 5) in days


def test_a_schedule_that_keeps_holidays_keeps_the_year_end_too():
    days = set(schedules.dates(weekly_every_day(False), datetime.date(2026, 12, 20), datetime.date(2027, 1, 10)))
    assert CLOSED <= days


def test_a_single_date_in_the_closing_is_kept_as_set():
    once = dict(weekly_every_day(True), freq="", byday="", valid_from=datetime.date(2026, 12, 30))
    assert schedules.dates(once, datetime.date(2026, 12, 1), datetime.date(2027, 1, 31)) == [datetime.date(2026, 12, 30)]


def test_the_closing_days():
    assert all(schedules.is_year_end(d) for d in CLOSED)
    assert not any(schedules.is_year_end(d) for d in (datetime.date(2026, 12, 28), datetime.date(2027, 1, 4)))


def test_a_demo_single_date_that_lands_in_the_closing_moves_past_it():
    from kiosk.demo.loader import schedule_row
    rule = {"site": "ward-office", "freq": "", "in_days": 12, "opens_at": "10:00", "closes_at": "16:00"}
    row = schedule_row("demo", 0, rule, datetime.date(2026, 12, 20), None, None)
    assert row["valid_from"] == datetime.date(2027, 1, 4)
    row = schedule_row("demo", 0, dict(rule, in_days=5), datetime.date(2026, 12, 20), None, None)
    assert row["valid_from"] == datetime.date(2026, 12, 25)
