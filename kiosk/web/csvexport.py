"""The one CSV writer behind every staff export: files that Japanese Excel opens correctly and
that cannot carry a formula.

Excel reads UTF-8 only with a byte-order mark, and expects CRLF line ends. A cell that starts
with =, +, -, @, a tab or a carriage return may be run as a formula (CSV injection: a visitor's
name or a published service name is text anyone could have typed), so such a cell gets a
leading apostrophe, which Excel shows as plain text. Numbers are written as numbers: -3 is not
a formula. Rows are written one by one, so a large export stays small in memory.
"""
import csv
import io
import itertools

from flask import Response, stream_with_context

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value):
    """A cell as text Excel will not run: None is empty, numbers stay numbers, and text that
    starts like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def lines(header, rows):
    """The file piece by piece: the byte-order mark, then one CRLF-ended line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM
    for row in itertools.chain([header], rows):
        writer.writerow([neutralise(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def response(filename, header, rows):
    """A streamed CSV download named ``filename`` (ASCII), never kept by a browser's cache
    (exports hold personal details)."""
    body = Response(stream_with_context(lines(header, rows)), mimetype="text/csv")
    body.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    body.headers["Cache-Control"] = "no-store"
    return body
