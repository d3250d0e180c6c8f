"""What travels beside the catalog's records in the HSDS exchange, as pure functions: a cancelled or
moved date as an attribute's value and back, readings and the sample flag read from tables, and
a furigana correction as it may be stored."""
import json

import pytest

from kiosk.boundary import Refused
from kiosk.hub.catalog import admin, date_changes, hsds

MOVED = {"kind": "moved", "date": "2026-12-08", "reason": "venue",
         "starts_at": "2026-12-09T13:00+09:00", "ends_at": "2026-12-09T15:30+09:00"}
CANCELLED = {"kind": "cancelled", "date": "2026-12-15", "reason": "weather"}


def test_a_date_change_is_a_term_and_compact_json_and_reads_back_the_same():
    assert date_changes.encode(CANCELLED) == ("cancelled_date", '{"date":"2026-12-15","reason":"weather"}')
    code, value = date_changes.encode(MOVED)
    assert code == "moved_date" and " " not in value and json.loads(value)["starts_at"] == "2026-12-09T13:00+09:00"
    for change in (MOVED, CANCELLED):
        assert date_changes.decode(*date_changes.encode(change)) == change


def test_a_moved_date_reads_back_with_seconds_or_another_offset_as_the_same_moment():
    value = json.dumps({"date": "2026-12-08", "reason": "venue", "starts_at": "2026-12-09T04:00:00+00:00",
                        "ends_at": "2026-12-09T06:30:00+00:00"})
    change = date_changes.decode("moved_date", value)
    assert change["starts_at"] == "2026-12-09T04:00+00:00"
    assert date_changes._utc(change["starts_at"]) == date_changes._utc(MOVED["starts_at"])


@pytest.mark.parametrize("code, value", [
    ("cancelled_date", "not json"),
    ("cancelled_date", '{"reason": "weather"}'),                                   # no date
    ("cancelled_date", '{"date": "2026-02-30", "reason": "weather"}'),             # no such day
    ("cancelled_date", '{"date": "2026-12-15", "reason": "bored"}'),               # not a reason we have
    ("cancelled_date", '{"date": "2026-12-15", "reason": "schedule_changed"}'),    # the rule's, not staff's
    ("cancelled_date", '["2026-12-15"]'),
    ("moved_date", '{"date": "2026-12-08", "reason": "venue"}'),                   # moved where?
    ("moved_date", '{"date": "2026-12-08", "reason": "venue", "starts_at": "2026-12-09T13:00", '
                   '"ends_at": "2026-12-09T15:00"}'),                              # no offset: whose 13:00?
    ("moved_date", '{"date": "2026-12-08", "reason": "venue", "starts_at": "2026-12-09T15:00+09:00", '
                   '"ends_at": "2026-12-09T13:00+09:00"}'),                        # ends before it starts
    ("capacity", '{"date": "2026-12-15", "reason": "weather"}'),                   # not a date change
])
def test_what_is_not_a_date_change_we_can_apply_is_left_out(code, value):
    assert date_changes.decode(code, value) is None


def test_a_missing_reason_reads_as_other_reasons():
    assert date_changes.decode("cancelled_date", '{"date": "2026-12-15"}')["reason"] == "other"


def _tables(readings=(), sample=None, changes=()):
    """The tables an export would hold for one organisation, one rule, and what travels beside."""
    terms = hsds._terms()
    t = {"organization": [{"id": "org-1", "name": "練馬区"}], "schedule": [{"id": "rule-1", "service_id": "s"}],
         "taxonomy": [{"id": "tx-r", "name": hsds.READINGS_TAXONOMY}],
         "taxonomy_term": [{"id": tid, "code": code} for code, tid in terms.items()], "attribute": []}
    t["taxonomy_term"] += [{"id": f"r{n}", "name": s, "description": r, "taxonomy_id": "tx-r"}
                           for n, (s, r) in enumerate(readings)]
    if sample is not None:
        t["attribute"].append({"id": "a", "link_id": "org-1", "taxonomy_term_id": terms["sample_data"],
                               "value": sample})
    for n, (code, value) in enumerate(changes):
        t["attribute"].append({"id": f"c{n}", "link_id": "rule-1", "taxonomy_term_id": terms[code], "value": value})
    return t


def test_an_import_reads_readings_the_sample_flag_and_date_changes_beside_the_documents():
    extras = hsds.from_tables(_tables(readings=[("練馬", "ねりま"), ("広場", "ひろば")], sample="true",
                                      changes=[date_changes.encode(MOVED), date_changes.encode(CANCELLED),
                                               ("cancelled_date", "garbage")]))["extras"]
    assert extras == {"readings": [["広場", "ひろば"], ["練馬", "ねりま"]], "sample": True,
                      "dates": [["rule-1", MOVED], ["rule-1", CANCELLED]]}
    assert hsds.from_tables(_tables(sample="false"))["extras"]["sample"] is False
    # Another system's package says nothing about sample data: the hub's own flag is left alone.
    assert hsds.from_tables(_tables())["extras"] == {"readings": [], "sample": None, "dates": []}


def test_a_reading_is_stored_in_hiragana_for_one_clean_word():
    assert admin.clean_reading(" 広場 ", "ヒロバ") == ("広場", "ひろば")
    assert admin.clean_reading("広場", None) == ("広場", None)   # a deletion needs only the word
    for surface, reading in (("", "ひろば"), ("広場", ""), ("広場", "hiroba"), ("x" * 65, "ひろば"),
                             ("広\x00場", "ひろば"), (None, "ひろば"), ("広場", 3)):
        with pytest.raises(Refused):
            admin.clean_reading(surface, reading)
