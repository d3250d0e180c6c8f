"""Furigana: readings over kanji, for elderly readers and residents learning Japanese.

When a visitor turns on "ふりがな" (or reads やさしい日本語, where it is on by default), every
Japanese page and fragment is rewritten on its way out: each word with kanji in the page's text
becomes <ruby>漢字<rt>かんじ</rt></ruby>, with the readings from the same analyser search uses
(SudachiPy). Staff correct a wrong reading per word on the hub (ReadingCorrection rows, carried
to kiosks by the feed); a correction wins over the analyser. Text inside tags that are not read
as prose (script, style, title, textarea, option, existing ruby) is left alone.

A Japanese catalog text is read once, where it is published: the hub reads it with its
dictionary and its staff's corrections (``carried``), the reading travels with the text, and a
kiosk shows that reading as ruby (``catalog_text``), so every kiosk shows what staff checked.
Texts that came without one (a catalog loaded on the kiosk itself) are read by the rewrite.
"""
import functools
import html
import pathlib
import re

import jaconv
from flask import g, has_request_context, session
from markupsafe import Markup

from ..search import terms
from ..search.analyser import NotRead
from . import readings
from .per_request import note, noted, once

_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALL_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_BREAK = re.compile(r"([（）()「」『』【】、。・，．\s]+)")
LEXICON = pathlib.Path(__file__).resolve().parent / "lexicon.tsv"
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"script", "style", "title", "textarea", "option", "ruby", "rt", "svg", "code"}
SESSION_KEY = "furigana"


def wanted(lang):
    """Is furigana on for this visitor? Their choice, else the language's default."""
    if not lang or not lang["html"].startswith("ja"):
        return False
    choice = session.get(SESSION_KEY)
    return bool(lang.get("furigana", False)) if choice is None else bool(choice)


def align(surface, reading):
    """[(text, reading or None)] with a reading over each run of kanji only, the kana of the word
    matched in its reading: 食べる/たべる -> [(食, た), (べる, None)]; 光が丘/ひかりがおか ->
    [(光, ひかり), (が, None), (丘, おか)]. Where the kana do not line up, one reading over all."""
    runs = re.findall(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+",
                      surface)
    if len(runs) == 1:
        return [(surface, reading if _KANJI.search(surface) else None)]
    pattern = "".join("(.+?)" if _KANJI.match(run) else "(" + re.escape(jaconv.kata2hira(run)) + ")"
                      for run in runs)
    m = re.fullmatch(pattern, jaconv.kata2hira(reading))
    if not m:
        return [(surface, reading)]
    return [(run, m.group(i + 1) if _KANJI.match(run) else None) for i, run in enumerate(runs)]


def _ruby(text, reading):
    # Readings are for the eye: a screen reader says the word once, and a control keeps its name.
    return (f'<ruby>{text}<rp aria-hidden="true">(</rp><rt aria-hidden="true">{html.escape(reading)}</rt>'
            f'<rp aria-hidden="true">)</rp></ruby>')


@functools.lru_cache(maxsize=1)
def lexicon():
    """{surface: reading} of the ward's place names, stations, programs and the words the analyser
    misreads (kiosk/web/lexicon.tsv), read before the analyser."""
    out = {}
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "\t" in line:
            surface, reading = (part.strip() for part in line.split("\t", 1))
            if surface and reading:
                out[surface] = jaconv.kata2hira(reading)
    return out


@functools.lru_cache(maxsize=1)
def _known_words():
    """One pattern for the lexicon's words and the numbers with counters (longest words first)."""
    words = "|".join(map(re.escape, sorted(lexicon(), key=len, reverse=True)))
    return re.compile("|".join(filter(None, [
        f"(?P<word>{words})" if words else "",
        readings.COUNTED.pattern.replace("(", "(?P<num>", 1).replace(")(", ")(?P<counter>", 1),
        r"(?:^|(?<=[日)）\s]))(?P<open>[(（])(?P<wday>[月火水木金土日])(?P<close>[)）])",
        r"(?P<wname>[月火水木金土日])曜(?P<wsuffix>日?)",
        r"(?P<ordinal>第)(?=[0-9０-９])",
    ])))


