"""What residents look for, counted on a kiosk (kiosk.site.demand) through Flask's test client:
one count per thing a person did, served from the page cache or not; a search typed letter by
letter counts once, when it has settled, and nothing of it is written before; words only of
searches that found little, scrubbed; a day that is over goes to the outbox as one record whose
id a resend repeats."""
import json

import pytest
from flask import has_app_context

from kiosk import clock
from kiosk.models import DemandCount, KioskState, Outbox
from kiosk.site import demand

HX = {"HX-Request": "true"}


def counts(kind=None):
    """The counts written to the kiosk's database (those waiting in memory written first, as
    the next counting request or sync round does)."""
    if has_app_context():
        demand.flush()
    query = DemandCount.select()
    if kind:
        query = query.where(DemandCount.kind == kind)
    return {(r.kind, r.language, r.key): r.n for r in query if r.n}


def settle(app):
    """Every search still being typed, taken as settled (as after DEMAND_SETTLE_SECONDS)."""
    with app.app_context():
        demand.flush_settled(now=float("inf"))
        demand.flush()


@pytest.fixture
def visitor(client):
    """A visitor's browser: the home page gives her visit its id."""
    assert client.get("/en/").status_code == 200
    return client


def test_a_search_typed_letter_by_letter_counts_once(app, visitor, db_conn):
    for typed in ("z", "zq", "zqx", "zqxw", "zqxwv", "zqxw"):       # typed, one letter taken back
        visitor.get("/en/services", query_string={"q": typed}, headers=HX)
    assert counts() == {}                     # still being typed: nothing written yet
    settle(app)
    assert counts("search") == {("search", "en", "none"): 1}
    assert counts("word") == {("word", "en", "zqxw"): 1}


def test_different_searches_each_count_and_good_ones_keep_no_words(app, visitor, db_conn):
    visitor.get("/en/services", query_string={"q": "zqxw"}, headers=HX)
    visitor.get("/en/services", query_string={"q": "cafe"}, headers=HX)
    assert counts("word") == {("word", "en", "zqxw"): 1}       # settled: the visit searched something else
    visitor.get("/en/services", query_string={"q": "cafe", "page": "2"}, headers=HX)     # paging: same search
    settle(app)
    found = counts("search")
    assert found[("search", "en", "none")] == 1 and sum(found.values()) == 2
    assert counts("word") == {("word", "en", "zqxw"): 1}


def test_personal_words_are_never_written(app, visitor, db_conn):
    for typed in ("Maria Santos", "taro@example.com", "090-1234-5678", "山田さん"):
        visitor.get("/ja/services", query_string={"q": typed})
    settle(app)
    assert counts("word") == {}
    assert sum(counts("search").values()) == 4


def test_needs_pages_and_forms_count_from_the_cache_too(visitor, db_conn):
    for _ in range(3):
        assert visitor.get("/en/needs/food").status_code == 200
    visitor.get("/en/needs/food", query_string={"who": "elderly"})     # narrowing: not a new tap
    visitor.get("/en/needs/nothing-such")                               # 404: not counted
    for _ in range(2):
        assert visitor.get("/ja/services/machikado-care-cafe").status_code == 200
    assert counts("need") == {("need", "en", "food"): 3}
    assert counts("page") == {("page", "ja", "machikado-care-cafe"): 2}


def test_a_day_that_is_over_becomes_one_record_whose_id_repeats(app, visitor, db_conn):
    visitor.get("/en/services", query_string={"q": "zqxw"}, headers=HX)
    visitor.get("/en/needs/food")
    settle(app)
    with app.app_context():
        KioskState.set_value("device_id", "dev-demand")
        assert demand.close_days("Asia/Tokyo") == 0            # today is not over
        day = clock.ward_today("Asia/Tokyo").isoformat()
        clock.set_offset(86400)
        try:
            assert demand.close_days("Asia/Tokyo") == 1
            assert demand.close_days("Asia/Tokyo") == 0
        finally:
            clock.set_offset(0)
    entry = Outbox.get(Outbox.kind == "demand")
    assert entry.record_id == demand.record_id("dev-demand", day)
    payload = json.loads(entry.payload)
    assert payload["day"] == day and payload["type"] == "demand"
    assert {(c["kind"], c["key"], c["n"]) for c in payload["counts"]} == {
        ("search", "none", 1), ("word", "zqxw", 1), ("need", "food", 1)}
    assert DemandCount.select().count() == 0


def test_sign_ups_started_and_sent(visitor, db_conn):
    from kiosk.models import Event, Service
    ev = (Event.select().join(Service).where(Event.capacity > 0, Event.cancelled == False)  # noqa: E712
          .order_by(Event.starts_at).first())
    Event.update(capacity=10, seats_taken=0).where(Event.id == ev.id).execute()
    slug = ev.service.slug
    assert visitor.get(f"/en/signup/event/{ev.uid}").status_code == 200
    assert visitor.get(f"/en/signup/event/{ev.uid}").status_code == 200
    form = {"name": "Sato Hanako", "phone": "03-1234-5678", "consent": "y", "age_band": "65-74",
            "adults": "1", "children": "0"}
    assert visitor.post(f"/en/signup/event/{ev.uid}", data=form).status_code == 303
    assert counts("signup_started") == {("signup_started", "en", slug): 2}
    assert counts("signup_finished") == {("signup_finished", "en", slug): 1}


def test_the_catalog_knows_its_own_words_whole(app, db_conn):
    """A word a resident typed is kept only if the catalog's names or search words do not hold it
    (kiosk.search.demand.scrub): a Latin word as a whole word, other scripts anywhere in a line."""
    with app.app_context():
        assert demand.catalog_knows("care") and demand.catalog_knows("cafe")
        assert not demand.catalog_knows("car") and not demand.catalog_knows("zzqx")
        assert demand.catalog_knows("かふぇ") and demand.catalog_knows("おしゃべ")
        assert not demand.catalog_knows("ぴよぴよ")
