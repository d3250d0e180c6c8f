"""Each language's date lines as its readers write them, checked letter for letter: Korean
"12월 8일 (화) 10:00~12:00" and "2026. 12. 8.", Chinese "12月8日（周二）10:00–12:00", Tagalog
weekdays always in full ("Martes", never "Mar", which reads as March), and a weekly schedule in
Tagalog that says "Tuwing Linggo" rather than "Linggo-linggo: Linggo"."""
import datetime
import re

import pytest

from tests.conftest import make_app

NNBSP = "\u202f"     # CLDR's narrow no-break space before AM/PM


class _Event:
    def __init__(self, starts_at, ends_at):
        self.starts_at, self.ends_at = starts_at, ends_at


# Stored in UTC: Tuesday 8 December 2026, 10:00–12:00 in Tokyo; Sunday 6 December, 14:30–16:00.
TUESDAY = _Event(datetime.datetime(2026, 12, 8, 1, 0), datetime.datetime(2026, 12, 8, 3, 0))
SUNDAY = _Event(datetime.datetime(2026, 12, 6, 5, 30), datetime.datetime(2026, 12, 6, 7, 0))

# lang: (when Tuesday, when Sunday, day heading Tuesday, day heading Sunday, short date-time Tuesday)
EXPECTED = {
    "ja": ("12月8日(火) · 10:00〜12:00", "12月6日(日) · 14:30〜16:00",
           "12月8日火曜日", "12月6日日曜日", "2026/12/8 10:00"),
    "ja-easy": ("12月8日(火) · 10:00〜12:00", "12月6日(日) · 14:30〜16:00",
                "12月8日火曜日", "12月6日日曜日", "2026/12/8 10:00"),
    "en": (f"Tue, Dec 8 · 10:00{NNBSP}AM–12:00{NNBSP}PM", f"Sun, Dec 6 · 2:30{NNBSP}PM–4:00{NNBSP}PM",
           "Tue, December 8", "Sun, December 6", f"12/8/2026 10:00{NNBSP}AM"),
    "zh": ("12月8日（周二）10:00–12:00", "12月6日（周日）14:30–16:00",
           "12月8日（星期二）", "12月6日（星期日）", "2026/12/8 10:00"),
    "ko": ("12월 8일 (화) 10:00~12:00", "12월 6일 (일) 14:30~16:00",
           "12월 8일 화요일", "12월 6일 일요일", "2026. 12. 8. 10:00"),
    "tl": (f"Martes, Dis 8 · 10:00{NNBSP}AM–12:00{NNBSP}PM", f"Linggo, Dis 6 · 2:30{NNBSP}PM–4:00{NNBSP}PM",
           "Martes, Disyembre 8", "Linggo, Disyembre 6", f"12/8/2026 10:00{NNBSP}AM"),
}


@pytest.fixture(scope="module")
def dates_app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("dates") / "kiosk.db")


@pytest.mark.parametrize("lang", EXPECTED)
def test_date_lines_read_as_each_language_writes_them(dates_app, lang):
    from kiosk.web import formatting
    with dates_app.test_request_context(f"/{lang}/"):
        dates_app.preprocess_request()
        got = (formatting.when(TUESDAY), formatting.when(SUNDAY),
               formatting.day_heading(TUESDAY.starts_at), formatting.day_heading(SUNDAY.starts_at),
               formatting.short_datetime(TUESDAY.starts_at))
    # Easy Japanese has furigana on by default: the formatter writes the readings itself.
    text = tuple(re.sub(r"<rp[^>]*>.*?</rp>|<rt[^>]*>.*?</rt>|<[^>]+>", "", str(g)) for g in got)
    assert text == EXPECTED[lang]
    if lang == "ja-easy":
        readings = [re.findall(r"<rt[^>]*>(.*?)</rt>", str(g)) for g in got[:4]]
        assert readings == [["じゅうにがつ", "ようか", "か"], ["じゅうにがつ", "むいか", "にち"],
                            ["じゅうにがつ", "ようか", "かようび"], ["じゅうにがつ", "むいか", "にちようび"]]
    else:
        assert "<ruby>" not in "".join(map(str, got))


@pytest.mark.parametrize("lang, byday, expected", [
    ("tl", "SU", "Tuwing Linggo 10:00–12:00"),
    ("tl", "TU,TH", "Tuwing Martes, Huwebes 10:00–12:00"),
    ("en", "SU", "Every week: Sunday 10:00–12:00"),
])
def test_a_weekly_schedule_reads_naturally(dates_app, lang, byday, expected):
    from kiosk.hub.catalog.views import describe
    rule = {"freq": "WEEKLY", "interval": 1, "byday": byday, "opens_at": "10:00", "closes_at": "12:00",
            "skip_holidays": False}
    with dates_app.test_request_context(f"/{lang}/"):
        dates_app.preprocess_request()
        assert describe(rule) == expected