def _analysed(text, strict=False):
    """Segments of ``text`` read by the analyser, a run of all-kanji words read as one word
    (外国 + 人 -> 外国人 on one reading). A word the analyser could not read (its helper process
    not there) has no reading; with ``strict``, analyser.NotRead is raised instead."""
    out = []
    # Brackets and punctuation end a word: the analyser's dictionary holds a few entries across
    # them (方（ひらがな）, read かた) that would swallow the bracket's text into one reading.
    chunks = _BREAK.split(text)
    if len(chunks) > 1:
        for chunk in chunks:
            out += _analysed(chunk, strict) if _KANJI.search(chunk) else [(chunk, None)] if chunk else []
        return out
    for m in terms.words(text, strict=strict):
        surface = m.surface()
        if not _KANJI.search(surface) or _KANJI.search(m.reading_form()):
            out.append((surface, None))
            continue
        reading = jaconv.kata2hira(m.reading_form())
        pieces = align(surface, reading)
        if (out and out[-1][1] and _ALL_KANJI.fullmatch(out[-1][0]) and pieces[0][1]
                and _ALL_KANJI.fullmatch(pieces[0][0])):
            text0, reading0 = out.pop()
            pieces[0] = (text0 + pieces[0][0], reading0 + pieces[0][1])
        out.extend(pieces)
    return out


def segments(text, corrections=(), strict=False):
    """[(text, reading or None)]: ``text`` cut into pieces, each piece with kanji with its
    reading. Staff corrections win, then the lexicon, then numbers with counters and weekdays as
    the date formatter reads them (kiosk.web.readings), then the analyser."""
    for surface, reading in corrections:
        if surface in text:
            parts = text.split(surface)
            out = segments(parts[0], corrections, strict)
            for part in parts[1:]:
                out += align(surface, reading) + segments(part, corrections, strict)
            return out
    lex = lexicon()
    out, at = [], 0
    for m in _known_words().finditer(text):
        if m.start() > at:
            out += _analysed(text[at:m.start()], strict)
        at = m.end()
        if m.group("word"):
            out += align(m.group("word"), lex[m.group("word")])
        elif m.group("num"):
            out.append((m.group(0), readings.counted(readings.digits(m.group("num")), m.group("counter"))))
        elif m.group("wday"):
            out += [(m.group("open"), None), (m.group("wday"), readings.weekday(m.group("wday"))),
                    (m.group("close"), None)]
        elif m.group("wname"):
            out.append((m.group(0), readings.weekday_name(m.group("wname"), bool(m.group("wsuffix")))))
        else:
            out.append((m.group(0), "だい"))
    if at < len(text):
        out += _analysed(text[at:], strict)
    return out


def reading_of(text, corrections=()):
    """The whole of ``text`` as said, in hiragana (for checking readings against a list)."""
    out = []
    for piece, reading in segments(text, corrections):
        if reading:
            out.append(reading)
        else:
            out.append(re.sub(r"[0-9０-９][0-9０-９,，]*", lambda m: readings.number(readings.digits(m.group(0))),
                              jaconv.kata2hira(piece)))
    return "".join(out)


def annotate(text, corrections=()):
    """HTML text (already escaped) with <ruby> readings over its words with kanji (kept for the
    next time, unless the analyser was not there to read it)."""
    if not _KANJI.search(text):
        return text
    try:
        return _annotate(text, corrections)
    except NotRead:
        return _annotated(text, corrections, strict=False)


@functools.lru_cache(maxsize=1024)
def _annotate(text, corrections):
    return _annotated(text, corrections, strict=True)


def _annotated(text, corrections, strict):
    return "".join(_ruby(piece, reading) if reading and _KANJI.search(piece) else piece
                   for piece, reading in segments(text, corrections, strict))


_LANG = re.compile(r"""\slang\s*=\s*["']?([A-Za-z-]+)""")
_VOID = {"br", "img", "input", "meta", "link", "hr", "source", "area", "base", "col", "wbr"}


