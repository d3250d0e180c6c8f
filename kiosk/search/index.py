"""The search index: one FTS5 row per service and language.

Rows hold pre-computed terms (see terms.py). A visitor's query matches rows in any language
(a Tagalog speaker may type a Japanese name); names that start with the query come first, then
rows in the visitor's own language weigh double, then bm25 with name hits worth ten body hits
(the rank is configured on the table in the migration).
"""
from ..db import database, is_sqlite
from ..models import KioskState, Translation
from . import terms

INDEX_VERSION = "4"          # bump when terms.py changes what it indexes: kiosks reindex on start
VERSION_KEY = "search_index_version"
JAPANESE = ("ja", "ja-easy")

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
    reading = language in JAPANESE
    name = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language) for f in NAME_FIELDS)
    body = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language)
                    for f in BODY_FIELDS)
    return (service_id, language, terms.normalize(doc.get("name", "")), name, body)


def ensure_current():
    """Rebuild the index if it was built by an older terms.py (run when a kiosk starts)."""
    if not is_sqlite():
        return False
    if KioskState.get_value(VERSION_KEY) == INDEX_VERSION:
        return False
    reindex()
    return True


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
        if service_ids is None:
            KioskState.set_value(VERSION_KEY, INDEX_VERSION)


def _run(expression, limit):
    return database.execute_sql(
        "SELECT service_id, language, head, rank FROM search_fts "
        "WHERE search_fts MATCH ? ORDER BY rank LIMIT ?", (expression, limit)).fetchall()


def _ranked(rows, language, needle):
    best = {}
    for sid, lang, head, score in rows:
        if lang == language:
            score *= _OWN_LANGUAGE_WEIGHT
        if needle and head.startswith(needle):
            score += _NAME_PREFIX_BONUS
        sid = int(sid)
        if sid not in best or score < best[sid]:
            best[sid] = score
    return sorted(best, key=lambda sid: (best[sid], sid))


def search_ids(query, language, limit=200):
    """Service ids matching ``query``, best first; [] when the query has nothing to search.

    Every word must match; when that finds fewer than five services, services matching most of
    the meaningful words follow, then words one letter away from a typed word (a typo)."""
    expression = terms.match_expression(query, language)
    if not expression:
        return []
    needle = terms.normalize(query).strip()
    if len(needle) <= 2 and (len(needle) == 1 or needle.isascii()):
        # One character, or one or two Latin letters, match half the catalog's bodies: only
        # names and keywords count, from the start of a word.
        expression = "name : (" + expression + ")"
    found = _ranked(_run(expression, limit * 3), language, needle)
    if len(found) < FILL and len(needle) > 2:
        for fallback in (terms.relaxed_expression(query, language), _typo_expression(query, language)):
            if fallback and len(found) < FILL:
                more = _ranked(_run(fallback, limit * 3), language, needle)
                found += [sid for sid in more if sid not in found]
    return found[:limit]


FILL = 5   # results a visitor should see before the search relaxes


def _typo_expression(query, language):
    """Words of the index one edit (insert, delete, replace, swap) from a typed Latin word."""
    alternatives = []
    for word in terms.tokens(query)[:8]:
        if not (word.isascii() and word.isalpha() and len(word) >= 4) or word in terms.STOPWORDS:
            continue
        rows = database.execute_sql(
            "SELECT term FROM search_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
            (word[0], word[0] + "\uffff", len(word) - 1, len(word) + 1)).fetchall()
        near = [t for (t,) in rows if t != word and _one_edit(word, t)]
        alternatives.extend(terms._quote(t) for t in near[:20])
    return " OR ".join(alternatives) or None


def _one_edit(a, b):
    """True when b is one insertion, deletion, substitution or transposition from a."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]
