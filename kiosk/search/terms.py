"""Turn catalog text and visitor queries into the same index terms.

FTS5's trigram tokenizer finds nothing for 1-2 character CJK queries, so CJK runs are indexed
as unigrams plus bigrams; text is NFKC-normalised (full/half width), case-folded and
katakana-folded to hiragana (カフェ = かふぇ). Japanese text also gets its kana reading and
romaji (from pykakasi), so 食堂, しょくどう and shokudo all find a children's cafeteria.
"""
import functools
import re
import unicodedata

import jaconv

# Han, kana (with the prolonged sound mark and iteration marks) and Hangul: scripts written
# without spaces between words, indexed as character n-grams.
_CJK = (r"\u3005\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\uac00-\ud7af\u1100-\u11ff\u3130-\u318f")
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_CJK_RE = re.compile(rf"[{_CJK}]")
_KANJI_RE = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalize(text):
    """NFKC (full-width digits and letters, half-width kana), lower case, katakana to hiragana."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return jaconv.kata2hira(text)


def _strip_marks(word):
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def tokens(text):
    """Split normalised text into CJK runs and words."""
    return _TOKEN_RE.findall(normalize(text))


def _is_cjk(token):
    return bool(_CJK_RE.match(token))


def ngrams(run):
    """Unigrams and bigrams of a CJK run."""
    grams = list(run)
    grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def index_terms(text, with_reading=False):
    """Space-separated index terms for a text (the reading adds kana and romaji for Japanese)."""
    out = []
    for tok in tokens(text):
        if _is_cjk(tok):
            out.extend(ngrams(tok))
        else:
            out.append(_strip_marks(tok))
    if with_reading and _CJK_RE.search(text or ""):
        for reading in readings(text):
            out.extend(ngrams(reading) if _is_cjk(reading) else [reading])
    return " ".join(dict.fromkeys(out))


@functools.lru_cache(maxsize=1)
def _kakasi():
    import pykakasi
    return pykakasi.kakasi()


@functools.lru_cache(maxsize=4096)
def readings(text):
    """Hiragana readings of runs with kanji, and romaji (Hepburn, passport, Kunrei) words."""
    out = []
    for part in _kakasi().convert(unicodedata.normalize("NFKC", text)):
        orig = part["orig"]
        if not _CJK_RE.search(orig):
            continue
        if _KANJI_RE.search(orig):
            out.append(normalize(part["hira"]))
        for key in ("hepburn", "passport", "kunrei"):
            word = re.sub(r"[^a-z]", "", part[key].lower())
            if len(word) >= 2:
                out.append(word)
    return tuple(dict.fromkeys(out))


def match_expression(query):
    """FTS5 MATCH expression for a visitor's query, or None when it has nothing searchable.

    CJK runs of one character match the unigram; longer runs must contain every bigram.
    Words match as prefixes, and a romaji word may also match its kana spelling.
    """
    clauses = []
    for tok in tokens(query)[:8]:
        if _is_cjk(tok):
            grams = [tok] if len(tok) == 1 else [tok[i:i + 2] for i in range(len(tok) - 1)]
            clauses.append(" AND ".join(_quote(g) for g in dict.fromkeys(grams)))
        else:
            word = _strip_marks(tok)
            alternatives = [_quote(word) + "*"]
            kana = _romaji_to_kana(word)
            if kana:
                grams = [kana] if len(kana) == 1 else [kana[i:i + 2] for i in range(len(kana) - 1)]
                alternatives.append("(" + " AND ".join(_quote(g) for g in dict.fromkeys(grams)) + ")")
            clauses.append("(" + " OR ".join(alternatives) + ")")
    if not clauses:
        return None
    return " AND ".join(f"({c})" for c in clauses)


def _romaji_to_kana(word):
    """Hiragana for a word that is entirely romaji (kafe -> かふぇ), else None."""
    if len(word) < 3 or not word.isascii() or not word.isalpha():
        return None
    kana = jaconv.kata2hira(jaconv.alphabet2kana(word))
    # Only words that read back to themselves are romaji ("libreng" and "care" are not).
    if jaconv.kana2alphabet(kana) != word or not all(_CJK_RE.match(c) for c in kana):
        return None
    return kana


def _quote(term):
    return '"' + term.replace('"', '""') + '"'
