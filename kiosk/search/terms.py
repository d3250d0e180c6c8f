"""Turn catalog text and visitor queries into the same index terms.

Every text is folded the same way on both sides: NFKC (full/half width), case, katakana to
hiragana (カフェ = かふぇ), Traditional to Simplified Chinese characters (OpenCC's t2s: 兒童 = 儿童,
日語 = 日语). CJK and Hangul runs are indexed as their bigrams in order, then unigrams (FTS5
finds nothing for 1-2 character CJK queries otherwise); a query's run is searched as a phrase of
its bigrams, so it matches only where it stands in one piece. Hangul words written with spaces
are also indexed joined, so a compound typed without a space (한국어상담) matches "한국어 상담".

Japanese goes through SudachiPy, a morphological analyser with its own dictionary: each text
also gets its normalised form (子ども/こども = 子供), its reading in hiragana (介護予防 =
かいごよぼう) and romaji words (shokudou, shokudo), so kanji, kana and romaji all find it; a
query gets the same treatment (じどう委員 finds 児童委員).

Latin-script words get a "sound key" (konsultasyon = consultation) and, in Tagalog, a light stem
with affixes and reduplication folded (magboluntaryo, pagboboluntaryo -> boluntaryo;
nakatatanda -> tanda). Synonyms are not here: they are catalog data (a keywords field per
service and language, edited by staff), and the phrases that name a need are in
needs_synonyms.toml (needs.py).
"""
import functools
import re
import unicodedata

import jaconv

from . import analyser

