"""Unit tests: the contract (kiosk.sync.contract) says what kiosk/sync/openapi.json says, and
every status, kind, reason and desk state it names has its words in kiosk/vocab.py.

The OpenAPI document is the judge: a set changed in the code and not in the document (or the
other way round) fails here, and so does a new status without a label for the screens."""
import json
import re
import string
import uuid

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from kiosk import vocab
from kiosk.models import HubSignup, Signup
from kiosk.models.signups import PersonFields
from kiosk.sync import contract, protocol
from tests.conftest import ROOT

SPEC = json.loads((ROOT / "kiosk" / "sync" / "openapi.json").read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]


def prop(schema, name):
    return SCHEMAS[schema]["properties"][name]


def doc_matches(pattern, value):
    """A JSON Schema pattern of the document, anchored at both ends, read as the whole value
    must match it (Python's `$` would also match before a trailing newline; ECMA's does not)."""
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return re.fullmatch(pattern[1:-1], value) is not None


def agree(pattern, regex, samples):
    """The document's pattern and the contract's regex take and refuse the same samples."""
    return {s: (doc_matches(pattern, s), regex.fullmatch(s) is not None) for s in samples
            if doc_matches(pattern, s) != (regex.fullmatch(s) is not None)}


# --- the sets ------------------------------------------------------------------------------

def test_record_kinds_are_the_documents():
    assert list(contract.RECORD_KINDS) == prop("SignupRecord", "kind")["enum"]
    assert protocol.RECORD_KINDS is contract.RECORD_KINDS


def test_the_hubs_statuses_are_the_documents():
    assert list(contract.HUB_STATUSES) == prop("StatusData", "status")["enum"]
    assert set(contract.HUB_STATUSES) <= set(prop("RecordResult", "status")["enum"])


def test_a_kiosk_adds_only_provisional_and_rejected():
    """Before the hub's word a sign-up is provisional; a record the hub refused (result
    "rejected") is rejected. Nothing else is a status only a kiosk knows."""
    assert set(contract.SIGNUP_STATUSES) - set(contract.HUB_STATUSES) == {"provisional", "rejected"}
    assert "rejected" in prop("RecordResult", "result")["enum"]
    assert set(contract.ENDED_STATUSES) <= set(contract.SIGNUP_STATUSES)


def test_sign_up_reasons_are_the_documents():
    assert list(contract.SIGNUP_REASONS) == prop("StatusData", "reason")["enum"]


def test_desk_states_are_the_documents():
    every = {s for states in contract.DESK_STATES.values() for s in states}
    assert set(prop("StatusData", "desk_state")["enum"]) == every | {""}
    assert set(contract.DESK_STATES) == set(contract.RECORD_KINDS)
    assert all(states[0] == "new" for states in contract.DESK_STATES.values())
    assert set(contract.DESK_KINDS) == {k for k, states in contract.DESK_STATES.items() if len(states) > 1}
    assert contract.DONE_STATES <= every


def test_personal_fields_and_their_lengths_are_the_documents():
    person = prop("SignupRecord", "person")
    assert person["additionalProperties"] is False
    assert {k: v["maxLength"] for k, v in person["properties"].items()} == contract.PERSON_FIELDS
    assert protocol.PERSON_FIELDS is contract.PERSON_FIELDS


@pytest.mark.parametrize("model", [Signup, HubSignup])
def test_both_roles_tables_hold_the_personal_fields(model):
    """Every personal field is a column of both tables (retention blanks them by these names),
    and no column is shorter than the contract allows."""
    columns = {name: field for name, field in PersonFields._meta.fields.items() if name != "id"}
    assert set(columns) == set(contract.PERSON_FIELDS)
    for name, limit in contract.PERSON_FIELDS.items():
        field = model._meta.fields[name]
        assert getattr(field, "max_length", None) in (None, limit), name


# --- the patterns --------------------------------------------------------------------------

def ref_samples():
    ascii_chars = string.ascii_letters + string.digits
    singles = [c * 4 + "-" + c * 4 for c in ascii_chars]
    made = [contract.new_ref_code() for _ in range(200)]
    odd = ["ABCD2345", "ABCD-2345\n", "abcd-2345", "ABCD-23456", "ABC-2345", "ABCD–2345", " ABCD-2345", ""]
    return singles + made + odd


