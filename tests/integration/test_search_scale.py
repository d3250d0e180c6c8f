"""Search over a catalog many times the ward's (the demo programs, varied: kiosk.demo.synthetic),
with the bound on ranked index rows (kiosk/search/index.py, CANDIDATES) set low enough that a
fifth of the relevance set's queries (tests/data/search_relevance.json) match more rows than it:
the bound keeps every query's first program, and recall@5 stays at 0.9 or more in every language."""
import re

from kiosk.db import database
from kiosk.demo.synthetic import load_synthetic
from kiosk.models import Service
from kiosk.search import index, terms
from tests import relevance
from tests.conftest import make_app

SERVICES = 300
BOUND = 24      # index rows ranked per pass; the real bound is ten times this for ten times the rows


def test_the_bound_keeps_each_first_program_and_the_recall(tmp_path):
    app = make_app(tmp_path / "kiosk.db")
    with app.app_context(), database.connection_context():
        load_synthetic(services=SERVICES)
        # A synthetic service is a copy of a demo program ("kodomo-shokudo-syn123").
        program = {s.id: re.sub(r"-syn\d+$", "", s.slug) for s in Service.select(Service.id, Service.slug)}
        queries = relevance.queries()
        broad = [q for q in queries if (e := terms.match_expression(q["q"], q["lang"])) and database.execute_sql(
            f"SELECT count(*) FROM {index.NAMES} WHERE {index.NAMES} MATCH ?", (e,)).fetchone()[0] >= BOUND]
        assert len(broad) >= len(queries) // 5

        def found(query, lang, bound):
            return [program[i] for i in index.search(query, lang, candidates=bound).ids]

        moved = [(q["lang"], q["q"]) for q in queries
                 if found(q["q"], q["lang"], BOUND)[:1] != found(q["q"], q["lang"], None)[:1]]
        assert moved == []
        results = relevance.evaluate(lambda query, lang: found(query, lang, BOUND), SERVICES)
    print("\n" + relevance.table(results))
    assert {lang: r["recall5"] for lang, r in results.items() if r["recall5"] < 0.9} == {}
