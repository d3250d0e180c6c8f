"""Unit tests of kiosk.web.exports, the table behind every staff export: column specs turned into
typed rows (a wrong spec fails naming its column), the CSV cells and the workbook written from
those rows, the ward's wall clock and the zone's name in the staff member's language."""
import datetime
import io

import flask
import openpyxl
import pytest
from flask_babel import Babel, lazy_gettext

from kiosk.web import exports
from kiosk.web.exports import DATE, DATETIME, NUMBER, TIME, Column, Table

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)"]


class Record:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def columns():
    return [Column("Name", lambda r: r.name),
            Column("Count", lambda r: r.count, NUMBER),
            Column("Day", lambda r: r.day, DATE),
            Column("Starts", lambda r: r.starts, TIME),
            Column("Received", lambda r: r.received, DATETIME)]


def record(**changes):
    fields = dict(name="練馬 花子", count=2, day=datetime.date(2026, 11, 22), starts=datetime.time(10, 0),
                  received=datetime.datetime(2026, 11, 22, 16, 40))
    fields.update(changes)
    return Record(**fields)


def test_rows_are_typed_cells_in_column_order():
    (row,) = exports.rows(columns(), [record()])
    assert row == ["練馬 花子", 2, datetime.date(2026, 11, 22), datetime.time(10, 0), datetime.datetime(2026, 11, 22, 16, 40)]
    (empty,) = exports.rows(columns(), [record(name="", count=None, day=None, starts=None, received=None)])
    assert empty == [None] * 5
    (zero,) = exports.rows(columns(), [record(count=0)])
    assert zero[1] == 0                                    # a zero is a number, not an empty cell


def test_a_lazy_translation_becomes_its_text():
    app = flask.Flask("t")
    Babel(app, locale_selector=lambda: "en")
    with app.test_request_context("/"):
        (row,) = exports.rows([Column("State", lambda r: lazy_gettext("New"))], [None])
    assert row == ["New"] and type(row[0]) is str


@pytest.mark.parametrize("field, value", [
    ("count", "3"),                                                    # text in a number column
    ("count", True),
    ("day", datetime.datetime(2026, 11, 22, 10, 0)),                   # a moment in a date column
    ("starts", datetime.datetime(2026, 11, 22, 10, 0)),
    ("received", datetime.datetime(2026, 11, 22, 7, 40, tzinfo=datetime.timezone.utc)),   # not the ward's clock
    ("received", datetime.date(2026, 11, 22)),
])
def test_a_value_that_does_not_fit_its_column_fails_naming_it(field, value):
    header = {"count": "Count", "day": "Day", "starts": "Starts", "received": "Received"}[field]
    with pytest.raises(TypeError, match=f"column '{header}'"):
        list(exports.rows(columns(), [record(**{field: value})]))


def test_an_unknown_kind_of_column_fails_naming_it():
    with pytest.raises(ValueError, match="column 'Odd'"):
        list(exports.rows([Column("Odd", lambda r: 1, "percent")], [None]))


def test_csv_cells_write_dates_and_times_in_iso_order_and_keep_numbers():
    cols = columns()
    (row,) = exports.rows(cols, [record(count=-3)])
    assert exports.csv_cells(cols, row) == ["練馬 花子", -3, "2026-11-22", "10:00", "2026-11-22 16:40"]


def test_the_workbook_has_date_cells_numbers_and_text_that_is_never_a_formula():
    records = [record(name=f) for f in FORMULAS] + [record(count=None)]
    out = io.BytesIO()
    exports.write_xlsx(Table("Call-back requests", columns(), records), out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.worksheets[0]
    assert sheet.title == "Call-back requests"
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["Name", "Count", "Day", "Starts", "Received"]
    assert [row[0].value for row in rows[1:5]] == FORMULAS
    assert all(c.data_type != "f" for row in rows for c in row)
    name, count, day, starts, received = rows[1]
    assert count.value == 2 and count.data_type == "n"
    assert day.is_date and day.value == datetime.datetime(2026, 11, 22) and day.number_format == "yyyy-mm-dd"
    assert starts.is_date and starts.value == datetime.time(10, 0)
    assert received.is_date and received.value == datetime.datetime(2026, 11, 22, 16, 40)
    assert rows[5][1].value is None                          # an empty cell stays empty
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E6"


def test_sheet_titles_are_ones_excel_accepts():
    assert exports.sheet_title("A/B: [x]?") == "A B   x"
    assert len(exports.sheet_title("x" * 40)) == 31 and exports.sheet_title("") == "Sheet1"


@pytest.mark.parametrize("tz, lang, name, wall", [
    ("Asia/Tokyo", "ja", "日本時間", datetime.datetime(2026, 11, 22, 16, 40)),
    ("Asia/Tokyo", "en", "Japan Time", datetime.datetime(2026, 11, 22, 16, 40)),
    ("UTC", "en", "UTC", datetime.datetime(2026, 11, 22, 7, 40)),
])
def test_times_are_the_wards_wall_clock_and_the_zone_is_named(tz, lang, name, wall):
    app = flask.Flask("t")
    app.config["TIMEZONE"] = tz
    Babel(app, locale_selector=lambda: lang)
    with app.test_request_context("/"):
        assert exports.zone_name() == name
        assert exports.local(datetime.datetime(2026, 11, 22, 7, 40)) == wall
        assert exports.local(None) is None