@pytest.mark.parametrize("schema", ["SignupRecord", "CancelRecord"])
def test_the_reference_code_pattern_is_the_documents(schema):
    samples = ref_samples()
    assert agree(prop(schema, "ref_code")["pattern"], contract.REF_RE, samples) == {}
    taken = {s for s in samples if contract.REF_RE.fullmatch(s)}
    assert {c for s in taken for c in s} - {"-"} == set(contract.REF_ALPHABET)
    assert all(contract.REF_RE.fullmatch(contract.new_ref_code()) for _ in range(200))


def test_a_status_carries_a_code_or_none():
    """Other sites' sign-ups reach a kiosk with an empty code (and a hash of it)."""
    pattern = prop("StatusData", "ref_code")["pattern"]
    assert doc_matches(pattern, "")
    assert agree(pattern, contract.REF_RE, [s for s in ref_samples() if s]) == {}


@pytest.mark.parametrize("schema", ["SignupRecord", "AttendanceRecord", "CancelRecord", "StatusData"])
def test_the_record_id_pattern_is_the_documents(schema):
    made = str(uuid.uuid4())
    samples = [made, made.upper(), made.replace("-", ""), "{" + made + "}", made[:-1], made + "0",
               made + "\n", str(uuid.UUID(int=0)), "g" * 8 + made[8:]]
    assert agree(prop(schema, "id")["pattern"], contract.UUID_RE, samples) == {}
    assert protocol.is_record_id(made) and not protocol.is_record_id(made.upper())


def test_the_phone_digits_pattern_is_the_documents():
    samples = ["1234", "0000", "123", "12345", "12a4", "１２３４", "1234\n", ""]
    assert agree(prop("CancelRecord", "phone_last4")["pattern"], contract.LAST4_RE, samples) == {}


@pytest.mark.parametrize("phone, last4, expected", [
    ("090-1234-5678", "5678", True),
    ("+81 90 1234 5678", "5678", True),
    ("09012345678", "5679", False),
    ("090-1234-5678", "678", False),           # three digits prove nothing
    ("090-1234-5678", "45678", False),
    ("5678", "5678", True),
    ("678", "0678", False),                    # a phone of fewer than four digits
    (None, "5678", False),                     # blanked after retention
    ("", "5678", False),
    ("090-1234-5678", None, False),
])
def test_a_cancellation_is_proved_by_the_last_four_digits(phone, last4, expected):
    assert contract.phone_ends_with(phone, last4) is expected


# --- the words -----------------------------------------------------------------------------

def test_every_status_kind_reason_and_desk_state_has_a_label_and_no_more():
    assert set(vocab.SIGNUP_STATUSES) == set(contract.SIGNUP_STATUSES)
    assert set(vocab.SIGNUP_KINDS) == set(contract.RECORD_KINDS)
    assert set(vocab.SIGNUP_REASONS) == set(contract.SIGNUP_REASONS)
    assert set(vocab.DESK_STATE_LABELS) == {s for states in contract.DESK_STATES.values() for s in states}
    # A visitor reads every state a desk moves her request to (not "new": her status says it).
    assert set(vocab.DESK_WORDS) == {(k, s) for k in contract.DESK_KINDS for s in contract.DESK_STATES[k][1:]}
    assert {k for k, _s in vocab.STATUS_BY_KIND} <= set(contract.RECORD_KINDS)
    assert {s for _k, s in vocab.STATUS_BY_KIND} <= set(contract.SIGNUP_STATUSES)
    assert {s for s, _r in vocab.WARD_WORDS} <= set(contract.HUB_STATUSES)
    assert {r for _s, r in vocab.WARD_WORDS} <= set(contract.SIGNUP_REASONS)


@pytest.fixture
def babel_app():
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE="en", BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"))
    Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize("labels", ["SIGNUP_STATUSES", "SIGNUP_KINDS", "SIGNUP_REASONS", "DESK_STATE_LABELS",
                                    "DESK_WORDS"])
def test_the_labels_are_translated(babel_app, labels):
    """Each label is a translatable string with its Japanese in the catalog (read as English
    and as Japanese, it reads differently)."""
    untranslated = []
    for key, label in getattr(vocab, labels).items():
        if key == "":
            continue                                     # no reason: nothing to say
        english = str(label)
        with force_locale("ja"):
            japanese = str(label)
        if not english or japanese == english:
            untranslated.append(key)
    assert untranslated == []
