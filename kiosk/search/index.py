"""The search index: one FTS5 row per service and language, ranked with bm25.

Rows hold pre-computed terms (see terms.py). A visitor's query matches rows in any language
(a Tagalog speaker may type a Japanese name), and rows in the visitor's own language and
names that start with the query rank first.
"""
from ..db import database
from ..models import Service, Translation
from . import terms

NAME_FIELDS = ("name", "keywords")
BODY_FIELDS = ("summary", "description", "eligibility", "schedule")
_NAME_WEIGHT, _BODY_WEIGHT = 10.0, 1.0


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


def _terms(doc, language):
    reading = language == "ja"
    name = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading) for f in NAME_FIELDS)
    body = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading and f == "summary")
                    for f in BODY_FIELDS)
    return name, body


def reindex(service_ids=None):
    """(Re)build index rows for these services, or for the whole catalog."""
    docs = _rows_for(service_ids)
    with database.atomic():
        if service_ids is None:
            database.execute_sql("DELETE FROM search_fts")
        else:
            for sid in service_ids:
                database.execute_sql("DELETE FROM search_fts WHERE service_id = ?", (sid,))
        batch = []
        for (sid, language), doc in docs.items():
            batch.append((sid, language, *_terms(doc, language)))
            if len(batch) >= 500:
                _insert(batch)
                batch = []
        _insert(batch)


def _insert(batch):
    if batch:
        database.cursor().executemany(
            "INSERT INTO search_fts (service_id, language, name, body) VALUES (?, ?, ?, ?)", batch)


def search_ids(query, language, limit=200):
    """Service ids matching ``query``, best first; [] when the query has nothing to search."""
    expression = terms.match_expression(query)
    if not expression:
        return []
    # bm25 is lower-is-better; a hit in the visitor's own language counts double.
    # (bm25 cannot sit inside an aggregate, hence the materialised CTE.)
    sql = ("WITH hits AS MATERIALIZED ("
           "  SELECT service_id, bm25(search_fts, 0, 0, ?, ?)"
           "         * CASE WHEN language = ? THEN 2.0 ELSE 1.0 END AS score"
           "  FROM search_fts WHERE search_fts MATCH ?) "
           "SELECT service_id, MIN(score) AS best FROM hits "
           "GROUP BY service_id ORDER BY best, service_id LIMIT ?")
    rows = database.execute_sql(sql, (_NAME_WEIGHT, _BODY_WEIGHT, language, expression,
                                      limit)).fetchall()
    ranked = [int(sid) for sid, _score in rows]
    return _names_first(ranked, query, language)


def _names_first(ids, query, language):
    """Stable re-rank: services whose name (in any language) starts with the query first."""
    needle = terms.normalize(query).strip()
    if not needle or not ids:
        return ids
    head = ids[:50]
    names = (Translation.select(Translation.owner_id, Translation.text)
             .where((Translation.owner == "service") & (Translation.field == "name")
                    & Translation.owner_id.in_(head)).tuples())
    prefixed = {sid for sid, text in names if terms.normalize(text).startswith(needle)}
    return [i for i in head if i in prefixed] + [i for i in head if i not in prefixed] + ids[50:]


def active_count():
    return Service.select().where(Service.active == True).count()  # noqa: E712
