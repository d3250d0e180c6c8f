"""Each language renders its own catalog, proved on the pages a visitor sees, not on the .po files:
the home screen, a service page, a sign-up form showing an error, the confirmation and the phone's
status page. In やさしい日本語 every UI string that has an Easy Japanese wording shows it, and
none of the plain Japanese wordings it replaces appears; in every other language no string that
belongs only to another language's catalog appears."""
import html.parser
import pathlib
import re

import pytest
from babel.messages import pofile

from kiosk.models import Event, Service
from tests.conftest import LANGS
from tests.integration.hub_helpers import hub_app
from tests.records import family

ROOT = pathlib.Path(__file__).resolve().parents[2]
PO = {"ja": "ja/LC_MESSAGES/messages.po", "ja-easy": "ja/LC_MESSAGES/easy.po", "en": "en/LC_MESSAGES/messages.po",
      "zh": "zh_Hans/LC_MESSAGES/messages.po", "ko": "ko/LC_MESSAGES/messages.po",
      "tl": "fil/LC_MESSAGES/messages.po"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalog(lang):
    with open(ROOT / "translations" / PO[lang], "rb") as fh:
        cat = pofile.read_po(fh)
    out = {}
    for m in cat:
        if not m.id or m.fuzzy:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        for i, s in zip(ids, strs):
            if s:
                out[(m.context, i)] = s
    return out


def _pieces(translation):
    """The literal runs of a translated string (its placeholders cut out), long enough to be
    telling on a page."""
    return [p.strip() for p in PLACEHOLDER.split(translation) if len(p.strip()) >= 4]


class _Reader(html.parser.HTMLParser):
    """The text a reader sees, without scripts or furigana readings; with ``own_language`` only,
    text marked as another language (the Japanese name shown at a counter) is left out."""
    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "area", "base", "col", "wbr"}

    def __init__(self, own_language):
        super().__init__()
        self.own_language, self.stack, self.out = own_language, [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        if tag == "html":
            self.page_lang = lang
        hidden = tag in ("script", "style", "rt", "rp") or (
            self.own_language and lang is not None and tag != "html" and lang != self.page_lang)
        self.stack.append((tag, hidden or (bool(self.stack) and self.stack[-1][1])))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.out.append(data)


def _visible(body, own_language=False):
    reader = _Reader(own_language)
    reader.feed(body)
    return re.sub(r"\s+", " ", "".join(reader.out))


def _event():
    ev = (Event.select().join(Service).where(Event.capacity > 0, Event.cancelled == False)  # noqa: E712
          .order_by(Event.starts_at).first())
    Event.update(capacity=20, seats_taken=0).where(Event.id == ev.id).execute()
    return Event.get_by_id(ev.id)


def kiosk_pages(app, lang, own_language=False):
    """The visitor's pages in ``lang``, as rendered: home, a service, a form with an error, the
    confirmation."""
    from kiosk.db import database
    client = app.test_client()
    pages = {"home": client.get(f"/{lang}/")}
    with app.app_context(), database.connection_context():
        ev = _event()
        slug = ev.service.slug
    pages["service"] = client.get(f"/{lang}/services/{slug}")
    bad = client.post(f"/{lang}/signup/event/{ev.uid}", data={"name": "", "phone": "12", "consent": ""})
    assert bad.status_code == 303
    pages["form-error"] = client.get(bad.location)
    good = client.post(f"/{lang}/signup/event/{ev.uid}",
                       data={"name": "Sato Hanako", "phone": "03-1234-5678", "consent": "y", "age_band": "65-74"})
    assert good.status_code == 303, good.get_data(as_text=True)[:400]
    pages["confirmation"] = client.get(good.location)
    for name, resp in pages.items():
        assert resp.status_code == 200, (name, resp.status_code)
    return {name: _visible(resp.get_data(as_text=True), own_language) for name, resp in pages.items()}


def _demo_texts(lang):
    """Every demo catalog text in ``lang``: a program may name itself with words another
    language's UI also uses (an English "Care Café" in Tagalog, a Japanese name in brackets)."""
    import json
    data = ROOT / "kiosk" / "demo" / "data"
    out = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == lang and isinstance(value, dict):
                    out.extend(str(v) for v in value.values())
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    for path in data.rglob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return "\n".join(out)


@pytest.fixture(scope="module")
def catalogs():
    return {lang: _catalog(lang) for lang in PO}


@pytest.fixture(scope="module")
def phone_pages(tmp_path_factory):
    """The phone's status page of a real sign-up on a hub with the demo catalog, in each language
    (each request in its own application context, as under waitress)."""
    out = {}
    with hub_app("sqlite", tmp_path_factory.mktemp("hub")) as app:
        from kiosk.db import database
        from kiosk.demo import loader
        from kiosk.hub.intake import ingest
        with app.app_context(), database.connection_context():
            loader.load_demo(weeks=4)
            ingest.publish_catalog(by="load-demo")
            ev = _event()
            rec = dict(family(ev.uid), service=ev.service.slug)
            assert ingest.ingest("dev-rendered", [rec])[0]["result"] == "accepted"
        client = app.test_client()
        for lang in [*LANGS, "ja-easy"]:
            resp = client.get(f"/p/{lang}/status/{rec['ref_code']}")
            assert resp.status_code == 200, (lang, resp.status_code)
            out[lang] = resp.get_data(as_text=True)
    return out


def test_easy_japanese_pages_show_the_easy_words(app, catalogs, phone_pages):
    plain, easy = catalogs["ja"], catalogs["ja-easy"]
    # Wordings of Easy Japanese that differ from plain Japanese, and the plain ones they replace.
    own = {key: (easy[key], plain[key]) for key in easy if key in plain and easy[key] != plain[key]}
    assert len(own) > 100
    pages = dict(kiosk_pages(app, "ja-easy"), phone=_visible(phone_pages["ja-easy"]))
    # Catalog texts without an Easy Japanese version are shown in plain Japanese (marked once).
    programs = _demo_texts("ja") + _demo_texts("ja-easy")
    for name, text in pages.items():
        found = [key for key, (e, _p) in own.items() if any(piece in text for piece in _pieces(e))
                 and len(_pieces(e)) > 0]
        assert len(found) >= 3, f"{name}: hardly any Easy Japanese wording on the page"
        for key, (e, p) in own.items():
            for piece in _pieces(p):
                if piece in text and piece not in programs and not any(piece in x for x in _pieces(e)) \
                        and not any(piece in ep for ep in easy.values()):
                    pytest.fail(f"{name}: plain Japanese {piece!r} ({key[1]!r}) where Easy Japanese "
                                f"has {e!r}")


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_carries_another_languages_words(app, catalogs, phone_pages, lang):
    mine = catalogs["ja" if lang == "ja" else lang]
    own_words = {piece for s in mine.values() for piece in _pieces(s)}
    if lang == "ja":
        own_words |= {piece for s in catalogs["ja-easy"].values() for piece in _pieces(s)}
    pages = dict(kiosk_pages(app, lang, own_language=True), phone=_visible(phone_pages[lang], True))
    programs = _demo_texts(lang)
    for other, cat in catalogs.items():
        if other == lang or (lang == "ja" and other == "ja-easy"):
            continue
        foreign = {piece for s in cat.values() for piece in _pieces(s)
                   if not any(piece in w or w in piece for w in own_words if len(w) >= 4)}
        for name, text in pages.items():
            leaked = sorted(piece for piece in foreign if piece in text and piece not in programs)
            assert not leaked, f"{lang} {name} page shows {other} UI words: {leaked[:5]}"
