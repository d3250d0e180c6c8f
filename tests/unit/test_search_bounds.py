"""What a search costs does not follow the catalog (kiosk/search/index.py): a query matching more
index rows than the bound ranks only that many in any language and that many in the visitor's,
each scored as the whole ranking scores it; on the demo catalog the bound changes none of the
relevance set's first five results (tests/integration/test_search_scale.py holds it to a catalog
where it bites). A service reindexed alone leaves no old words behind, and results kept for
every visitor follow the catalog."""
import pytest

from kiosk import catalog
from kiosk.db import database
from kiosk.models import Service, ServiceNeed, Translation
from kiosk.search import index, terms
from tests import relevance

BOUND = 12        # far under the demo catalog's rows, so the bound is what decides


def rows_per_service():
    return database.execute_sql(
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM search_row GROUP BY service_id)").fetchone()[0]


@pytest.mark.parametrize("letter, lang", [("s", "en"), ("k", "tl"), ("c", "en"), ("m", "tl"), ("こ", "ja")])
def test_a_one_letter_prefix_never_ranks_more_than_the_bound(db_conn, letter, lang):
    expression = terms.match_expression(letter, lang)
    everything = index._ranked(index.NAMES, expression, lang, "", 10_000, candidates=None)
    bounded = index._ranked(index.NAMES, expression, lang, "", 10_000, candidates=BOUND)
    # The first BOUND matches and the rest of the last one's service, then as many in the
    # visitor's language beyond them (one row per service and language).
    most = 2 * BOUND + rows_per_service() - 1
    assert len(everything) > most and 0 < len(bounded) <= most
    assert any(row[2] for row in bounded)     # (row[2]: in the visitor's language)


@pytest.mark.parametrize("query, lang", [("地域", "ja"), ("支援", "zh"), ("community", "en"), ("support", "en")])
def test_a_word_ranks_the_first_matches_then_hers_beyond_them(db_conn, query, lang):
    """A typed word (not a prefix being typed): the first BOUND matching rows in any language,
    then the rows in the visitor's language beyond them, up to BOUND of hers in all."""
    expression = terms.match_expression(query, lang)
    everything = sorted(row[0] for row in index._ranked(index.NAMES, expression, lang, query, 10_000, candidates=None))
    assert len(everything) > BOUND
    first = everything[:BOUND]
    hers = [r for r in first if r % index.ROW_SLOTS == index._slot(lang)]
    beyond = [r for r in everything[BOUND:] if r % index.ROW_SLOTS == index._slot(lang)][:BOUND - len(hers)]
    assert beyond        # (so the second statement is what is tested)
    bounded = index._ranked(index.NAMES, expression, lang, query, 10_000, candidates=BOUND)
    assert sorted(row[0] for row in bounded) == first + beyond
    assert all(row[2] == (row[0] % index.ROW_SLOTS == index._slot(lang)) for row in bounded)


def test_a_bounded_row_scores_as_in_the_whole_ranking(db_conn):
    expression = terms.match_expression("s", "en")
    everything = {row[0]: row[4] for row in index._ranked(index.NAMES, expression, "en", "", 10_000, candidates=None)}
    bounded = index._ranked(index.NAMES, expression, "en", "", 10_000, candidates=BOUND)
    assert len(bounded) < len(everything)
    for row in bounded:
        assert row[4] == pytest.approx(everything[row[0]])


def test_the_bound_changes_no_first_five_of_the_relevance_set_on_the_demo_catalog(db_conn):
    def first_five(q, candidates=index.CANDIDATES):
        return index.search(q["q"], q["lang"], candidates=candidates).ids[:5]
    assert [(q["lang"], q["q"]) for q in relevance.queries() if first_five(q) != first_five(q, None)] == []


def test_a_service_reindexed_alone_is_found_by_its_new_name_only(db_conn):
    """As the feed does it, service by service: both indexes forget a row's old words."""
    service = Service.get(Service.slug == "kodomo-shokudo")
    name = Translation.get((Translation.owner == "service") & (Translation.owner_id == service.id)
                           & (Translation.field == "name") & (Translation.language == "en"))
    rows = database.execute_sql("SELECT COUNT(*) FROM search_row").fetchone()[0]
    for text in ("Zephyrine supper club", "Quillon supper club"):
        name.text = text
        name.save()
        index.reindex([service.id])
    assert index.search_ids("quillon", "en") == [service.id]
    assert index.search_ids("zephyrine", "en") == []
    assert database.execute_sql("SELECT COUNT(*) FROM search_row").fetchone()[0] == rows
    # Its names as search_line holds them (a query that is its name ranks it first): the new one.
    lines = {line for (line,) in database.execute_sql("SELECT line FROM search_line WHERE row / ? = ?",
                                                      (index.ROW_SLOTS, service.id)).fetchall()}
    assert "quillon supper club" in lines and not any("zephyrine" in line for line in lines)
    for table in (index.NAMES, index.FULL):
        database.execute_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


def test_kept_results_are_the_search_and_follow_the_catalog(db_conn):
    assert index.cached_search("rent", "en") == index.search("rent", "en")
    assert index.cached_search("  ＲＥＮＴ ", "en") == index.search("rent", "en")
    desk = Service.get(Service.slug == "gaikokujin-sodan")
    assert desk.id not in index.cached_search("rent", "en").ids
    # A need tagged by the hub arrives with the feed, which moves the catalog's generation on.
    ServiceNeed.create(service=desk, need="housing")
    catalog.bump_generation()
    assert desk.id in index.cached_search("rent", "en").ids
    assert index.cached_search("rent", "en") == index.search("rent", "en")


def test_each_language_of_a_service_has_a_slot_of_its_own():
    """A row's language is read from its rowid (index._slot): the kiosk's languages always at
    their own slot, others at a slot of their hash, or a free one when two of them meet."""
    kiosk_languages = list(index.LANGUAGE_SLOTS)
    assert index._slots(kiosk_languages) == index.LANGUAGE_SLOTS
    others = [f"x{i}" for i in range(index.ROW_SLOTS - index.OTHER_SLOTS)]
    slots = index._slots(kiosk_languages + others)
    assert len(set(slots.values())) == len(slots) == len(kiosk_languages) + len(others)
    assert all(index.OTHER_SLOTS <= slots[lang] < index.ROW_SLOTS for lang in others)
    assert {lang: slots[lang] for lang in kiosk_languages} == index.LANGUAGE_SLOTS
