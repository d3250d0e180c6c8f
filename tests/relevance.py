"""The search relevance set (tests/data/search_relevance.json) and its measures.

Each query lists the programs a resident would accept; recall@5 is the share of queries with
at least one of them in the first five results, MRR the mean of 1/rank of the first accepted
one (0 when none is in the first 10). Used by tests/integration/test_relevance.py (which fails
under 0.9 recall@5 in any language) and by `make bench` (which prints the same table)."""
import json
import pathlib

SET = pathlib.Path(__file__).resolve().parent / "data" / "search_relevance.json"
LANGS = ("ja", "en", "zh", "ko", "tl")


def queries():
    return json.loads(SET.read_text(encoding="utf-8"))


def evaluate(search):
    """{lang: {"n", "recall5", "mrr", "misses"}} for ``search(query, lang) -> [slug, ...]``."""
    out = {}
    for lang in LANGS:
        rows = [q for q in queries() if q["lang"] == lang]
        hits, rr, misses = 0, 0.0, []
        for q in rows:
            found = search(q["q"], lang)[:10]
            ranks = [i for i, slug in enumerate(found) if slug in q["accept"]]
            if ranks and ranks[0] < 5:
                hits += 1
            else:
                misses.append((q["q"], q["kind"], q["accept"], found[:5]))
            rr += 1.0 / (ranks[0] + 1) if ranks else 0.0
        out[lang] = {"n": len(rows), "recall5": hits / len(rows), "mrr": rr / len(rows), "misses": misses}
    return out


def table(results):
    lines = ["| language | queries | recall@5 | MRR |", "| --- | --- | --- | --- |"]
    for lang, r in results.items():
        lines.append(f"| {lang} | {r['n']} | {r['recall5']:.2f} | {r['mrr']:.2f} |")
    return "\n".join(lines)
