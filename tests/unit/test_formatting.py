"""Dates and times read naturally in each language: 24-hour times in Korean (not "AM 10:00"),
Tagalog weekdays that cannot be read as months, no seconds or time-zone names."""
import datetime

import pytest

from tests.conftest import make_app


class _Event:
    starts_at = datetime.datetime(2026, 11, 24, 1, 0)    # Tuesday 10:00 in Tokyo
    ends_at = datetime.datetime(2026, 11, 24, 3, 0)


@pytest.fixture
def formatting_app(demo_db):
    return make_app(demo_db)


@pytest.mark.parametrize("lang, wanted, unwanted", [
    ("ko", "10:00", ["AM", "PM", "오전"]),
    ("tl", "Martes", ["Mar,", " Mar "]),
    ("ja", "10:00", ["AM"]),
    ("en", "10:00", [":00:00"]),
])
def test_session_times_read_naturally(formatting_app, lang, wanted, unwanted):
    from kiosk.web import formatting
    with formatting_app.test_request_context(f"/{lang}/"):
        formatting_app.preprocess_request()
        text = formatting.when(_Event())
        stamp = formatting.short_datetime(_Event.starts_at)
    assert wanted in text, text
    for bad in unwanted:
        assert bad not in text, text
    assert stamp.count(":") == 1 and "JST" not in stamp and "GMT" not in stamp, stamp
