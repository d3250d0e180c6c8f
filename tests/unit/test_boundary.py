"""kiosk.boundary and the redirect helper: each refuses what no database should get, and
never raises anything but its own Refused."""
import datetime
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import boundary
from kiosk.web.guard import local_path


@pytest.mark.parametrize("text, reason", [
    ("a\x00b", "control_character"), ("\x1b[31m", "control_character"), ("x\x7f", "control_character"),
    ("\x85", "control_character"), ("\ud800", "surrogate"), ("ok\udfff", "surrogate"),
])
def test_clean_text_refuses_controls_and_surrogates(text, reason):
    with pytest.raises(boundary.Refused) as info:
        boundary.clean_text(text, multiline=True)
    assert info.value.reason == reason


def test_clean_text_keeps_tabs_and_folds_line_ends():
    assert boundary.clean_text("a\tb\r\nc\rd", multiline=True) == "a\tb\nc\nd"
    with pytest.raises(boundary.Refused):
        boundary.clean_text("one\ntwo")            # single-line field
    assert boundary.clean_text("ＡＢＣ１２３", nfkc=True) == "ABC123"
    assert boundary.clean_text("練馬 ねりま Nerima 네리마") == "練馬 ねりま Nerima 네리마"


@given(st.text())
def test_clean_text_either_cleans_or_refuses(text):
    try:
        out = boundary.clean_text(text, multiline=True, nfkc=True)
    except boundary.Refused as exc:
        assert exc.reason in ("control_character", "surrogate")
        return
    assert boundary.text_problem(out) is None
    out.encode("utf-8")                         # what every database driver will do


@given(st.integers())
def test_int_in_range(value):
    assert boundary.int_in_range(value) == (-(2 ** 63) <= value < 2 ** 63)
    assert boundary.int_in_range(value, boundary.INT32) == (-(2 ** 31) <= value < 2 ** 31)


def test_booleans_are_not_integers():
    assert not boundary.int_in_range(True)


@given(st.text(max_size=30))
def test_bounded_int_never_raises(text):
    value = boundary.bounded_int(text, "default")
    assert value == "default" or boundary.int_in_range(value)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e400", "", "12a", "1" * 40])
def test_finite_number_refuses_non_numbers(text):
    assert boundary.finite_number(text) is None


def test_finite_number_takes_a_unix_time():
    assert boundary.finite_number("1795000000") == 1795000000.0
    assert boundary.finite_number("1795000000.25") == 1795000000.25


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00", "1999-12-31T23:59:59",
    "2100-01-01T00:00:00", "not a time", "２０２６-01-01T00:00:00", None, 5, "2026-13-01T00:00:00",
])
def test_parse_time_refuses_outside_the_window(value):
    assert boundary.parse_time(value) is None


def test_parse_time_converts_to_naive_utc():
    assert boundary.parse_time("2026-11-22T10:00:00+09:00") == datetime.datetime(2026, 11, 22, 1, 0)


@given(st.text(max_size=40))
def test_parse_time_never_raises(text):
    value = boundary.parse_time(text)
    assert value is None or boundary.TIME_MIN <= value < boundary.TIME_MAX


@pytest.mark.parametrize("value", ["2026-02-30", "٢٠٢٦-١١-٢٢", "2026-11-22\n", "0000-01-01"])
def test_parse_date_refuses_what_is_not_a_date(value):
    assert boundary.parse_date(value) is None


def nested(depth):
    value = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_json_depth_checked_without_recursion():
    assert boundary.json_problem(nested(100_000)) == "too_deep"    # recursion would overflow
    assert boundary.json_problem(nested(boundary.MAX_JSON_DEPTH)) is None
    assert boundary.json_depth_exceeds({"a": nested(20)}, 16)


@pytest.mark.parametrize("value, reason", [
    ({"a": math.nan}, "bad_number"), ([math.inf], "bad_number"), ({"a": 2 ** 64}, "bad_number"),
    ({"a\x00": 1}, "bad_text"), (["\ud800"], "bad_text"),
])
def test_json_problem_names_the_problem(value, reason):
    assert boundary.json_problem(value) == reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=30)


@given(json_values)
def test_a_value_without_problems_encodes_for_any_database(value):
    if boundary.json_problem(value) is None:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


@pytest.mark.parametrize("target", [
    "/\t/evil.example/", "/\n/x", "//evil.example", "/\\evil.example", "https://evil.example/",
    "javascript:alert(1)", "evil.example", " /ja/", "/ja/\x00", "", None, "/" + "a" * 3000,
    "\x01//evil.example",
])
def test_local_path_refuses_other_hosts_and_controls(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/ja/services?q=%E3%81%82&page=2", "/staff/kiosks", "/en/host/"])
def test_local_path_keeps_paths_on_this_site(target):
    assert local_path(target) == target


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_local_path_never_leaves_the_site(text):
    from urllib.parse import urlsplit
    target = local_path(text)
    if target is not None:
        parts = urlsplit(target)
        assert not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
        assert all(ch.isprintable() and not ch.isspace() and ch != "\\" for ch in target)
