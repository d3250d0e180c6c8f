"""The search index: one FTS5 row per service and language, and the ranking of a query.

Rows hold pre-computed terms (see terms.py). A visitor's query matches rows in any language
(a Tagalog speaker may type a Japanese name). A service's score is its best row's bm25, with
name, official name and search words worth far more than the description (NAME_WEIGHT); rows in
the visitor's own language, and services whose staff speak it, count double; a name that starts
with the query, or a search word that is the query, triple.

A query that names a need (お金がない, rent, 월세: needs.py) ranks the services tagged with that
need first; other services then appear only where their name or search words hold the query.
Results scoring under CUTOFF of the best are dropped, so a word that only long descriptions share
does not pull in the whole catalog; when even the best is under FLOOR (and no need is named), the
search has no good answer and says so rather than showing unrelated services.
"""
import dataclasses

from ..db import database, is_sqlite
from ..models import KioskState, Service, ServiceLanguage, ServiceNeed, Translation
from . import needs as need_phrases
from . import terms

INDEX_VERSION = "5"          # bump when terms.py changes what it indexes: kiosks reindex on start
VERSION_KEY = "search_index_version"
JAPANESE = ("ja", "ja-easy")

NAME_FIELDS = ("name", "keywords")
BODY_FIELDS = ("summary", "description", "eligibility", "schedule")

# Ranking, tuned on the relevance set (tests/data/search_relevance.json; README "Search").
NAME_WEIGHT = 10.0           # bm25 weight of a hit in name, official name and search words...
BODY_WEIGHT = 1.0            # ...against one in summary, description, eligibility and schedule
OWN_LANGUAGE_WEIGHT = 2.0
SPOKEN_WEIGHT = 2.0          # staff speak the visitor's language (not Japanese: they all do)
NAME_PREFIX_WEIGHT = 3.0
RELAXED_WEIGHT = 0.5         # services matching only some of the words...
RELAXED_ROWS = 100           # ...among the best rows matching any of them
TYPO_WEIGHT = 0.5            # services matching a word one letter away from a typed one...
TYPO_LENGTH = 6              # ...of this many letters or more (piano is not plano, "plan")
NEED_WEIGHT = 1.0            # answering every named need, against 1.0 for the best text match
EVIDENCE = 0.15              # a text score (share of the best) that singles out a tagged service
CUTOFF = 0.35                # results under this share of the best score are dropped
FLOOR = 5.0                  # a best text score under this is no good answer
FILL = 5                     # results a visitor should see before the search relaxes


def _rows_for(service_ids):
    """{(service_id, language): {field: text}} from the translation rows, the official name
    (written in Japanese) with the Japanese name."""
    docs = {}
    query = (Translation.select(Translation.owner_id, Translation.language, Translation.field,
                                Translation.text)
             .where((Translation.owner == "service")
                    & Translation.field.in_(NAME_FIELDS + BODY_FIELDS)))
    officials = Service.select(Service.id, Service.official_name).where(Service.official_name != "")
    if service_ids is not None:
        query = query.where(Translation.owner_id.in_(list(service_ids)))
        officials = officials.where(Service.id.in_(list(service_ids)))
    for owner_id, language, field, text in query.tuples().iterator():
        docs.setdefault((owner_id, language), {})[field] = text
    for sid, official in officials.tuples().iterator():
        for language in JAPANESE:
            if (sid, language) in docs:
                docs[(sid, language)]["official_name"] = official
    return docs


def _row(service_id, language, doc):
    reading = language in JAPANESE
    name = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language)
                    for f in NAME_FIELDS + ("official_name",))
    body = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language)
                    for f in BODY_FIELDS)
    # head: the name, then each search word and the official name, folded, one a line (a query
    # that starts the name or equals a search word is what staff meant by it).
    words = [doc.get("name", "")] + doc.get("keywords", "").splitlines() + [doc.get("official_name", "")]
    head = "\n".join(dict.fromkeys(fold(w) for w in words if fold(w)))
    return (service_id, language, head, name, body)


def fold(text):
    """Text as a whole-query comparison sees it: folded (terms.normalize), spaces collapsed."""
    return " ".join(terms.normalize(text).split())


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


@dataclasses.dataclass
class Found:
    """What a search found: service ids, best first, and the needs the query named."""
    ids: list
    needs: tuple = ()


def _run(expression, limit, names_only=False):
    if names_only:
        expression = f"name : ({expression})"
    return database.execute_sql(
        "SELECT service_id, language, head, rank FROM search_fts "
        "WHERE search_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?",
        (expression, f"bm25(0, 0, 0, {NAME_WEIGHT}, {BODY_WEIGHT})", limit)).fetchall()


