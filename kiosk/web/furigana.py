"""Furigana: readings over kanji, for elderly readers and residents learning Japanese.

When a visitor turns on "ふりがな" (or reads やさしい日本語, where it is on by default), every
Japanese page and fragment is rewritten on its way out: each word with kanji in the page's text
becomes <ruby>漢字<rt>かんじ</rt></ruby>, with the readings from the same analyser search uses
(SudachiPy). Staff correct a wrong reading per word on the hub (ReadingCorrection rows, carried
to kiosks by the feed); a correction wins over the analyser. Text inside tags that are not read
as prose (script, style, title, textarea, option, existing ruby) is left alone.
"""
import functools
import html
import re

import jaconv
from flask import g, session

from ..search import terms

_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"script", "style", "title", "textarea", "option", "ruby", "rt", "svg", "code"}
SESSION_KEY = "furigana"


def wanted(lang):
    """Is furigana on for this visitor? Their choice, else the language's default."""
    if not lang or not lang["html"].startswith("ja"):
        return False
    choice = session.get(SESSION_KEY)
    return bool(lang.get("furigana", False)) if choice is None else bool(choice)


def _split_okurigana(surface, reading):
    """[(text, reading or None)]: 食べる/たべる -> [(食, た), (べる, None)]."""
    head, tail = "", ""
    s, r = surface, reading
    while s and r and _KANA.match(s[-1]) and jaconv.kata2hira(s[-1]) == r[-1]:
        tail = s[-1] + tail
        s, r = s[:-1], r[:-1]
    while s and r and _KANA.match(s[0]) and jaconv.kata2hira(s[0]) == r[0]:
        head += s[0]
        s, r = s[1:], r[1:]
    out = []
    if head:
        out.append((head, None))
    if s:
        out.append((s, r or None))
    if tail:
        out.append((tail, None))
    return out


def _ruby(text, reading):
    # Readings are for the eye: a screen reader says the word once, and a control keeps its name.
    return (f'<ruby>{text}<rp aria-hidden="true">(</rp><rt aria-hidden="true">{html.escape(reading)}</rt>'
            f'<rp aria-hidden="true">)</rp></ruby>')


@functools.lru_cache(maxsize=4096)
def annotate(text, corrections=()):
    """HTML text (already escaped) with <ruby> readings over its words with kanji."""
    if not _KANJI.search(text):
        return text
    for surface, reading in corrections:
        if surface in text:
            parts = text.split(surface)
            return _ruby(surface, reading).join(annotate(p, corrections) for p in parts)
    out = []
    for m in terms.words(text):
        surface = m.surface()
        if not _KANJI.search(surface):
            out.append(surface)
            continue
        reading = jaconv.kata2hira(m.reading_form())
        for piece, piece_reading in _split_okurigana(surface, reading):
            out.append(_ruby(piece, piece_reading) if piece_reading and _KANJI.search(piece) else piece)
    return "".join(out)


def rewrite(page, corrections=()):
    """A whole HTML page or fragment with furigana on its prose."""
    out, skipping = [], []
    for part in _TAG.split(page):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name:
                tag = name.group(1).lower()
                if tag in _SKIP and not part.endswith("/>"):
                    if part.startswith("</"):
                        if skipping and skipping[-1] == tag:
                            skipping.pop()
                    else:
                        skipping.append(tag)
            out.append(part)
        elif skipping or not _KANJI.search(part):
            out.append(part)
        else:
            out.append(annotate(part, corrections))
    return "".join(out)


def corrections():
    """Staff corrections as ((surface, reading), ...), longest surface first."""
    from ..models import ReadingCorrection
    cached = g.get("_furigana_corrections")
    if cached is None:
        rows = ReadingCorrection.select(ReadingCorrection.surface, ReadingCorrection.reading).tuples()
        cached = tuple(sorted(rows, key=lambda r: -len(r[0])))
        g._furigana_corrections = cached
    return cached


def init_app(app):
    @app.after_request
    def _furigana(response):
        if (response.mimetype != "text/html" or response.direct_passthrough or response.status_code >= 300
                or not g.get("lang")):
            return response
        from .i18n import language
        if not wanted(language(g.lang)):
            return response
        response.set_data(rewrite(response.get_data(as_text=True), corrections()))
        return response

    app.jinja_env.globals["furigana_on"] = lambda: wanted(_lang_of_request())


def _lang_of_request():
    from .i18n import current_language, language
    return language(current_language())