# Han, kana (with the prolonged sound mark and iteration marks) and Hangul: scripts written
# without spaces between words, indexed as character n-grams.
_CJK = (r"\u3005\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\uac00-\ud7af\u1100-\u11ff\u3130-\u318f")
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_CJK_RE = re.compile(rf"[{_CJK}]")
_JAPANESE_RE = re.compile(r"[\u3005\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_HANGUL_PHRASE_RE = re.compile(r"[\uac00-\ud7af]+(?:[ \u3000]+[\uac00-\ud7af]+)+")

# Words that carry no meaning on their own, dropped when a query is relaxed to "any word".
STOPWORDS = frozenset("""a an the and or of for to in on at with by from my me i you we our is are be
need want help someone some any how where what who can please near nearest
im am do does have has it this that there here so very really just get got about like will would
ang ng sa na mga para at ko ako ka mo si ni kay may ay po ba kung ano saan
gusto gustong kong mag nag kailangan paano dito ito yung lang din rin naman pa kami""".split())
TAGALOG_PREFIXES = ("pinaka", "makipag", "nakipag", "pakiki", "nakiki", "magpa", "nagpa", "pagpa",
                    "ipag", "ipa", "maka", "naka", "paka", "mag", "nag", "pag", "mang", "nang",
                    "pang", "ma", "na", "pa", "ka", "i")
TAGALOG_SUFFIXES = ("han", "hin", "an", "in")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def normalize(text):
    """NFKC, lower case, katakana to hiragana, Traditional Chinese characters to Simplified."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = jaconv.kata2hira(text)
    return _t2s().convert(text) if re.search(r"[\u3400-\u9fff\uf900-\ufaff]", text) else text


def _strip_marks(word):
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def tokens(text):
    """Split normalised text into CJK runs and words."""
    return _TOKEN_RE.findall(normalize(text))


def _is_cjk(token):
    return bool(_CJK_RE.match(token))


def bigrams(run):
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


# --- Japanese: SudachiPy ---------------------------------------------------------------------

# In this process (the hub, tests), or in a helper process of a kiosk serving visitors
# (use_helper_process): see analyser.py.
_analyser = analyser.Inline()


def use_helper_process(helper=None):
    """Analyse Japanese in a helper process from now on (`kiosk serve` on a kiosk), started now."""
    global _analyser
    old, _analyser = _analyser, helper or analyser.Helper()
    old.stop()
    _analyse.cache_clear()
    _analyser.start()
    return _analyser


def words(text, strict=False):
    """Japanese text cut into whole words (SudachiPy's SplitMode.C): for readings
    (kiosk.web.furigana) as for search. Where the helper process is not there, the text as one
    word without a reading (analyser.unread), or with ``strict`` analyser.NotRead raised."""
    return _analyser.words(text, strict=strict)


# Sounds written with small kana in loanwords, which jaconv spells letter by letter (てぃ -> tei).
_EXTENDED_KANA = {"てぃ": "ti", "でぃ": "di", "とぅ": "tu", "どぅ": "du", "ふぁ": "fa", "ふぃ": "fi",
                  "ふぇ": "fe", "ふぉ": "fo", "うぃ": "wi", "うぇ": "we", "うぉ": "wo", "ゔぁ": "va",
                  "ゔぃ": "vi", "ゔぇ": "ve", "ゔぉ": "vo", "ちぇ": "che", "しぇ": "she", "じぇ": "je"}
_EXTENDED_RE = re.compile("|".join(_EXTENDED_KANA))


@functools.lru_cache(maxsize=4096)
def romaji(reading):
    """Romaji words of a hiragana reading: Hepburn, and without long vowels (shokudou, shokudo).
    (jaconv's table, a few loanword sounds first; pykakasi cost 110 MB of memory for this.)"""
    word = jaconv.kana2alphabet(_EXTENDED_RE.sub(lambda m: _EXTENDED_KANA[m.group()], reading))
    word = re.sub(r"[^a-z]", "", word.lower())
    short = word.replace("ou", "o").replace("uu", "u").replace("oo", "o")
    return tuple(w for w in dict.fromkeys((word, short)) if len(w) >= 2)


def analyse(text):
    """(normalised form, reading in hiragana, romaji words) of Japanese text, by SudachiPy
    (kept for the next time, unless the analyser was not there to read it)."""
    try:
        return _analyse(text)
    except analyser.NotRead:
        return _analyse_words(analyser.unread(unicodedata.normalize("NFKC", text)))


@functools.lru_cache(maxsize=2048)
def _analyse(text):
    return _analyse_words(_analyser.words(unicodedata.normalize("NFKC", text), strict=True))


def _analyse_words(morphemes):
    forms, readings, romaji_words = [], [], []
    for m in morphemes:
        surface = m.surface()
        if not _JAPANESE_RE.search(surface):
            forms.append(" ")
            readings.append(" ")
            continue
        forms.append(m.normalized_form())
        reading = jaconv.kata2hira(m.reading_form())
        readings.append(reading)
        if _KANA_RE.search(reading):
            romaji_words.extend(romaji(reading))
    return normalize("".join(forms)), normalize("".join(readings)), tuple(dict.fromkeys(romaji_words))


def warm_up():
    """Read OpenCC's tables and start the analyser (in this process, its dictionary is read now:
    a second or so, once per process; a helper process reads it on the other core)."""
    normalize("兒童")
    _analyser.start()


# --- Latin script: sound key and Tagalog stems --------------------------------------------------

def sound_key(word):
    """A spelling-independent key for loanwords (consultation = konsultasyon), or ""."""
    if len(word) < 5 or not word.isascii():
        return ""
    w = re.sub(r"[ts]ion", "syon", word)
    w = w.replace("ph", "f").replace("qu", "kw").replace("x", "ks")
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k")
    w = w.replace("v", "b").replace("f", "p").replace("z", "s")
    w = re.sub(r"(.)\1+", r"\1", w)
    return w if w != word else ""


def tagalog_stem(word):
    """The root of a Tagalog word with affixes and the reduplicated syllable folded, or ""."""
    if len(word) < 6 or not word.isascii() or not word.isalpha():
        return ""
    w = word
    for prefix in TAGALOG_PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= 4:
            w = w[len(prefix):]
            break
    # Reduplication of the first syllable: (C)V(C) repeated (bobo-luntaryo, tata-nda).
    m = re.match(r"^([^aeiou]?[aeiou])\1", w)
    if m and len(w) - len(m.group(1)) >= 4:
        w = w[len(m.group(1)):]
    # Infixes -um- and -in- after the first consonant (kumain -> kain).
    m = re.match(r"^([^aeiou])(um|in)([aeiou].{2,})$", w)
    if m:
        w = m.group(1) + m.group(3)
    for suffix in TAGALOG_SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[:-len(suffix)]
            break
    return w if w != word and len(w) >= 4 else ""


def one_edit(a, b):
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


def latin_terms(word, language=None):
    out = [word]
    key = sound_key(word)
    if key:
        out.append(key)
    if language in (None, "tl"):
        stem = tagalog_stem(word)
        if stem:
            out.append(stem)
    return out


# --- index and query --------------------------------------------------------------------------

# Between two runs of bigrams: a token no query contains, so a phrase never spans two runs.
RUN_BREAK = "\ue000"


def index_terms(text, with_reading=False, language=None):
    """Space-separated index terms for a text (``with_reading``: Japanese analysis too).

    Each CJK run is written as its bigrams in order, so a query's run matches only where its
    bigrams stand next to each other (a phrase): にんちしょう must be read somewhere as one word,
    not gathered from bigrams scattered over a long description. Unigrams, words and romaji
    follow, once each."""
    runs, rest = [], []
    for tok in tokens(text):
        if _is_cjk(tok):
            runs.append(tok)
            rest.extend(tok)
        else:
            rest.extend(latin_terms(_strip_marks(tok), language))
    folded = normalize(text)
    for phrase in _HANGUL_PHRASE_RE.findall(folded):
        runs.append(re.sub(r"[ \u3000]+", "", phrase))
    if with_reading and _JAPANESE_RE.search(text or ""):
        form, reading, words = analyse(text)
        for alt in (form, reading):
            for run in _TOKEN_RE.findall(alt):
                if _is_cjk(run):
                    runs.append(run)
                    rest.extend(run)
        rest.extend(words)
    out = []
    for run in dict.fromkeys(runs):
        out.extend(bigrams(run))
        out.append(RUN_BREAK)
    return " ".join(out + list(dict.fromkeys(rest)))


def _phrase(run):
    """A CJK run as an FTS5 phrase of its bigrams (one character: its unigram)."""
    return _quote(" ".join(bigrams(run)))


def _spellings(raw, run):
    """A CJK run of a query as typed, in its normalised form and in its reading (Japanese)."""
    spellings = [run]
    if _JAPANESE_RE.search(raw) and (_KANA_RE.search(raw) or re.search(r"[\u4e00-\u9fff]", raw)):
        form, reading, _words = analyse(raw)
        for alt in (form, reading):
            alt = alt.replace(" ", "")
            if alt and all(_is_cjk(c) for c in alt):
                spellings.append(alt)
    return list(dict.fromkeys(spellings))


def _cjk_clause(run, raw):
    """Alternatives for one CJK run of a query: as typed, normalised form, reading; each must
    stand in the text as one piece (a phrase of its bigrams)."""
    return " OR ".join(_phrase(s) for s in _spellings(raw, run))


def clauses(query, language=None):
    """[(clause, means nothing alone)] for a visitor's query: one clause per word or CJK run.

    CJK runs must stand in the text as one piece (as typed, in their normalised form or in
    their reading); words match as prefixes, or their sound key, Tagalog stem or kana spelling."""
    out = []
    raw_runs = _TOKEN_RE.findall(unicodedata.normalize("NFKC", query or "").casefold())
    for i, tok in enumerate(tokens(query)[:8]):
        raw = raw_runs[i] if i < len(raw_runs) else tok
        if _is_cjk(tok):
            clause = _cjk_clause(tok, raw)
            chunks = content_chunks(raw) if _KANA_RE.search(raw) else []
            if chunks and chunks != [raw]:
                # Japanese with particles and endings (ボランティアしたい, 家賃が払えない): or
                # every word that carries its meaning, each in one piece.
                clause += " OR (" + " AND ".join(f"({_cjk_clause(normalize(c), c)})" for c in chunks) + ")"
            out.append((clause, False))
            continue
        word = _strip_marks(tok)
        alternatives = [_quote(t) + "*" for t in dict.fromkeys(latin_terms(word, language))]
        kana = _romaji_to_kana(word)
        if kana:
            alternatives.append(_phrase(kana))
        # A stopword, or one or two letters (a word still being typed), means nothing alone.
        out.append(("(" + " OR ".join(alternatives) + ")", word in STOPWORDS or len(word) < 3))
    return out


def match_expression(query, language=None):
    """FTS5 MATCH expression requiring every word of the query, or None."""
    parts = clauses(query, language)
    if not parts:
        return None
    return " AND ".join(f"({c})" for c, _stop in parts)


def relaxed_pieces(query, language=None):
    """The meaningful words of a query as FTS5 expressions, when there are two or more, else [].

    A query written without spaces is cut into its words: Japanese into the pieces between
    particles and endings (家賃が払えない: 家賃, 払え), Chinese into its bigrams (孩子免费吃饭), so
    the services sharing most of its words can be found."""
    parts = [c for c, stop in clauses(query, language) if not stop]
    if len(parts) >= 2:
        return parts
    pieces = []
    raw_runs = _TOKEN_RE.findall(unicodedata.normalize("NFKC", query or "").casefold())
    for raw in raw_runs:
        run = normalize(raw)
        if not _is_cjk(run) or len(run) < 3:
            continue
        chunks = content_chunks(raw) if _JAPANESE_RE.search(raw) else []
        if _KANA_RE.search(raw) or (language in ("ja", "ja-easy") and len(chunks) >= 2):
            pieces.extend(_cjk_clause(normalize(chunk), chunk) for chunk in chunks)
        else:
            pieces.extend(_quote(g) for g in bigrams(run))
    pieces = list(dict.fromkeys(pieces))
    return pieces if len(pieces) >= 2 else []


# Parts of speech that carry no meaning of their own in a query: particles, endings, symbols.
_FUNCTION_POS = ("助詞", "助動詞", "補助記号", "空白", "記号")


def content_chunks(text):
    """Japanese text cut into the words that carry its meaning, two characters or more each,
    a prefix or suffix kept with its word (家賃が払えない: 家賃, 払え; 認知症相談: 認知症, 相談)."""
    chunks, current, prefix = [], "", ""
    for m in words(text):
        pos = m.part_of_speech()
        if pos[0] in _FUNCTION_POS or pos[1] == "非自立可能":
            chunks.append(current)
            current, prefix = "", ""
        elif pos[0] == "接頭辞":
            chunks.append(current)
            current, prefix = "", m.surface()
        elif pos[0] == "接尾辞":
            current += m.surface()
        else:
            chunks.append(current)
            current, prefix = prefix + m.surface(), ""
    chunks.append(current)
    return [c for c in dict.fromkeys(chunks) if len(c) >= 2 and _is_cjk(normalize(c))]


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
