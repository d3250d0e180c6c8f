"""Unit tests: the hub stores a kiosk's day of counts exactly once, and shows a search word only
when many typed it (k-anonymity: kiosk.hub.desk.demand.passes)."""
import pytest

from kiosk.hub.desk import demand as desk_demand
from kiosk.hub.intake import ingest
from kiosk.models import HubDemandCount, HubDemandDay, RejectedRecord
from kiosk.sync import protocol
from tests.records import demand_day


def word(key, n=1, language="en"):
    return {"kind": "word", "language": language, "key": key, "n": n}


def test_a_day_is_stored_once_and_a_resend_is_a_duplicate(db_conn):
    rec = demand_day()
    assert ingest.ingest("dev-1", [rec], site="plaza-nerima")[0]["result"] == "accepted"
    assert ingest.ingest("dev-1", [rec], site="plaza-nerima")[0]["result"] == "duplicate"
    assert HubDemandDay.select().count() == 1
    assert HubDemandCount.select().count() == 3
    row = HubDemandCount.get(HubDemandCount.kind == "word")
    # The site is the device's enrolment; the day also as its ISO week's Monday and its month.
    assert (row.site_slug, row.week, row.month) == ("plaza-nerima", "2026-11-16", "2026-11")


def test_the_same_id_with_other_counts_is_a_conflict_kept_for_staff(db_conn):
    rec = demand_day()
    ingest.ingest("dev-1", [rec], site="plaza-nerima")
    other = dict(rec, counts=[word("rent help", 5)])
    answer = ingest.ingest("dev-1", [other], site="plaza-nerima")[0]
    assert answer["result"] == "rejected" and answer["reason"] == "conflict"
    assert RejectedRecord.select().where(RejectedRecord.record_id == rec["id"]).count() == 1
    assert HubDemandCount.select().where(HubDemandCount.key == "rent help").count() == 0


@pytest.mark.parametrize("counts, reason", [
    ([word("call 0312345678")], "unsafe_word"),
    ([word("taro@example.com")], "unsafe_word"),
    ([{"kind": "search", "language": "en", "key": "great", "n": 1}], "bad_key"),
    ([{"kind": "weather", "language": "en", "key": "sunny", "n": 1}], "bad_count"),
    ([word("rent", 0)], "bad_n"),
    ([word("rent"), word("rent")], "repeated_count"),
    ([{"kind": "page", "language": "en", "key": "Not A Slug", "n": 1}], "bad_key"),
])
def test_counts_that_cannot_be_right_are_refused(counts, reason):
    assert protocol.validate_record(demand_day(counts=counts)) == reason


def test_a_day_and_a_sign_up_in_one_batch_each_get_their_answer(db_conn):
    from tests.records import signup
    answers = ingest.ingest("dev-1", [demand_day(), signup(), demand_day(day="bad")],
                            site="plaza-nerima")
    assert [a["result"] for a in answers] == ["accepted", "accepted", "rejected"]


def _typed(db, word_key, days_sites):
    for day, site in days_sites:
        ingest.ingest(f"dev-{site}", [demand_day(day=day, counts=[word(word_key)])], site=site)


def test_a_word_typed_once_is_never_shown(db_conn):
    _typed(db_conn, "lonely", [("2026-11-03", "plaza-nerima")])
    assert desk_demand.passing_words("2026-11") == set()
    assert desk_demand.report("2026-11")["words"] == []
    assert desk_demand.report("2026-11", site="plaza-nerima", language="en")["words"] == []


def test_a_word_one_person_typed_often_on_one_day_is_not_shown(db_conn):
    ingest.ingest("dev-a", [demand_day(day="2026-11-03", counts=[word("lonely", 40)])], site="plaza-nerima")
    assert desk_demand.report("2026-11")["words"] == []


def test_a_word_typed_on_two_days_at_one_site_is_not_shown(db_conn):
    _typed(db_conn, "lonely", [("2026-11-03", "plaza-a"), ("2026-11-04", "plaza-a")])
    assert desk_demand.report("2026-11")["words"] == []


def test_a_word_typed_on_three_days_is_shown(db_conn):
    _typed(db_conn, "lonely", [("2026-11-03", "plaza-a"), ("2026-11-04", "plaza-a"), ("2026-11-20", "plaza-a")])
    assert desk_demand.report("2026-11")["words"] == [("en", "lonely", 3)]
    assert desk_demand.report("2026-12")["words"] == []       # judged within the month shown


def test_a_word_typed_at_two_sites_is_shown(db_conn):
    _typed(db_conn, "lonely", [("2026-11-03", "plaza-a"), ("2026-11-03", "plaza-b")])
    assert desk_demand.report("2026-11")["words"] == [("en", "lonely", 2)]


@pytest.mark.parametrize("days, sites, shown", [(1, 1, False), (2, 1, False), (3, 1, True), (1, 2, True)])
def test_the_rule(days, sites, shown):
    assert desk_demand.passes(days, sites) is shown


def test_the_report_sums_by_month_site_and_language(db_conn):
    counts = [{"kind": "search", "language": "en", "key": "none", "n": 2},
              {"kind": "search", "language": "ja", "key": "good", "n": 5},
              {"kind": "need", "language": "ja", "key": "food", "n": 3},
              {"kind": "page", "language": "ja", "key": "machikado-care-cafe", "n": 4},
              {"kind": "signup_started", "language": "ja", "key": "machikado-care-cafe", "n": 3},
              {"kind": "signup_finished", "language": "ja", "key": "machikado-care-cafe", "n": 1}]
    ingest.ingest("dev-a", [demand_day(day="2026-11-03", counts=counts)], site="plaza-a")
    ingest.ingest("dev-b", [demand_day(day="2026-11-04", counts=counts)], site="plaza-b")
    whole = desk_demand.report("2026-11")
    assert whole["searches"] == {"good": 10, "few": 0, "none": 4}
    assert whole["needs"] == [("food", 6)]
    assert whole["signups"] == [("machikado-care-cafe", 6, 2)]
    assert whole["pages"] == [("machikado-care-cafe", 8)]
    assert desk_demand.report("2026-11", site="plaza-a", language="en")["searches"] == {"good": 0, "few": 0, "none": 2}
