"""What residents type into search, as (language, prefix) keystrokes: every prefix of the relevance
set's queries, and of the names in the catalog the kiosk serves. A list never repeats a
(language, prefix) pair, so each is a first-time query for the kiosk process it is sent to."""
import random
import re
import sqlite3
import urllib.parse

LANGS = ("ja", "en", "zh", "ko", "tl")
NAME_PREFIX = 12      # characters of a name a resident types before picking it from the results


def prefixes(text, limit=None):
    """Each keystroke's query while typing ``text`` (stripped, as the kiosk searches it)."""
    out = []
    for end in range(1, min(len(text), limit or len(text)) + 1):
        prefix = text[:end].strip()
        if prefix and (not out or out[-1] != prefix):
            out.append(prefix)
    return out


def relevance_queries():
    """The relevance set's queries as (language, query), the languages taken in turn (the set
    is grouped by language; a list cut short keeps every language)."""
    from tests import relevance
    by_lang = {lang: [q["q"] for q in relevance.queries() if q["lang"] == lang] for lang in LANGS}
    out = []
    for i in range(max(len(qs) for qs in by_lang.values())):
        out += [(lang, qs[i]) for lang, qs in by_lang.items() if i < len(qs)]
    return out


def catalog_names(db_path, seed=25):
    """(language, name) of the catalog's services in a shuffled but fixed order, without the
    running number the synthetic catalog appends (kiosk/demo/synthetic.py): what a resident reads
    on a leaflet or a card and types."""
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute("SELECT t.language, t.text FROM translation t JOIN service s ON s.id = t.owner_id "
                           "WHERE t.owner = 'service' AND t.field = 'name' AND s.active = 1 "
                           f"AND t.language IN ({', '.join('?' * len(LANGS))}) ORDER BY t.id", LANGS).fetchall()
    finally:
        con.close()
    names = sorted({(lang, re.sub(r"\s+\d+$", "", text)) for lang, text in rows})
    random.Random(seed).shuffle(names)
    return names


def keystrokes(texts, seen, limit=None, cap=None):
    """The not yet ``seen`` (language, prefix) pairs of typing ``texts``, in typing order, up
    to ``cap`` of them; ``seen`` is updated, so lists made with one set never overlap."""
    out = []
    for lang, text in texts:
        for prefix in prefixes(text, limit):
            if (lang, prefix) not in seen:
                seen.add((lang, prefix))
                out.append((lang, prefix))
                if cap and len(out) >= cap:
                    return out
    return out


def search_lines(pairs):
    """wrk list lines for search-as-you-type: the results fragment htmx asks for."""
    return [f"/{lang}/services?q={urllib.parse.quote(q)}\tHX-Request: true" for lang, q in pairs]
