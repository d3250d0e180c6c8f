"""protocol.validate_record: every field the hub stores is checked against what its column
can hold, so a record that passes can be written on PostgreSQL and SQLite alike."""
import copy
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.sync import protocol
from tests.records import attendance, signup


def test_good_records_pass():
    assert protocol.validate_record(signup()) is None
    assert protocol.validate_record(attendance()) is None
    assert protocol.validate_record(attendance(kind="note", group=None, delta=0, text="静かでした")) is None


@pytest.mark.parametrize("changes, reason", [
    ({"id": str(uuid.uuid4()) + "\n"}, "bad_id"),
    ({"person": {"name": "Ha\x00nako", "phone": "090-1111-2222"}}, "bad_text"),
    ({"person": {"name": "\ud800", "phone": "090-1111-2222"}}, "bad_text"),
    ({"language": "ja\x00"}, "bad_text"),
    ({"language": "j"}, "bad_language"),
    ({"language": "ja-" + "x" * 20}, "bad_language"),
    ({"created_at": "0001-01-01T00:00:00+01:00"}, "bad_created_at"),
    ({"created_at": "9999-12-31T23:59:59-14:00"}, "bad_created_at"),
    ({"created_at": float("nan")}, "bad_number"),
    ({"ref_code": "ABCD-2345\n"}, "bad_ref_code"),
    ({"extra": [[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]}, "too_deep"),
    ({"person": {"name": "x", "phone": "1" * 33}}, "bad_person_field"),
    ({"person": {"name": "x", "phone": ["090"]}}, "bad_person_field"),
    ({"person": {"name": " ", "phone": "090"}}, "missing_name"),
    ({"person": {"name": "x", "ssn": "1"}}, "unknown_person_field"),
])
def test_bad_signups_get_a_reason(changes, reason):
    assert protocol.validate_record(signup(**changes)) == reason


@pytest.mark.parametrize("changes, reason", [
    ({"seq": 2 ** 64}, "bad_number"),
    ({"seq": 2 ** 31}, "bad_seq"),
    ({"seq": 0}, "bad_seq"),
    ({"seq": True}, "bad_seq"),
    ({"delta": True}, "bad_delta"),
    ({"delta": 10 ** 30}, "bad_number"),
    ({"kind": "open", "group": None, "delta": 99}, "bad_delta"),
    ({"kind": "open", "group": "x" * 40}, "bad_group"),
    ({"date": "2026-02-30"}, "bad_date"),
    ({"text": "note\x00"}, "bad_text"),
    ({"kind": "note", "group": None, "text": "x" * 2001}, "bad_text"),
    ({"kind": "checkin", "group": None, "ref": None}, "bad_ref"),
    ({"site": "s" * 65}, "bad_site"),
])
def test_bad_attendance_gets_a_reason(changes, reason):
    assert protocol.validate_record(attendance(**changes)) == reason


# Arbitrary values in every field of a good record: the validator answers, never raises.
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=12)


@settings(max_examples=400)
@given(st.sampled_from(["signup", "attendance"]), st.data())
def test_validator_answers_for_any_value_in_any_field(kind, data):
    rec = signup() if kind == "signup" else attendance()
    field = data.draw(st.sampled_from(sorted(rec) + ["person"]))
    value = data.draw(anything)
    mutated = copy.deepcopy(rec)
    if field == "person" and kind == "signup":
        mutated["person"][data.draw(st.sampled_from(sorted(protocol.PERSON_FIELDS)))] = value
    else:
        mutated[field] = value
    reason = protocol.validate_record(mutated)
    assert reason is None or isinstance(reason, str)
    if reason is None:
        protocol.payload_hash(mutated)