def _scored(rows, language, needle, weight=1.0, exact=None):
    """{service id: score} from index rows, higher is better: a service's best row. A name that
    starts with the query, or a search word (or official name) that is the query, weighs
    NAME_PREFIX_WEIGHT; those services are added to the set ``exact`` when one is given."""
    best = {}
    line = f"\n{needle}\n"
    for sid, lang, head, rank in rows:
        sid = int(sid)
        score = -rank * weight
        if lang == language:
            score *= OWN_LANGUAGE_WEIGHT
        if needle and needle in head:
            if line in f"\n{head}\n":
                score *= NAME_PREFIX_WEIGHT
                if exact is not None:
                    exact.add(sid)
            elif head.startswith(needle):
                score *= NAME_PREFIX_WEIGHT
        best[sid] = max(score, best.get(sid, 0.0))
    return best


def _text_scores(query, language, needle, limit):
    """({service id: score}, [expressions run], {ids of services with the query as a name or
    search word}) for the services whose text matches the query: every word, and when that finds
    fewer than FILL, some of the words or a word one letter off (weighed less)."""
    expression = terms.match_expression(query, language)
    if not expression:
        return {}, [], set()
    if _typing(needle):
        # One character, or one or two Latin letters, match half the catalog's bodies: only
        # names and keywords count, from the start of a word.
        expression = "name : (" + expression + ")"
    exact = set()
    scores = _scored(_run(expression, limit), language, needle, exact=exact)
    used = [expression]
    if len(scores) < FILL and len(needle) > 2:
        pieces = terms.relaxed_pieces(query, language)
        if pieces:
            relaxed = " OR ".join(f"({p})" for p in pieces)
            used.append(relaxed)
            for sid, score in _relaxed_scores(relaxed, pieces, language, needle, limit).items():
                scores.setdefault(sid, score)
        typo = _typo_expression(query, language)
        if typo and len(scores) < FILL:
            # A word one letter off counts in names and search words only: in descriptions it
            # is mostly another word (piano: paano, "how" in Tagalog).
            used.append(f"name : ({typo})")
            for sid, score in _scored(_run(used[-1], limit), language, needle, TYPO_WEIGHT).items():
                scores.setdefault(sid, score)
    return scores, used, exact


def _relaxed_scores(relaxed, pieces, language, needle, limit):
    """{service id: score} of the services with a row holding more than half of the query's
    meaningful words (ピアノ教室 finds no class for 教室 alone), weighed RELAXED_WEIGHT and by
    that share. Only the RELAXED_ROWS best rows are looked at: lower ones fall under the cut-off."""
    rows = database.execute_sql(
        "SELECT rowid, service_id, language, head, rank FROM search_fts "
        "WHERE search_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?",
        (relaxed, f"bm25(0, 0, 0, {NAME_WEIGHT}, {BODY_WEIGHT})", min(limit, RELAXED_ROWS))).fetchall()
    if not rows:
        return {}
    marks = ",".join("?" * len(rows))
    shares = dict.fromkeys((row[0] for row in rows), 0)
    for piece in pieces:
        for (rowid,) in database.execute_sql(
                f"SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid IN ({marks})",
                (piece, *shares)).fetchall():
            shares[rowid] += 1
    best = {}
    for rowid, sid, lang, head, rank in rows:
        if shares[rowid] * 2 > len(pieces):
            score = _scored([(sid, lang, head, rank)], language, needle, RELAXED_WEIGHT)[int(sid)]
            best[int(sid)] = max(best.get(int(sid), 0.0), score * shares[rowid] / len(pieces))
    return best


def _tagged(named, text_ids, limit):
    """({service id: how many of the named needs it answers}, how many active services answer
    any): those among ``text_ids``, and of the others the ``limit`` answering most (then by id;
    no more could be shown)."""
    needs = ",".join("?" * len(named))
    base = (f"SELECT n.service_id, COUNT(*) AS hits FROM {ServiceNeed._meta.table_name} n "
            f"JOIN {Service._meta.table_name} s ON s.id = n.service_id "
            f"WHERE n.need IN ({needs}) AND s.active {{}} GROUP BY n.service_id")
    tagged = dict(database.execute_sql(base.format("") + " ORDER BY hits DESC, n.service_id LIMIT ?",
                                       (*named, limit)).fetchall())
    if text_ids:
        tagged.update(database.execute_sql(base.format(f"AND n.service_id IN ({','.join('?' * len(text_ids))})"),
                                           (*named, *text_ids)).fetchall())
    total = database.execute_sql(f"SELECT COUNT(*) FROM ({base.format('')})", named).fetchone()[0]
    return tagged, total


