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


@pytest.mark.parametrize("locale_name", ["ja", "en", "zh_Hans", "ko", "fil", "ar", "de_CH"])
def test_the_quick_short_datetime_is_babels_text(locale_name):
    """short_datetime_formatter writes what Babel's format_datetime writes for the same pattern,
    at every hour of the day (AM and PM, midnight and noon) and any date."""
    import babel
    import babel.dates
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kiosk.web import formatting
    locale = babel.Locale.parse(locale_name)
    pattern = formatting._short_datetime_pattern(locale)
    quick = formatting.short_datetime_formatter(locale)

    @settings(max_examples=300, deadline=None)
    @given(st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31),
                        timezones=st.just(datetime.timezone(datetime.timedelta(hours=9)))))
    def same(dt):
        assert quick(dt) == babel.dates.format_datetime(dt, pattern, locale=locale)
    same()
