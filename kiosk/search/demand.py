"""What a search tells the ward: how it ended, and which of its words may be kept.

A search that found little or nothing is a resident telling the ward what it lacks or how people
name it, so its words are kept (as counts, kiosk.site.demand); but a visitor may type anything
into a search box, her own name or phone number included. So the words are scrubbed *before*
anything is stored, and the scrubbing drops whatever it is unsure of:

- the whole query, when any part of it looks like a name (below), when it holds an e-mail
  address (an @, or a word joined to the next by a dot or an underscore, as in taro.yamada or
  example.org), or a name followed by an honorific (山田さん, 田中様, 김민수 씨, 王先生);
- any word with a digit (phone numbers, dates of birth, addresses, reference codes);
- single letters (initials), stop words, and a phrase of one character, which say nothing.

A part looks like a name when it is a capitalised Latin word the catalog does not know (Maria,
Santos: how names are written); a Korean word of two to four syllables starting with a common
family name (김민수) that the catalog does not know; a Japanese run in which the analyser reads a
proper noun the catalog does not know (山田太郎, やまだ); or any Japanese run the analyser could
not read.

What is left is folded as the search folds a query before anything else (NFKC width, case,
spaces: kiosk.search.index.cached_search), so ＣＡＦＥ and cafe count as one phrase; the further
folds of the index (katakana to hiragana, Traditional to Simplified Chinese) are left out, so
staff read the words as residents typed them, and a word they add as a search word is folded by
the index like any other.
"""
import re
import unicodedata

from . import analyser, terms

# The outcome of a search, by how many services it found: none, few (1 to FEW_RESULTS), or good.
FEW_RESULTS = 2
MAX_WORDS = 5          # words of one query kept at most...
MAX_LENGTH = 64        # ...in a phrase of at most this many characters (contract.DEMAND_KEY_MAX)


def outcome(found):
    """"none", "few" or "good" for a search that found ``found`` services."""
    if found <= 0:
        return "none"
    return "few" if found <= FEW_RESULTS else "good"


def keeps_words(result):
    """Are a search's words kept? Only when it found little or nothing."""
    return result in ("none", "few")


_EMAIL_RE = re.compile(r"[@＠]|[^\W_][._][^\W_]")     # an @, or the dots of taro.yamada or a host
_DIGIT_RE = re.compile(r"\d")
# A name followed by an honorific: Japanese, Korean, Chinese (after NFKC).
_HONORIFIC_RE = re.compile(
    r"[\u3005\u3041-\u30ff\u3400-\u9fff\uac00-\ud7af]\s*(さん|さま|様|殿|くん|君|ちゃん|先生|氏|씨|님|女士|先生|小姐)")
_WORD_RE = re.compile(r"[^\W_]+")
_JAPANESE_RE = re.compile(r"[\u3005\u3041-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# A Korean name: two to four syllables starting with one of the thirty commonest family names.
_KOREAN_NAME_RE = re.compile(r"[김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차][\uac00-\ud7af]{1,3}")


def scrub(query, known=lambda word: False):
    """The phrase worth keeping from a visitor's query, normalised; "" when nothing is.

    ``known(word)``: True when the catalog's names or search words hold the (normalised) word,
    so a capitalised catalog word (Cafe, Nerima) or a place the catalog names is kept."""
    text = unicodedata.normalize("NFKC", query or "")
    if not text.strip() or _EMAIL_RE.search(text) or _HONORIFIC_RE.search(text):
        return ""
    kept = []
    for raw in text.split():
        if _DIGIT_RE.search(raw):
            continue
        for piece in _pieces(raw):
            if _drop(piece, known):
                return ""     # a given name is often beside the family name: keep nothing
            kept.extend(_WORD_RE.findall(piece.casefold()))
    words = [w for w in dict.fromkeys(kept) if w not in terms.STOPWORDS and not (len(w) == 1 and w.isascii())]
    phrase = " ".join(words[:MAX_WORDS])
    # One character says nothing of a need (and may be the start of a name: 山 of 山田).
    return phrase if 1 < len(phrase) <= MAX_LENGTH else ""


def _pieces(raw):
    """A space-separated chunk as the parts scrubbing judges one by one: its Latin words and
    its runs of other scripts (a name can hide in "cafeMaria")."""
    return re.findall(r"[A-Za-z\u00c0-\u024f]+|[^A-Za-z\u00c0-\u024f\s]+", raw)


def _drop(piece, known):
    """Is this piece of a query possibly personal (see the module's docstring)?"""
    if piece[:1].isascii() or "\u00c0" <= piece[:1] <= "\u024f":
        if len(piece) > 1 and piece[0].isupper() and not known(terms.normalize(piece)):
            return True
        return False
    if _KOREAN_NAME_RE.fullmatch(piece) and not known(piece):
        return True
    if _JAPANESE_RE.search(piece):
        try:
            morphemes = terms.words(piece, strict=True)
        except analyser.NotRead:
            return True
        return any(len(m.part_of_speech()) > 1 and m.part_of_speech()[1] == "固有名詞"
                   and not known(terms.normalize(m.surface())) for m in morphemes)
    return False