def _spoken(ids, language):
    """The services among ``ids`` whose staff speak ``language``."""
    return {sid for (sid,) in database.execute_sql(
        f"SELECT service_id FROM {ServiceLanguage._meta.table_name} WHERE language = ? "
        f"AND service_id IN ({','.join('?' * len(ids))})", (language, *ids)).fetchall()}


def search(query, language, limit=200):
    """Services for a visitor's query, best first (see the module's docstring); no ids when the
    query has nothing to search or nothing good enough to show."""
    needle = fold(query)
    named = need_phrases.match(query) if needle else ()
    scores, used, exact = _text_scores(query, language, needle, limit * 3)
    top_text = max(scores.values(), default=0.0)
    if not named and top_text < FLOOR and not (scores and _typing(needle)):
        return Found([], named)
    if language not in JAPANESE and scores:
        for sid in _spoken(list(scores), language):
            scores[sid] *= SPOKEN_WEIGHT
        top_text = max(scores.values())
    # (A prefix in nearly every name scores nothing: then the names starting with it, equally.)
    final = {sid: score / top_text for sid, score in scores.items()} if top_text else dict.fromkeys(scores, 1.0)
    answering = set()
    if named:
        final, answering = _with_needs(named, final, used, exact, limit)
    if not final:
        return Found([], named)
    best = max(final.values())
    ranked = sorted((sid for sid in final if final[sid] >= CUTOFF * best),
                    key=lambda sid: (-final[sid], sid not in answering, sid))
    return Found(ranked[:limit], named)


def _with_needs(named, text, used, exact, limit):
    """(scores, ids of the services answering) for a query naming needs, from the text scores
    (shares of the best). The services tagged with the named needs come first (more for each
    one they answer, then by their text), with those having the query as a search word; beside
    them only services whose name or search words hold every word of the query, so weak matches
    elsewhere do not swamp them.

    Where the query's own words single out enough of the tagged services (FILL of them, or any
    when the needs cover over a third of the catalog, as volunteering does), the other tagged
    services are left to the need's own screen, which the results link to."""
    tagged, answering_any = _tagged(named, list(text), limit)
    evidenced = {sid: hits for sid, hits in tagged.items() if text.get(sid, 0.0) >= EVIDENCE}
    if evidenced and (len(evidenced) >= FILL or 3 * answering_any > _catalog_size()):
        tagged = evidenced
    answering = set(tagged) | exact
    # Only services that could pass the cut-off beside the best answering one are looked up.
    could = CUTOFF * NEED_WEIGHT * max([1.0 if exact else 0.0] + [hits / len(named) for hits in tagged.values()])
    rest = [sid for sid, score in text.items() if sid not in answering and score >= could]
    beside = {int(row[0]) for row in _run(used[0], limit * 3, names_only=True)} if rest else set()
    final = {sid: text[sid] for sid in rest if sid in beside}
    for sid in answering:
        share = 1.0 if sid in exact else tagged[sid] / len(named)
        final[sid] = NEED_WEIGHT * share + text.get(sid, 0.0)
    return final, answering


def _typing(needle):
    """One character, or one or two Latin letters: a word still being typed, not a query to
    judge (it is shown the names starting with it, never "no good answer")."""
    return len(needle) == 1 or (len(needle) == 2 and needle.isascii())


def _catalog_size():
    return Service.select().where(Service.active == True).count()  # noqa: E712


def search_ids(query, language, limit=200):
    """Service ids for a query, best first; [] when the query has nothing to search or nothing
    good enough to show."""
    return search(query, language, limit).ids


# Stopwords and their sound keys are no typo of anything (piano is not paano, "how").
_STOP_TERMS = terms.STOPWORDS | {terms.sound_key(w) for w in terms.STOPWORDS}


def _typo_expression(query, language):
    """Words of the index one edit (insert, delete, replace, swap) from a typed Latin word."""
    alternatives = []
    for word in terms.tokens(query)[:8]:
        if not (word.isascii() and word.isalpha() and len(word) >= TYPO_LENGTH) or word in terms.STOPWORDS:
            continue
        rows = database.execute_sql(
            "SELECT term FROM search_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
            (word[0], word[0] + "\uffff", len(word) - 1, len(word) + 1)).fetchall()
        near = [t for (t,) in rows if t != word and t not in _STOP_TERMS and terms.one_edit(word, t)]
        alternatives.extend(terms._quote(t) for t in near[:20])
    return " OR ".join(alternatives) or None
