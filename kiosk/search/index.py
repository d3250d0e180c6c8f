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

What a search costs does not follow the catalog. A first pass looks at names and search words
only; descriptions are searched when it finds fewer than FILL services. When more than CANDIDATES
index rows match (a word being typed, "s", matches most of a large catalog), only the first
CANDIDATES matches in any language and the first CANDIDATES in the visitor's language are ranked,
lowest service ids first (the ranking's own tie-break), with the scores the whole ranking would
give them: FTS5 stops reading at the last. One- and two-character prefixes are read from FTS5's prefix indexes. Results are kept
a minute per query and language for every visitor of the kiosk (cached_search), until the
catalog changes. Each index is read from one segment: a full reindex ends merged, and the sync
loop merges what the feed changed once it is a tenth of the catalog (merge_index).
"""
import collections
import dataclasses
import json
import threading
import time
import unicodedata
import zlib

from ..catalog import generation
from ..db import database, is_sqlite
from ..models import KioskState, Service, ServiceLanguage, ServiceNeed, Translation
from . import needs as need_phrases
from . import analyser, terms

INDEX_VERSION = "7"          # bump when terms.py changes what it indexes: kiosks reindex on start
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

# Bounds on the work of one search (see the module's docstring).
CANDIDATES = 240             # index rows ranked in each pass of a query matching more
ROW_SLOTS = 64               # a service's rows are ids * ROW_SLOTS + its language's slot (_slot)
# A row's language is its slot: the kiosk's languages have their own; any other language one of
# the rest, by a hash (two of those in one service: the second takes a free slot, and ranks as in
# another language than its own).
LANGUAGE_SLOTS = {"ja": 0, "en": 1, "zh": 2, "ko": 3, "tl": 4, "ja-easy": 5}
OTHER_SLOTS = 8
# bm25 weights of each index's columns (the language token weighs nothing).
NAMES, FULL = "search_names", "search_fts"
WEIGHTS = {NAMES: f"{NAME_WEIGHT}, 0", FULL: f"{NAME_WEIGHT}, {BODY_WEIGHT}, 0"}
CACHE_SIZE = 512             # queries whose results are kept...
CACHE_SECONDS = 60.0         # ...this long, or until the catalog changes


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


def _row(rowid, service_id, language, doc):
    reading = language in JAPANESE
    name = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language)
                    for f in NAME_FIELDS + ("official_name",))
    body = " ".join(terms.index_terms(doc.get(f, ""), with_reading=reading, language=language)
                    for f in BODY_FIELDS)
    # head: the name, then each search word and the official name, folded, one a line (a query
    # that starts the name or equals a search word is what staff meant by it).
    words = [doc.get("name", "")] + doc.get("keywords", "").splitlines() + [doc.get("official_name", "")]
    head = "\n".join(dict.fromkeys(fold(w) for w in words if fold(w)))
    return (rowid, service_id, language, head, _language_token(language), name, body)


def _slot(language):
    """The slot of a row in ``language`` among its service's rows (see LANGUAGE_SLOTS)."""
    slot = LANGUAGE_SLOTS.get(language)
    if slot is None:
        slot = OTHER_SLOTS + zlib.crc32(language.encode()) % (ROW_SLOTS - OTHER_SLOTS)
    return slot


def _slots(languages):
    """{language: slot} for one service's languages: each its own slot, or a free one."""
    taken, out = set(), {}
    for language in sorted(languages, key=lambda lang: (lang not in LANGUAGE_SLOTS, lang)):
        slot = _slot(language)
        if slot in taken:
            slot = next((s for s in range(OTHER_SLOTS, ROW_SLOTS) if s not in taken), None)
            if slot is None:
                continue     # more languages than slots: the rest are not searched
        taken.add(slot)
        out[language] = slot
    return out


def _language_token(language):
    """A row's language as one index term (its hex spelling, so ja-easy is not ja and easy)."""
    return "l" + language.encode().hex()


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
            for table in (NAMES, FULL):
                database.execute_sql(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
            database.execute_sql("DELETE FROM search_row")
            database.execute_sql("DELETE FROM search_line")
            database.execute_sql("DELETE FROM search_word")
        for sid in service_ids or ():
            # The indexes hold search_row's text as external content: each forgets a row's
            # terms given the text it indexed, so that goes before the row.
            span = (sid * ROW_SLOTS, sid * ROW_SLOTS + ROW_SLOTS - 1)
            database.execute_sql(f"INSERT INTO {NAMES} ({NAMES}, rowid, name, lang) SELECT 'delete', "
                                 "rowid, name, lang FROM search_row WHERE rowid BETWEEN ? AND ?", span)
            database.execute_sql(f"INSERT INTO {FULL} ({FULL}, rowid, name, body, lang) SELECT 'delete', "
                                 "rowid, name, body, lang FROM search_row WHERE rowid BETWEEN ? AND ?", span)
            database.execute_sql("DELETE FROM search_row WHERE rowid BETWEEN ? AND ?", span)
            database.execute_sql("DELETE FROM search_line WHERE row BETWEEN ? AND ?", span)
        # A service's rows sit together in id order: the bounded ranking takes the first
        # matches by rowid, and a service's rows are replaced by their range.
        languages = collections.defaultdict(list)
        for sid, language in docs:
            languages[sid].append(language)
        rows = []
        for sid in sorted(languages):
            for language, slot in sorted(_slots(languages[sid]).items(), key=lambda item: item[1]):
                rows.append(_row(sid * ROW_SLOTS + slot, sid, language, docs[(sid, language)]))
        cursor = database.cursor()
        for i in range(0, len(rows), 500):
            chunk = rows[i:i + 500]
            cursor.executemany("INSERT INTO search_row (rowid, service_id, language, head, lang, name, body) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
            cursor.executemany(f"INSERT INTO {NAMES} (rowid, name, lang) VALUES (?, ?, ?)",
                               [(r[0], r[5], r[4]) for r in chunk])
            cursor.executemany(f"INSERT INTO {FULL} (rowid, name, body, lang) VALUES (?, ?, ?, ?)",
                               [(r[0], r[5], r[6], r[4]) for r in chunk])
            cursor.executemany("INSERT INTO search_line (line, row, first) VALUES (?, ?, ?)",
                               [(line, r[0], int(i == 0)) for r in chunk for i, line in enumerate(r[3].split("\n"))
                                if line])
        # Words a typo may stand for (a word no longer in any name only costs a look).
        words = {t for r in rows for t in r[5].split()
                 if len(t) >= TYPO_LENGTH - 1 and t.isascii() and t.isalpha()}
        cursor.executemany("INSERT OR IGNORE INTO search_word (term) VALUES (?)", [(w,) for w in sorted(words)])
        if service_ids is None:
            KioskState.set_value(VERSION_KEY, INDEX_VERSION)
            for table in (NAMES, FULL):
                database.execute_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    global _unmerged, _short_of
    if service_ids is None:
        _unmerged = _short_of = 0
    else:
        _unmerged += len(service_ids)
    _results.clear()
    _statistics.clear()


# Merging the index. FTS5 writes each change as a new segment and merges them a few at a time
# (automerge), so an index built page by page from the feed is read from many segments: every
# doclist a search reads is a look in each. One segment per table made the bench keystrokes'
# SQL 28% cheaper than the same catalog indexed a hundred services at a time. A full reindex
# ends merged; changes through the feed are merged by the sync loop (merge_index) once they
# touch a tenth of the catalog (MERGE_AFTER at least), in steps of MERGE_PAGES pages, each its
# own short transaction, within MERGE_SECONDS a round. The count lives in this process: a
# restart forgets changes not yet merged (they are merged with the next tenth).
MERGE_AFTER = 20             # services reindexed, at least...
MERGE_SHARE = 10             # ...and a tenth of the catalog
MERGE_PAGES = 200            # index pages written by one step
MERGE_SECONDS = 2.0          # steps a sync round takes at most
_unmerged = 0                # services reindexed since the index was last one segment a table
_short_of = 0                # _unmerged when a round last found it too few to merge


def merge_step(table, pages=MERGE_PAGES):
    """One step of merging every segment of ``table``, whatever its level, into one (at most
    ``pages`` pages written); True when there was work to do. Inside the caller's transaction."""
    connection = database.connection()
    before = connection.total_changes
    database.execute_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", (-pages,))
    return connection.total_changes - before > 1    # (the command's own row is one)


def merge_index(seconds=MERGE_SECONDS, after=None):
    """Merge the index's segments in steps for at most ``seconds`` when enough services have
    been reindexed since it was last merged (``after``: how many; default a tenth of the
    catalog, MERGE_AFTER at least). Returns True when the index is merged (or needs no merge)."""
    global _unmerged, _short_of
    if not is_sqlite() or _unmerged == 0:
        return True
    if after is None:
        if _unmerged == _short_of:
            return True     # nothing reindexed since a round found too few: not counted again
        (rows,) = database.execute_sql("SELECT COUNT(*) FROM search_row").fetchone()
        if _unmerged < max(MERGE_AFTER, rows // len(LANGUAGE_SLOTS) // MERGE_SHARE):
            _short_of = _unmerged
            return True
    elif _unmerged < after:
        return True
    deadline = time.monotonic() + seconds
    for table in (NAMES, FULL):
        while True:
            with database.atomic():
                worked = merge_step(table, MERGE_PAGES)
            if not worked:
                break
            if time.monotonic() >= deadline:
                return False
    _unmerged = _short_of = 0
    return True


@dataclasses.dataclass
class Found:
    """What a search found: service ids, best first, and the needs the query named."""
    ids: list
    needs: tuple = ()


def _bound(table, expression, candidates):
    """The last rowid of the service holding the ``candidates``-th match of an expression, or
    None when fewer match. Unranked, FTS5 stops reading at that match."""
    row = database.execute_sql(
        f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid LIMIT 1 OFFSET ?",
        (expression, candidates - 1)).fetchone()
    return None if row is None else row[0] // ROW_SLOTS * ROW_SLOTS + ROW_SLOTS - 1


def _own(expression, language):
    """An expression's matches in ``language`` only, through the index's language term."""
    return f"({expression}) AND lang : {_language_token(language)}"


def _ranked(table, expression, language, needle, limit, candidates=CANDIDATES):
    """[(rowid, service_id, own language, head, bm25)] best first (see _rank), of the rows of an
    index matching an FTS5 expression: all of them when at most ``candidates`` match (or
    ``candidates`` is None), else the first ``candidates`` matches in any language (lowest
    service ids first; the last one's service may have more rows further on, unranked), and
    those in the visitor's language beyond them up to ``candidates`` of hers in all: bm25 reads
    each ranked row's sizes, and a prefix being typed matches most of a catalog. bm25 weighs
    each phrase over the whole table, so a row scores the same whatever the bounds.

    FTS5 reads the matches in rowid order and stops at the limit: a query matching fewer than
    ``candidates`` rows is one statement, a broader one two. (Finding the bounds first, then
    ranking up to them, read the matches two or three times.) A word still being typed
    (_typing) is the exception: it matches thousands of rows, and the pass bm25 makes over them
    once a statement costs more than finding the bounds."""
    if candidates is None:
        rows = _rank(table, expression, language, needle)
    elif _typing(needle):
        # A word being typed matches most of a large catalog: bm25 weighs each phrase by a pass
        # over every row holding it, once a statement. Both bounds first (reading stops at each),
        # then one ranking statement.
        bound = _bound(table, expression, candidates)
        if bound is None:
            rows = _rank(table, expression, language, needle)
        else:
            own_bound = _bound(table, _own(expression, language), candidates)
            # Every match up to the bound, and hers up to her own (all of hers: fewer than that).
            where, args = "AND (f.rowid <= ? OR f.rowid % ? = ?)", [bound, ROW_SLOTS, _slot(language)]
            if own_bound is not None:
                where, args = "AND f.rowid <= ? " + where, [own_bound, *args]
            rows = _rank(table, expression, language, needle, where, args)
    else:
        rows = _rank(table, expression, language, needle, "ORDER BY f.rowid", limit=candidates)
        if len(rows) >= candidates:
            hers = sum(1 for row in rows if row[2])
            if hers < candidates:
                # Her language's matches beyond, picked by their rowid's slot. (Not through the
                # index's language term: bm25 weighs every phrase of an expression by a pass
                # over all its rows, and that term is in a sixth of the index; rows of other
                # languages are passed over before bm25 is worked out.)
                rows += _rank(table, expression, language, needle,
                              "AND f.rowid > ? AND f.rowid % ? = ? ORDER BY f.rowid",
                              (max(row[0] for row in rows), ROW_SLOTS, _slot(language)), limit=candidates - hers)
    rows.sort(key=lambda row: row[4])
    return rows[:limit]


def _rank(table, expression, language, needle, where="", args=(), limit=-1):
    """[(rowid, service_id, own language, head, bm25)] of the matches of an expression: own
    language 1 for a row in the visitor's language, else 0; head 2 when the query is the name, a
    search word or the official name (folded, as fold() folds the query), 1 when the name starts
    with it, else 0. ``where`` follows the MATCH (more conditions with their ``args``, an ORDER
    BY); at most ``limit`` rows (-1: all of them).

    A row's service and language are its rowid (ROW_SLOTS, _slot), and the rows with the query
    as a line of their names, or starting their name, are read once from search_line: looking up
    each ranked row in search_row read a page of its text per row, more than its bm25 cost.

    The rows come back as one JSON text, worked out by SQLite: a row at a time, each would let
    the process's other threads take the interpreter (the sqlite3 module lets it go around
    every step), and eight visitors typing at once spent more time handing it over than
    searching."""
    if needle:
        head = ("CASE WHEN f.rowid IN (SELECT row FROM search_line WHERE line = ?) THEN 2 "
                "WHEN f.rowid IN (SELECT row FROM search_line WHERE line >= ? AND line < ? AND first) THEN 1 "
                "ELSE 0 END")
        heads = (needle, needle, needle + "\U0010ffff")
    else:
        head, heads = "0", ()
    (found,) = database.execute_sql(
        f"SELECT json_group_array(json_array(rowid, rowid / {ROW_SLOTS}, own, head, rank)) FROM ("
        f"SELECT f.rowid AS rowid, f.rowid % {ROW_SLOTS} = ? AS own, {head} AS head, "
        f"bm25({table}, {WEIGHTS[table]}) AS rank "
        f"FROM {table} f WHERE {table} MATCH ? {where} LIMIT ?)",
        # (the limit, -1 for none, keeps bm25 out of the aggregate: SQLite would not run it there)
        (_slot(language), *heads, expression, *args, limit)).fetchone()
    return json.loads(found)


def _scored(rows, weight=1.0, exact=None):
    """{service id: score} from index rows (see _rank), higher is better: a service's best row.
    A name that starts with the query, or a search word (or official name) that is the query,
    weighs NAME_PREFIX_WEIGHT; services with the latter are added to the set ``exact`` when one
    is given."""
    best = {}
    for _rowid, sid, own, head, rank in rows:
        score = -rank * weight
        if own:
            score *= OWN_LANGUAGE_WEIGHT
        if head:
            score *= NAME_PREFIX_WEIGHT
            if head == 2 and exact is not None:
                exact.add(sid)
        best[sid] = max(score, best.get(sid, 0.0))
    return best


def _text_scores(query, language, needle, limit, candidates):
    """({service id: score}, {ids of services with the query as a name or search word}, {ids
    of services whose name or search words hold every word of the query}) for the services
    whose text matches the query: every word in names and search words first, in descriptions
    too when that finds fewer than FILL; then some of the words or a word one letter off
    (weighed less)."""
    expression = terms.match_expression(query, language)
    if not expression:
        return {}, set(), set()
    exact = set()
    scores = _scored(_ranked(NAMES, expression, language, needle, limit, candidates), exact=exact)
    in_names = set(scores)
    # One character, or one or two Latin letters, match half the catalog's descriptions: only
    # names and search words count for them, from the start of a word.
    if len(scores) < FILL and not _typing(needle):
        exact = set()
        scores = _scored(_ranked(FULL, expression, language, needle, limit, candidates), exact=exact)
    if len(scores) < FILL and len(needle) > 2:
        pieces = terms.relaxed_pieces(query, language)
        if pieces:
            relaxed = " OR ".join(f"({p})" for p in pieces)
            for sid, score in _relaxed_scores(relaxed, pieces, language, needle, limit, candidates).items():
                scores.setdefault(sid, score)
        typo = _typo_expression(query, language)
        if typo and len(scores) < FILL:
            # A word one letter off counts in names and search words only: in descriptions it
            # is mostly another word (piano: paano, "how" in Tagalog).
            rows = _ranked(NAMES, typo, language, needle, limit, candidates)
            for sid, score in _scored(rows, TYPO_WEIGHT).items():
                scores.setdefault(sid, score)
    return scores, exact, in_names


def _relaxed_scores(relaxed, pieces, language, needle, limit, candidates):
    """{service id: score} of the services with a row holding more than half of the query's
    meaningful words (ピアノ教室 finds no class for 教室 alone), weighed RELAXED_WEIGHT and by
    that share. Only the RELAXED_ROWS best rows are looked at: lower ones fall under the cut-off."""
    rows = _ranked(FULL, relaxed, language, needle, min(limit, RELAXED_ROWS), candidates)
    if not rows:
        return {}
    shares = dict.fromkeys((row[0] for row in rows), 0)
    # Which of those rows hold each word: the matches between the first and last of them (a
    # range FTS5 seeks to; "rowid IN" would run the word's query once per row).
    low, high = min(shares), max(shares)
    for piece in pieces:
        for (rowid,) in database.execute_sql(
                f"SELECT rowid FROM {FULL} WHERE {FULL} MATCH ? AND rowid BETWEEN ? AND ?",
                (piece, low, high)).fetchall():
            if rowid in shares:
                shares[rowid] += 1
    best = {}
    for row in rows:
        rowid, sid = row[0], int(row[1])
        if shares[rowid] * 2 > len(pieces):
            score = _scored([row], RELAXED_WEIGHT)[sid]
            best[sid] = max(best.get(sid, 0.0), score * shares[rowid] / len(pieces))
    return best


def _tagging(named, condition=""):
    """SQL for (service id, how many of the named needs it answers) of the active services."""
    needs = ",".join("?" * len(named))
    return (f"SELECT n.service_id, COUNT(*) AS hits FROM {ServiceNeed._meta.table_name} n "
            f"JOIN {Service._meta.table_name} s ON s.id = n.service_id "
            f"WHERE n.need IN ({needs}) AND s.active {condition} GROUP BY n.service_id")


def _tagged(named, text_ids, limit):
    """({service id: how many of the named needs it answers}, how many active services answer
    any, how many services are active): those among ``text_ids``, and of the others the
    ``limit`` answering most (then by id; no more could be shown)."""
    top, total, size = _answering(named, limit)
    tagged = dict(top)
    if text_ids:
        among = f"AND n.service_id IN ({','.join('?' * len(text_ids))})"
        tagged.update(database.execute_sql(_tagging(named, among), (*named, *text_ids)).fetchall())
    return tagged, total, size


def _answering(named, limit):
    """([(id, hits)] of the ``limit`` active services answering most of the named needs, then by
    id; how many active services answer any; how many are active). The same for every query
    naming these needs, and each a pass over the catalog: kept until the catalog changes."""
    key = (database.database, generation(), named, limit)
    found = _statistics.get(key)
    if found is None:
        base = _tagging(named)
        top = database.execute_sql(base + " ORDER BY hits DESC, n.service_id LIMIT ?", (*named, limit)).fetchall()
        total = database.execute_sql(f"SELECT COUNT(*) FROM ({base})", named).fetchone()[0]
        size = Service.select().where(Service.active == True).count()  # noqa: E712
        found = (top, total, size)
        _statistics.put(key, found)
    return found


def _spoken(ids, language):
    """The services among ``ids`` whose staff speak ``language``."""
    (found,) = database.execute_sql(
        f"SELECT json_group_array(service_id) FROM {ServiceLanguage._meta.table_name} WHERE language = ? "
        f"AND service_id IN ({','.join('?' * len(ids))})", (language, *ids)).fetchone()
    return set(json.loads(found))


def search(query, language, limit=200, candidates=CANDIDATES):
    """Services for a visitor's query, best first (see the module's docstring); no ids when the
    query has nothing to search or nothing good enough to show. ``candidates``: index rows
    ranked in each pass of a broad query (None: every match, as a check of the bound)."""
    needle = fold(query)
    named = need_phrases.match(query) if needle else ()
    scores, exact, in_names = _text_scores(query, language, needle, limit * 3, candidates)
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
        final, answering = _with_needs(named, final, in_names, exact, limit)
    if not final:
        return Found([], named)
    best = max(final.values())
    ranked = sorted((sid for sid in final if final[sid] >= CUTOFF * best),
                    key=lambda sid: (-final[sid], sid not in answering, sid))
    return Found(ranked[:limit], named)


def _with_needs(named, text, in_names, exact, limit):
    """(scores, ids of the services answering) for a query naming needs, from the text scores
    (shares of the best). The services tagged with the named needs come first (more for each
    one they answer, then by their text), with those having the query as a search word; beside
    them only services whose name or search words hold every word of the query, so weak matches
    elsewhere do not swamp them.

    Where the query's own words single out enough of the tagged services (FILL of them, or any
    when the needs cover over a third of the catalog, as volunteering does), the other tagged
    services are left to the need's own screen, which the results link to."""
    tagged, answering_any, catalog_size = _tagged(named, list(text), limit)
    evidenced = {sid: hits for sid, hits in tagged.items() if text.get(sid, 0.0) >= EVIDENCE}
    if evidenced and (len(evidenced) >= FILL or 3 * answering_any > catalog_size):
        tagged = evidenced
    answering = set(tagged) | exact
    # Only services that could pass the cut-off beside the best answering one are looked up.
    could = CUTOFF * NEED_WEIGHT * max([1.0 if exact else 0.0] + [hits / len(named) for hits in tagged.values()])
    rest = [sid for sid, score in text.items() if sid not in answering and score >= could]
    final = {sid: text[sid] for sid in rest if sid in in_names}
    for sid in answering:
        share = 1.0 if sid in exact else tagged[sid] / len(named)
        final[sid] = NEED_WEIGHT * share + text.get(sid, 0.0)
    return final, answering


def _typing(needle):
    """One character, or one or two Latin letters: a word still being typed, not a query to
    judge (it is shown the names starting with it, never "no good answer")."""
    return len(needle) == 1 or (len(needle) == 2 and needle.isascii())


def search_ids(query, language, limit=200):
    """Service ids for a query, best first; [] when the query has nothing to search or nothing
    good enough to show."""
    return search(query, language, limit).ids


class _Results:
    """What searches found, kept for every visitor of this kiosk process: residents type the
    same few words, a letter at a time, and each letter is a search. Keys name the catalog
    generation; an entry lasts ``seconds`` at most, the oldest go past ``size``, and reindex()
    empties both stores."""

    def __init__(self, size, seconds):
        self.size, self.seconds = size, seconds
        self._data = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self._data.move_to_end(key)
            return entry[1]

    def put(self, key, found):
        with self._lock:
            self._data[key] = (time.monotonic() + self.seconds, found)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_results = _Results(CACHE_SIZE, CACHE_SECONDS)
_statistics = _Results(64, CACHE_SECONDS)       # what queries naming the same needs share


def cached_search(query, language, limit=200):
    """search(), answered from the results of the same query (as every later step folds it:
    width, case, spaces) in the same language while the catalog has not changed."""
    key = (" ".join(unicodedata.normalize("NFKC", query or "").casefold().split()), language, limit,
           database.database, generation())
    found = _results.get(key)
    if found is None:
        misses = analyser.misses
        found = search(query, language, limit)
        if analyser.misses == misses:   # not kept when the analyser was away (read as characters)
            _results.put(key, found)
    return Found(list(found.ids), found.needs)


# Stopwords and their sound keys are no typo of anything (piano is not paano, "how").
_STOP_TERMS = terms.STOPWORDS | {terms.sound_key(w) for w in terms.STOPWORDS}


def _typo_expression(query, language):
    """Words of the names and search words one edit (insert, delete, replace, swap) from a
    typed Latin word."""
    alternatives = []
    for word in terms.tokens(query)[:8]:
        if not (word.isascii() and word.isalpha() and len(word) >= TYPO_LENGTH) or word in terms.STOPWORDS:
            continue
        rows = database.execute_sql(
            "SELECT term FROM search_word WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
            (word[0], word[0] + "\uffff", len(word) - 1, len(word) + 1)).fetchall()
        near = [t for (t,) in rows if t != word and t not in _STOP_TERMS and terms.one_edit(word, t)]
        alternatives.extend(terms._quote(t) for t in near[:20])
    return " OR ".join(alternatives) or None
