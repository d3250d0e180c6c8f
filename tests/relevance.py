"""The search relevance set (tests/data/search_relevance.json) and its measures.

Each query lists the programs a resident would accept ("accept") and may list programs that
must not be among the first five ("not_in_top5"). Queries of kind "need" name a need the way
residents put it (お金がない, walang pera, 월세) rather than a program.

- recall@5: the share of queries with at least one accepted program in the first five results;
- MRR: the mean of 1/rank of the first accepted one (0 when none is in the first 10);
- precision@5, on need queries: the share of the first five results (as many as there are) that
  are accepted, averaged over the queries (0 for a query with no result);
- "> 1/3": the share of queries that return more than a third of the catalog.

Used by tests/integration/test_relevance.py (which holds them to their thresholds) and by
`make bench` (which prints the same table)."""
import json
import pathlib

SET = pathlib.Path(__file__).resolve().parent / "data" / "search_relevance.json"
LANGS = ("ja", "en", "zh", "ko", "tl")


def queries():
    return json.loads(SET.read_text(encoding="utf-8"))


def evaluate(search, catalog_size):
    """{lang: measures} for ``search(query, lang) -> [slug, ...]`` (every result, best first)
    over a catalog of ``catalog_size`` services, and "all" for the whole set."""
    out = {}
    every = queries()
    for lang in LANGS:
        rows = [q for q in every if q["lang"] == lang]
        hits, rr, misses, precision, needs, floods, wrong = 0, 0.0, [], 0.0, 0, 0, []
        for q in rows:
            found = search(q["q"], lang)
            ranks = [i for i, slug in enumerate(found[:10]) if slug in q["accept"]]
            if ranks and ranks[0] < 5:
                hits += 1
            else:
                misses.append((q["q"], q["kind"], q["accept"], found[:5]))
            rr += 1.0 / (ranks[0] + 1) if ranks else 0.0
            if q["kind"] == "need":
                needs += 1
                top = found[:5]
                precision += sum(slug in q["accept"] for slug in top) / len(top) if top else 0.0
            if 3 * len(found) > catalog_size:
                floods += 1
            wrong.extend((q["q"], slug) for slug in q.get("not_in_top5", []) if slug in found[:5])
        out[lang] = {"n": len(rows), "recall5": hits / len(rows), "mrr": rr / len(rows),
                     "needs": needs, "precision5": precision / needs if needs else None,
                     "floods": floods, "flood_share": floods / len(rows), "misses": misses, "wrong": wrong}
    langs = list(out.values())
    n = sum(r["n"] for r in langs)
    needs = sum(r["needs"] for r in langs)
    out["all"] = {"n": n, "recall5": sum(r["recall5"] * r["n"] for r in langs) / n,
                  "mrr": sum(r["mrr"] * r["n"] for r in langs) / n, "needs": needs,
                  "precision5": sum((r["precision5"] or 0) * r["needs"] for r in langs) / needs if needs else None,
                  "floods": sum(r["floods"] for r in langs),
                  "flood_share": sum(r["floods"] for r in langs) / n,
                  "misses": [m for r in langs for m in r["misses"]], "wrong": [w for r in langs for w in r["wrong"]]}
    return out


def table(results):
    lines = ["| language | queries | recall@5 | MRR | need queries | precision@5 (need) | > 1/3 of catalog |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for lang, r in results.items():
        precision = "–" if r["precision5"] is None else f"{r['precision5']:.2f}"
        lines.append(f"| {lang} | {r['n']} | {r['recall5']:.2f} | {r['mrr']:.2f} | {r['needs']} | {precision} "
                     f"| {r['floods']} ({r['flood_share']:.1%}) |")
    return "\n".join(lines)
