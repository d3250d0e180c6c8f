"""The search index: one FTS5 row per service and language.

Rows hold pre-computed terms (see terms.py). A visitor's query matches rows in any language
(a Tagalog speaker may type a Japanese name); names that start with the query come first, then
rows in the visitor's own language weigh double, then bm25 with name hits worth ten body hits
(the rank is configured on the table in the migration).
"""
from ..db import database, is_sqlite
from ..models import Translation
from . import terms

NAME_FIELDS = ("name", "keywords")
BODY_FIELDS = ("summary", "description", "eligibility", "schedule")
_OWN_LANGUAGE_WEIGHT = 2.0
_NAME_PREFIX_BONUS = -1000.0   # bm25 is lower-is-better


def _rows_for(service_ids):
    """{(service_id, language): {field: text}} from the translation rows."""
    docs = {}
    query = (Translation.select(Translation.owner_id, Translation.language, Translation.field,
                                Translation.text)
             .where((Translation.owner == "service")
                    & Translation.field.in_(NAME_FIELDS + BODY_FIELDS)))
    if service_ids is not None:
        query = query.where(Translation.owner_id.in_(list(service_ids)))
    for owner_id, language, field, text in query.tuples().iterator():
        docs.setdefault((owner_id, language), {})[field] = text
    return docs


def _row(service_id, language, doc):
    reading = language == "ja"
    name = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading) for f in NAME_FIELDS)
    body = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading and f == "summary")
                    for f in BODY_FIELDS)
    return (service_id, language, terms.normalize(doc.get("name", "")), name, body)


def reindex(service_ids=None):
    """(Re)build index rows for these services, or for the whole catalog.

    Only kiosks search (SQLite FTS5); the hub, on PostgreSQL, has no index to keep."""
    if not is_sqlite():
        return
    docs = _rows_for(service_ids)
    with database.atomic():
        if service_ids is None:
            database.execute_sql("DELETE FROM search_fts")
        else:
            for sid in service_ids:
                database.execute_sql("DELETE FROM search_fts WHERE service_id = ?", (sid,))
        rows = [_row(sid, language, doc) for (sid, language), doc in sorted(docs.items())]
        for i in range(0, len(rows), 500):
            database.cursor().executemany(
                "INSERT INTO search_fts (service_id, language, head, name, body) "
                "VALUES (?, ?, ?, ?, ?)", rows[i:i + 500])


def search_ids(query, language, limit=200):
    """Service ids matching ``query``, best first; [] when the query has nothing to search."""
    expression = terms.match_expression(query)
    if not expression:
        return []
    needle = terms.normalize(query).strip()
    if len(needle) == 1:
        # One character matches half the catalog's bodies; only names and keywords count.
        expression = "name : (" + expression + ")"
    rows = database.execute_sql(
        "SELECT service_id, language, head, rank FROM search_fts "
        "WHERE search_fts MATCH ? ORDER BY rank LIMIT ?", (expression, limit * 3)).fetchall()
    best = {}
    for sid, lang, head, score in rows:
        if lang == language:
            score *= _OWN_LANGUAGE_WEIGHT
        if head.startswith(needle):
            score += _NAME_PREFIX_BONUS
        sid = int(sid)
        if sid not in best or score < best[sid]:
            best[sid] = score
    return sorted(best, key=lambda sid: (best[sid], sid))[:limit]
