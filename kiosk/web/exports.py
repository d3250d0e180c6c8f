"""Staff exports as one table, written as CSV or as an Excel workbook from the same typed rows.

A table is a title, a list of columns and the records to read. Each column knows its header (in
the staff member's language), how to read its value from a record and what that value is: text,
a number, a date, a time of day or a date and time. Both files are written from ``rows``, so a CSV
and a workbook of the same export cannot disagree.

Times are the ward's wall clock (``local``), with the zone named in the header (``zone_name``):
an export read on the ward's desk must say what the screens say. A workbook has real date and
number cells (Excel sorts and sums them) and text written as text only, so a visitor's name that
starts with = is never a formula. The CSV keeps csvexport's rules (BOM, CRLF, apostrophe).
"""
import dataclasses
import datetime
import tempfile
from typing import Any, Callable, Iterable

import babel.dates
import xlsxwriter
from flask import current_app, send_file
from flask_babel import get_locale

from .. import clock
from . import csvexport

TEXT, NUMBER, DATE, TIME, DATETIME = "text", "number", "date", "time", "datetime"
FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How each kind of cell reads in the CSV and in the workbook (ISO order: no day/month doubt).
CSV_PATTERNS = {DATE: "%Y-%m-%d", TIME: "%H:%M", DATETIME: "%Y-%m-%d %H:%M"}
XLSX_PATTERNS = {DATE: "yyyy-mm-dd", TIME: "hh:mm", DATETIME: "yyyy-mm-dd hh:mm"}
# Zones whose CLDR name reads "Unknown Region (UTC) Time": say UTC instead.
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Universal", "Etc/Universal", "GMT", "Etc/GMT"}


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its header, how to read its cell from a record, and the kind of cell."""
    header: str
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: int = 16      # characters, in the workbook


@dataclasses.dataclass(frozen=True)
class Table:
    """An export: a sheet title, its columns and the records (read once, in order)."""
    title: str
    columns: list
    records: Iterable


def local(moment):
    """A stored (naive UTC) moment as the ward's wall clock reads it, naive: what a screen shows."""
    if moment is None:
        return None
    return clock.ward_time(moment, current_app.config["TIMEZONE"]).replace(tzinfo=None)


def zone_name():
    """The ward's time zone as a staff member names it ("日本時間", "Japan Time")."""
    tz = current_app.config["TIMEZONE"]
    if tz in _UTC_NAMES:
        return "UTC"
    return babel.dates.get_timezone_name(tz, "long", locale=get_locale())


def _typed(column, value):
    """``value`` checked against its column's kind: a mistake in a column spec fails here, naming
    the column, instead of writing a wrong cell."""
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == TEXT:
        return str(value)      # lazy translations become their text here
    ok = {NUMBER: isinstance(value, (int, float)) and not isinstance(value, bool),
          DATETIME: isinstance(value, datetime.datetime) and value.tzinfo is None,
          DATE: isinstance(value, datetime.date) and not isinstance(value, datetime.datetime),
          TIME: isinstance(value, datetime.time) and value.tzinfo is None}.get(kind)
    if ok is None:
        raise ValueError(f"column {column.header!r}: unknown kind {kind!r}")
    if not ok:
        raise TypeError(f"column {column.header!r} ({kind}): {value!r} is not a naive {kind}")
    return value


def rows(columns, records):
    """The typed cells of each record, a list per record, in column order (None: an empty cell)."""
    for record in records:
        yield [_typed(c, c.value(record)) for c in columns]


def csv_cells(columns, row):
    """A typed row as CSV cells: dates and times as ISO text, numbers and text as they are
    (csvexport neutralises text that starts like a formula)."""
    return [v.strftime(CSV_PATTERNS[c.kind]) if v is not None and c.kind in CSV_PATTERNS else v
            for c, v in zip(columns, row)]


def sheet_title(title):
    """A title Excel accepts for a sheet: no []:*?/\\, at most 31 characters, never empty."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip().strip("'")
    return clean[:31] or "Sheet1"


def write_xlsx(table, target):
    """The table as a workbook into ``target`` (a path or a binary file). constant_memory keeps
    one row in memory at a time; every text cell goes through write_string, so nothing is ever
    a formula or a link, whatever it starts with."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    try:
        sheet = book.add_worksheet(sheet_title(table.title))
        header = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        formats = {kind: book.add_format({"num_format": pattern}) for kind, pattern in XLSX_PATTERNS.items()}
        for i, column in enumerate(table.columns):
            sheet.set_column(i, i, column.width)
        sheet.freeze_panes(1, 0)
        for i, column in enumerate(table.columns):
            sheet.write_string(0, i, str(column.header), header)
        last = 0
        for last, row in enumerate(rows(table.columns, table.records), start=1):
            for i, (column, value) in enumerate(zip(table.columns, row)):
                if value is None:
                    continue
                if column.kind == TEXT:
                    sheet.write_string(last, i, value)
                elif column.kind == NUMBER:
                    sheet.write_number(last, i, value)
                else:
                    sheet.write_datetime(last, i, value, formats[column.kind])
        sheet.autofilter(0, 0, last, max(len(table.columns) - 1, 0))
    finally:
        book.close()


def response(table, filename, fmt):
    """The table as a download ``filename``.csv or .xlsx (ASCII name), never kept by a browser's
    cache (exports hold personal details). A CSV streams row by row; a workbook is written to a
    temporary file first (a zip cannot be streamed before it is finished), then sent from it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "csv":
        lines = (csv_cells(table.columns, row) for row in rows(table.columns, table.records))
        return csvexport.response(f"{filename}.csv", [str(c.header) for c in table.columns], lines)
    spool = tempfile.TemporaryFile()
    try:
        write_xlsx(table, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    answer = send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=f"{filename}.xlsx")
    answer.headers["Cache-Control"] = "no-store"
    return answer
