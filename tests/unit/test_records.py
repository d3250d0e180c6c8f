"""Unit tests: the records as types (kiosk.sync.records) say what kiosk/sync/openapi.json says,
both roles keep one entry per feed kind in their registries (the hub's serializers, the kiosk's
appliers), and what the hub really writes into the feed fits the type of its kind."""
import json
import typing

import pytest

from kiosk import catalog_docs
from kiosk.hub.intake import feed, ingest
from kiosk.models import Event, ReadingCorrection
from kiosk.site.sync import feed_apply
from kiosk.sync import contract, protocol, records
from tests.conftest import ROOT
from tests.records import signup

SCHEMAS = json.loads((ROOT / "kiosk" / "sync" / "openapi.json").read_text(encoding="utf-8"))["components"]["schemas"]


def fields(typed):
    return set(typing.get_type_hints(typed))


def fits(data, typed):
    """``data`` has every required field of the TypedDict ``typed`` and no field it lacks."""
    return typed.__required_keys__ <= set(data) <= fields(typed)


# --- the feed's kinds, and each role's registry ----------------------------------------------

def test_feed_kinds_are_the_documents():
    assert list(records.FEED_KINDS) == SCHEMAS["FeedEntry"]["properties"]["kind"]["enum"]
    assert records.CATALOG_KINDS == catalog_docs.KINDS
    assert set(protocol.FEED_KINDS_SINCE) <= set(records.FEED_KINDS)


def test_each_role_writes_and_applies_every_feed_kind_and_no_other():
    assert set(feed.SERIALIZERS) == set(records.FEED_KINDS)
    assert set(feed_apply.APPLIERS) == set(records.FEED_KINDS)


def test_a_kind_the_kiosk_does_not_know_is_skipped(db_conn):
    """A newer hub's kind moves the cursor and changes nothing (the registry has no entry)."""
    before = feed_apply.cursor()
    assert feed_apply.apply_page([{"seq": before + 1, "kind": "weather", "key": "x", "deleted": False,
                                   "data": {"sunny": True}}]) == 1
    assert feed_apply.cursor() == before + 1


# --- the records' types against the document -------------------------------------------------

@pytest.mark.parametrize("typed, schema", [
    (records.SignupRecord, "SignupRecord"), (records.AttendanceRecord, "AttendanceRecord"),
    (records.CancelRecord, "CancelRecord"), (records.DemandRecord, "DemandRecord"),
    (records.RecordResult, "RecordResult"),
    (records.FeedEntry, "FeedEntry"), (records.StatusData, "StatusData"),
    (records.FeedResponse, "FeedResponse")])
def test_each_type_has_the_fields_of_its_schema(typed, schema):
    assert fields(typed) == set(SCHEMAS[schema]["properties"])
    assert typed.__required_keys__ == set(SCHEMAS[schema]["required"])


def test_a_days_counts_are_the_documents():
    count = SCHEMAS["DemandRecord"]["properties"]["counts"]["items"]
    assert fields(records.DemandCount) == set(count["properties"]) == set(count["required"])
    assert tuple(count["properties"]["kind"]["enum"]) == contract.DEMAND_KINDS
    assert count["properties"]["key"]["maxLength"] == contract.DEMAND_KEY_MAX
    assert SCHEMAS["DemandRecord"]["properties"]["counts"]["maxItems"] == contract.DEMAND_COUNTS_MAX


def test_a_sign_ups_person_and_party_are_the_documents():
    signup_schema = SCHEMAS["SignupRecord"]["properties"]
    assert fields(records.Person) == set(signup_schema["person"]["properties"]) == set(contract.PERSON_FIELDS)
    assert fields(records.Party) == set(signup_schema["party"]["properties"])
    assert not records.Person.__required_keys__ and not records.Party.__required_keys__


def test_the_types_words_are_the_contracts():
    assert typing.get_args(records.RecordKind) == contract.RECORD_KINDS
    assert typing.get_args(records.HubStatus) == contract.HUB_STATUSES
    assert typing.get_args(records.AttendanceKind) == protocol.ATTENDANCE_KINDS
    assert list(typing.get_args(records.RecordResultKind)) == SCHEMAS["RecordResult"]["properties"]["result"]["enum"]


def test_one_validator_per_record_type():
    types = {typing.get_args(typing.get_type_hints(t)["type"])[0] for t in typing.get_args(records.Record)}
    assert types == set(protocol.VALIDATORS)
    for t in typing.get_args(records.Record):
        name = t.__name__
        assert typing.get_args(typing.get_type_hints(t)["type"]) == (SCHEMAS[name]["properties"]["type"]["const"],)


# --- what the hub writes fits the types -------------------------------------------------------

def test_what_the_hub_writes_fits_the_type_of_its_kind(db_conn):
    ev = Event.select().where(Event.cancelled == False).first()  # noqa: E712
    event = feed.serialize("event", ev.uid)
    assert fits(event, records.EventData) and set(event) == fields(records.EventData)
    assert feed.serialize("event", "no-such-session") is None
    assert fits(feed.serialize("meta", protocol.DEMO_KEY), records.MetaData)
    assert feed.serialize("meta", "no-such-setting") is None
    ReadingCorrection.create(surface="練馬", reading="ねりま")
    assert feed.serialize("reading", "練馬") == {"surface": "練馬", "reading": "ねりま"}
    assert feed.serialize("reading", "豊玉") is None
    assert feed.serialize("service", "machikado-care-cafe")["slug"] == "machikado-care-cafe"
    assert feed.serialize("service", "no-such-service") is None


def test_status_entries_fit_for_the_kiosk_that_took_it_and_for_any_other(db_conn):
    rec = signup(event=Event.select().where(Event.cancelled == False).first().uid)  # noqa: E712
    assert ingest.ingest("dev-1", [rec])[0]["result"] == "accepted"
    mine = feed.page(0, 1000, viewer=("dev-1", ""))
    other = feed.page(0, 1000, viewer=("dev-2", ""))
    for page in (mine, other):
        assert page and all(fits(entry, records.FeedEntry) for entry in page)
        assert set(entry["kind"] for entry in page) <= set(records.FEED_KINDS)
    ours = [e["data"] for e in mine if e["kind"] == "status" and e["key"] == rec["id"]]
    theirs = [e["data"] for e in other if e["kind"] == "status" and e["key"] == rec["id"]]
    assert ours and fits(ours[0], records.StatusData) and ours[0]["ref_code"] == rec["ref_code"]
    assert "ref_hash" not in ours[0]
    assert theirs and fits(theirs[0], records.StatusData) and theirs[0]["ref_code"] == ""
    assert theirs[0]["ref_hash"] == protocol.ref_lookup_hash(rec["ref_code"])
