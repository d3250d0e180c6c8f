"""The one boundary every value crosses before it can reach a database, on both roles.

Text from a form, a URL or a sync record; integers; times; JSON shapes. Each check answers with
a short machine-readable reason (the sync protocol sends it back as a record's `rejected`
reason; the web layer turns it into a translated message). Nothing here imports Flask.

Why each limit:
- C0/C1 control characters (other than tab and newline) and lone surrogates: PostgreSQL refuses
  NUL in text and any invalid UTF-8, so one such value used to fail a whole batch.
- Integers: PostgreSQL's `integer` is 32-bit and SQLite's is 64-bit; Python's are unbounded.
- Times: fromisoformat accepts years 1 to 9999, where converting an offset overflows.
- JSON depth: Python's parser and encoder recurse; a record nested a thousand deep raised
  RecursionError where a ValueError was expected.
"""
import datetime
import math
import re
import unicodedata

INT32 = (-(2 ** 31), 2 ** 31 - 1)
INT64 = (-(2 ** 63), 2 ** 63 - 1)
# Times a record may carry: a kiosk's clock can be wrong by years, never by centuries.
TIME_MIN = datetime.datetime(2000, 1, 1)
TIME_MAX = datetime.datetime(2100, 1, 1)
MAX_JSON_DEPTH = 16

# C0 except tab and newline (carriage returns are folded into newlines first), DEL, C1,
# and the UTF-16 surrogate range (only ever "lone" in a Python str).
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class Refused(ValueError):
    """A value that must not cross the boundary; ``reason`` is machine-readable."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def text_problem(value):
    """None if ``value`` may be stored, else "control_character" or "surrogate"."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    return "surrogate" if "\ud800" <= match.group() <= "\udfff" else "control_character"


def clean_text(value, nfkc=False, multiline=False):
    """The text as it may be stored: CRLF folded to LF, NFKC if asked, single-line unless
    ``multiline``; raises Refused for control characters and lone surrogates."""
    if not isinstance(value, str):
        raise Refused("not_text")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline and "\n" in value:
        raise Refused("control_character")
    problem = text_problem(value)
    if problem:
        raise Refused(problem)
    if nfkc:
        value = unicodedata.normalize("NFKC", value)
    return value


def strip_forbidden(value):
    """The text without the characters that may not be stored (to show a refused value again)."""
    return _FORBIDDEN.sub("", value.replace("\r\n", "\n")) if isinstance(value, str) else ""


def is_clean_text(value):
    return isinstance(value, str) and text_problem(value) is None


# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). A database
# stores them, but a published text that reverses what follows it can make a phone number or
# an address read as another on every kiosk, so text published in bulk (a catalog import)
# refuses them along with what text_problem refuses.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def published_text_problem(value):
    """None if ``value`` may be published (line breaks in any convention), else
    "control_character", "surrogate" or "bidi_control"."""
    if not isinstance(value, str):
        return "not_text"
    problem = text_problem(value.replace("\r\n", "\n").replace("\r", "\n"))
    return problem or ("bidi_control" if _BIDI_CONTROL.search(value) else None)


def int_in_range(value, bounds=INT64):
    """True for a real int (not a bool) within ``bounds`` (inclusive)."""
    return isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


def bounded_int(text, default, bounds=INT64):
    """An int parsed from a URL argument, or ``default`` when absent, not a number or out of range."""
    if text is None or not re.fullmatch(r"-?[0-9]{1,19}", text):
        return default
    value = int(text)
    return value if bounds[0] <= value <= bounds[1] else default


def finite_number(text):
    """A float parsed from text, or None for anything else (including nan and inf)."""
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]{1,12}(\.[0-9]{1,9})?", text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_time(value):
    """ISO 8601 (with or without offset) -> naive UTC datetime within [TIME_MIN, TIME_MAX),
    else None. Never raises."""
    if not isinstance(value, str) or len(value) > 40 or not value.isascii():
        return None
    try:
        dt = datetime.datetime.fromisoformat(value)
        if dt.tzinfo is not None:
            dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return dt if TIME_MIN <= dt < TIME_MAX else None


def parse_date(value):
    """A YYYY-MM-DD string that names a real date within the window, else None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if TIME_MIN.date() <= day < TIME_MAX.date() else None


def json_depth_exceeds(value, limit=MAX_JSON_DEPTH):
    """True if containers nest deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


# A JSON escape that can decode to a forbidden character: \u...., \b, \f, \r (\n, \t, \",
# \\ and \/ cannot). An escaped backslash before one of these letters also matches, which
# only costs the text-by-text check.
_RISKY_ESCAPE = re.compile(rb"\\[ubfr]")


def json_text_is_clean(raw):
    """True if no text decoded from this JSON document (UTF-8 bytes) can hold a character that
    may not be stored: none is in it as it is, and no escape could make one. Then json_problem
    may skip its per-text check (the hub's ingest reads a whole batch once instead)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _RISKY_ESCAPE.search(raw) is None and _FORBIDDEN.search(text) is None


def json_problem(value, limit=MAX_JSON_DEPTH, texts=True):
    """None if a decoded JSON value may be stored as it is, else a reason: too deep, a
    non-finite number, an out-of-range integer, or a bad text anywhere (keys included).
    ``texts=False`` skips the texts, for a value from a document json_text_is_clean passed."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return "too_deep"
            for key, child in item.items():
                if texts and not is_clean_text(key):
                    return "bad_text"
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > limit:
                return "too_deep"
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if texts and text_problem(item):
                return "bad_text"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "bad_number"
        elif isinstance(item, int) and not isinstance(item, bool):
            if not int_in_range(item):
                return "bad_number"
    return None