def rewrite(page, corrections=()):
    """A whole HTML page or fragment with furigana on its prose. Text that is not prose (scripts,
    form values, existing ruby) and text marked as another language (简体中文 on the language
    menu, a Chinese name) keeps no reading: kanji there are not Japanese words."""
    out, open_tags, skipped = [], [], 0
    for part in _TAG.split(page):
        if part.startswith("<"):
            name = re.match(r"<(/?)\s*([a-zA-Z0-9]+)", part)
            if name and not part.startswith("<!"):
                closing, tag = name.group(1), name.group(2).lower()
                if closing:
                    while open_tags:
                        open_tag, skips = open_tags.pop()
                        skipped -= skips
                        if open_tag == tag:
                            break
                elif tag not in _VOID and not part.endswith("/>"):
                    lang = _LANG.search(part)
                    skips = tag in _SKIP or bool(lang and not lang.group(1).lower().startswith("ja")
                                                 and tag != "html")
                    open_tags.append((tag, skips))
                    skipped += skips
            out.append(part)
        elif skipped or not _KANJI.search(part):
            out.append(part)
        else:
            out.append(annotate(part, corrections))
    return "".join(out)


def stored_corrections():
    """Staff corrections in this database as ((surface, reading), ...), longest surface first."""
    from ..models import ReadingCorrection
    rows = ReadingCorrection.select(ReadingCorrection.surface, ReadingCorrection.reading).tuples()
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def corrections():
    """Staff corrections as ((surface, reading), ...), longest surface first (once a request)."""
    cached = g.get("_furigana_corrections")
    if cached is None:
        cached = g._furigana_corrections = stored_corrections()
    return cached


def carried(text, corrections=()):
    """The reading a catalog text travels with: [[piece, reading or None], ...] that join to
    ``text``, a reading over each piece with kanji exactly where the page's rewrite would put one,
    the pieces between joined; None for a text with no kanji (nothing to read)."""
    if not _KANJI.search(text):
        return None
    out = []
    for piece, reading in segments(text, corrections):
        reading = reading if reading and _KANJI.search(piece) else None
        if reading is None and out and out[-1][1] is None:
            out[-1][0] += piece
        else:
            out.append([piece, reading])
    return out


def reader():
    """text -> its carried reading, with the corrections in this database (the hub's, read where
    the catalog is published)."""
    fixes = stored_corrections()
    return lambda text: carried(text, fixes)


def apply(response):
    """The response with readings on its prose when this visitor wants them, once a request: a
    page from the shared cache (kiosk.web.pagecache) was given them before it was stored."""
    if (noted("furigana_applied") or response.mimetype != "text/html" or response.direct_passthrough
            or response.status_code >= 300 or not g.get("lang")):
        return response
    from .i18n import language
    if not wanted(language(g.lang)):
        return response
    response.set_data(rewrite(response.get_data(as_text=True), corrections()))
    note("furigana_applied")
    return response


def init_app(app):
    app.after_request(apply)

    app.jinja_env.globals["furigana_on"] = lambda: wanted(_lang_of_request())
    app.jinja_env.globals["catalog_text"] = catalog_text


def on():
    """Is furigana on for this request's page? (Asked for every catalog text a page shows, and
    by the page cache's key: worked out once a request.)"""
    if not has_request_context():
        return False
    return once("furigana_on", lambda: wanted(_lang_of_request()))


def ruby_parts(parts):
    """Markup of [(text, reading or None)] with the readings over the text: for words whose
    reading their writer knows (the date formatter's, the hub's for a catalog text)."""
    return Markup("".join(_ruby(html.escape(text), reading) if reading else html.escape(text)
                          for text, reading in parts))


def catalog_text(text):
    """A catalog text (kiosk.catalog.Text) for a page: with furigana on, the reading it carries
    from the hub, so the kiosk shows what was checked there (the page's rewrite leaves existing
    ruby alone); else, or without one, the escaped text (which the rewrite reads as any text)."""
    parts = getattr(text, "reading", None)
    if parts and on():
        return ruby_parts(parts)
    return Markup.escape(text if isinstance(text, str) else str(text))


def _lang_of_request():
    from .i18n import current_language, language
    return language(current_language())

