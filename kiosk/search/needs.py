"""Which needs a visitor's query names (お金がない, walang pera, 월세, lonely...).

A resident rarely knows a program's name; she types what is wrong. The phrases that name each
need, in every language, are data (needs_synonyms.toml, next to this file); this module folds
them as the search index folds text and finds them in a query. The search then ranks the
services tagged with those needs first (kiosk.search.index).
"""
import functools
import pathlib
import re
import tomllib

from . import terms

SYNONYMS = pathlib.Path(__file__).with_name("needs_synonyms.toml")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
FUZZY_LENGTH = 5   # Latin words this long match one letter off (dementa = dementia)
# Small kana folded to full size on both sides: a small ょ is easily missed (にんちしよう).
_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎ", "あいうえおつやゆよわ")


def _fold_kana(text):
    return text.translate(_SMALL_KANA)


@functools.lru_cache(maxsize=1)
def phrases():
    """[(kind, folded phrase, need)]: kind "latin" (a tuple of words), "hangul" or "cjk" (a string
    without spaces), in the order of the file."""
    with open(SYNONYMS, "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for need, by_language in data.items():
        for phrase in (p for language in by_language.values() for p in language):
            toks = terms.tokens(phrase)
            if not toks:
                continue
            if any(terms._is_cjk(t) for t in toks):
                kind = "hangul" if _HANGUL_RE.search(phrase) else "cjk"
                out.append((kind, _fold_kana("".join(toks)), need))
            else:
                out.append(("latin", tuple(_word(t) for t in toks), need))
    return list(dict.fromkeys(out))


def _word(token):
    return terms._strip_marks(token)


@functools.lru_cache(maxsize=1)
def _latin_index():
    """({first word: [(phrase, need)]}, every phrase word) of the Latin-script phrases."""
    by_first = {}
    for kind, phrase, need in phrases():
        if kind == "latin":
            by_first.setdefault(phrase[0], []).append((phrase, need))
    return by_first, frozenset(w for phrase_list in by_first.values() for phrase, _ in phrase_list for w in phrase)


@functools.lru_cache(maxsize=1024)
def _stands_for(word):
    """The phrase words a typed word stands for: itself, its Tagalog stem (or a long phrase word
    whose stem it is), or a long phrase word one letter off; never another word when the typed
    word is itself a phrase word (food is not flood)."""
    known = _latin_index()[1]
    if word in known or len(word) < FUZZY_LENGTH:
        return frozenset({word} & known)
    # The same one-letter rule as the search's typo step. (Each phrase word's stem is worked
    # out once, in _stems: a first-time query is not to wait on every phrase word's.)
    return frozenset(w for w in known if len(w) >= FUZZY_LENGTH and abs(len(w) - len(word)) <= 1
                     and terms.one_edit(w, word)) | \
        frozenset(w for w in (terms.tagalog_stem(word),) if w in known) | \
        frozenset(w for w in _stems().get(word, ()))


@functools.lru_cache(maxsize=1)
def _stems():
    """{Tagalog stem: the long phrase words with that stem}."""
    out = {}
    for w in _latin_index()[1]:
        stem = terms.tagalog_stem(w) if len(w) >= FUZZY_LENGTH else ""
        if stem:
            out.setdefault(stem, set()).add(w)
    return out


def _latin_needs(words):
    by_first = _latin_index()[0]
    stands = [_stands_for(w) for w in words]
    for i, firsts in enumerate(stands):
        for first in firsts:
            for phrase, need in by_first.get(first, ()):
                if i + len(phrase) <= len(words) and all(phrase[k] in stands[i + k] for k in range(1, len(phrase))):
                    yield need


@functools.lru_cache(maxsize=1024)
def match(query):
    """The needs (vocab.NEEDS slugs) a query names, in the file's order; () when none."""
    toks = terms.tokens(query)[:12]
    if not toks:
        return ()
    words = [_word(t) for t in toks if not terms._is_cjk(t)]
    found = set(_latin_needs(words))
    # Japanese, Chinese: the query without spaces, also in Sudachi's normalised form (子供 =
    # 子ども) and with romaji words as kana (kaigo = かいご).
    spellings = {"".join(toks)}
    spellings.update(k for k in (terms._romaji_to_kana(w) for w in words if len(w) >= 4) if k)
    raw = " ".join(toks)
    japanese = terms._JAPANESE_RE.search(raw)
    if japanese:
        form, _reading, _romaji = terms.analyse(raw)
        spellings.add(form.replace(" ", ""))
    spellings = {_fold_kana(s) for s in spellings}
    readings = _readings(raw) if japanese else ()
    # Korean: a phrase starts a word of the query (particles and endings follow it).
    hangul_starts = ["".join(toks[i:]) for i, t in enumerate(toks) if _HANGUL_RE.match(t)]
    cjk, hangul = _first_chars()
    for spelling in spellings:
        for i, char in enumerate(spelling):
            found.update(need for phrase, need in cjk.get(char, ()) if spelling.startswith(phrase, i))
    for reading, bounds in readings:
        for i in bounds:
            found.update(need for phrase, need in cjk.get(reading[i:i + 1], ())
                         if reading.startswith(phrase, i) and i + len(phrase) in bounds)
    for start in hangul_starts:
        found.update(need for phrase, need in hangul.get(start[0], ()) if start.startswith(phrase))
    return tuple(need for need in _order() if need in found)


@functools.lru_cache(maxsize=1)
def _first_chars():
    """({first character: [(phrase, need)]} of the Japanese and Chinese phrases, the same of the
    Korean ones)."""
    out = ({}, {})
    for kind, phrase, need in phrases():
        if kind != "latin":
            out[kind == "hangul"].setdefault(phrase[0], []).append((phrase, need))
    return out


@functools.lru_cache(maxsize=1)
def _order():
    return tuple(dict.fromkeys(need for _kind, _phrase, need in phrases()))


def _readings(text):
    """The query's reading in hiragana with the offsets where its words begin and end: a phrase
    written in kana matches a reading only on word boundaries (かいご is in かいごう, 会合, but
    not as a word)."""
    reading, bounds = "", {0}
    for m in terms.words(text):
        part = _fold_kana(terms.normalize(m.reading_form())) if terms._JAPANESE_RE.search(m.surface()) else ""
        reading += part
        bounds.add(len(reading))
    return [(reading, frozenset(bounds))] if reading else []
