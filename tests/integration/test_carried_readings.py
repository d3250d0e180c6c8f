"""Furigana of catalog text is read where the catalog is published: the hub reads each Japanese
text with its dictionary and its staff's corrections, the reading travels in the feed beside the
text, and a kiosk shows exactly that reading, not one of its own. A correction staff save after
publishing reaches the kiosk's page the same way. A reading that does not spell its text is
dropped, and the kiosk reads that text itself as before.

The hub and the kiosk run in this one process on their own databases; the roles share one
database proxy, so the test points it at one or the other in turn (``bind``)."""
import contextlib
import re

import pytest

from kiosk.hub.intake import feed, ingest
from kiosk.models import Feed, ReadingCorrection, Translation
from kiosk.site.sync import feed_apply
from kiosk.web import furigana
from tests.conftest import make_app
from tests.integration.hub_helpers import hub_app, login

TZ = "Asia/Tokyo"
USER, PASSWORD = "editor", "editor-pass-123"
NAME = "ことばの広場"
EASY_NAME = "日本語の広場"
# Catalog text is untrusted: markup in it must reach the page as text, piece by piece.
SUMMARY = "<b>集い</b> & 日本語を話す練習"


def bind(app):
    """Point the shared database proxy at ``app``'s database."""
    from kiosk import db
    db.bind(app.config["DATABASE_URL"])


@contextlib.contextmanager
def in_db(app):
    """``app``'s database, bound and connected, inside its app context (for direct reads and writes)."""
    from kiosk.db import database
    bind(app)
    with app.app_context(), database.connection_context():
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request, tmp_path):
    """A hub with the demo catalog published and an admin account."""
    from kiosk.demo import loader
    from kiosk.hub.desk.staff_auth import set_password
    with hub_app(request.param, tmp_path / "hub") as app:
        with in_db(app):
            loader.load_demo(tz=TZ, weeks=8)
            ingest.publish_catalog(by="load-demo")
            set_password(USER, PASSWORD)
        yield app
        bind(app)   # the hub's own pool is the one its fixture closes


def last_seq():
    row = Feed.select().order_by(Feed.seq.desc()).first()
    return row.seq if row else 0


def service_form():
    form = {"slug": "kotoba-hiroba", "official_name": "", "organization": "nerima-ward",
            "category": "learning", "audiences": ["foreign"], "sites": ["plaza-nerima"], "languages": ["ja"],
            "free": "1", "active": "1", "phone": "", "email": "", "url": "",
            "text-name-ja": NAME, "text-summary-ja": SUMMARY, "text-name-ja-easy": EASY_NAME,
            "text-summary-ja-easy": "にほんごを はなします"}
    for lang in ("en", "zh", "ko", "tl"):
        form[f"text-name-{lang}"] = f"Language corner ({lang})"
        form[f"text-summary-{lang}"] = "Practise speaking Japanese"
    return form


def publish_on_hub(hub):
    """Publish the new service through the staff screens; the feed entries that followed."""
    bind(hub)
    with in_db(hub):
        since = last_seq()
    c = login(hub, USER, PASSWORD)
    r = c.post("/staff/catalog/service/new", data=service_form())
    assert r.status_code == 303, r.get_data(as_text=True)
    assert c.post("/staff/catalog/service/kotoba-hiroba/publish").status_code == 303
    with in_db(hub):
        return feed.page(since, 10_000), c


def service_page(kiosk, lang="ja", furigana_on=True):
    client = kiosk.test_client()
    with client.session_transaction() as s:
        s["furigana"] = furigana_on
    r = client.get(f"/{lang}/services/kotoba-hiroba")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    return (re.search(r"<h1>(.*?)</h1>", page, re.S).group(1),
            re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1))


def service_document(entries):
    return [e for e in entries if e["kind"] == "service" and e["key"] == "kotoba-hiroba"][-1]["data"]


def test_a_published_text_carries_the_hubs_reading_and_the_kiosk_shows_exactly_that(hub, demo_db):
    # A correction on the hub the kiosk never received: only the carried reading can bring it.
    with in_db(hub):
        ReadingCorrection.create(surface="広場", reading="ひろにわ")
    entries, _ = publish_on_hub(hub)
    doc = service_document(entries)
    assert doc["text"]["ja"]["name"] == NAME
    assert doc["readings"]["ja"]["name"] == [["ことばの", None], ["広場", "ひろにわ"]]
    assert doc["readings"]["ja-easy"]["name"][-1] == ["広場", "ひろにわ"]
    assert "".join(piece for piece, _ in doc["readings"]["ja"]["summary"]) == SUMMARY
    # Texts without kanji and texts in other languages carry none.
    assert "summary" not in doc["readings"]["ja-easy"] and set(doc["readings"]) == {"ja", "ja-easy"}

    kiosk = make_app(demo_db)
    with in_db(kiosk):
        assert not ReadingCorrection.select().where(ReadingCorrection.surface == "広場").exists()
        assert furigana.carried(NAME, furigana.stored_corrections()) == [["ことばの", None], ["広場", "ひろば"]]
        feed_apply.apply_page(entries)
    name, summary = service_page(kiosk)
    assert name == str(furigana.ruby_parts(doc["readings"]["ja"]["name"]))
    assert "<rt aria-hidden=\"true\">ひろにわ</rt>" in name and "ひろば" not in name
    assert summary == str(furigana.ruby_parts(doc["readings"]["ja"]["summary"]))
    assert summary.startswith("&lt;b&gt;") and "&amp;" in summary and "<b>" not in summary
    easy_name, _ = service_page(kiosk, "ja-easy")   # furigana on by default in Easy Japanese
    assert easy_name == str(furigana.ruby_parts(doc["readings"]["ja-easy"]["name"]))
    # Furigana off: the text as written, no reading at all.
    assert service_page(kiosk, furigana_on=False) == (NAME, "&lt;b&gt;集い&lt;/b&gt; &amp; 日本語を話す練習")


def test_a_correction_saved_after_publishing_reaches_the_kiosks_page(hub, demo_db):
    entries, staff = publish_on_hub(hub)
    kiosk = make_app(demo_db)
    with in_db(kiosk):
        feed_apply.apply_page(entries)
    _, summary = service_page(kiosk)
    assert '<rt aria-hidden="true">れんしゅう</rt>' in summary

    bind(hub)
    with in_db(hub):
        since = last_seq()
    r = staff.post("/staff/catalog/readings", data={"surface": "練習", "reading": "けいこ"})
    assert r.status_code == 303
    with in_db(hub):
        entries = feed.page(since, 10_000)
        holding = {(t.owner, t.owner_id) for t in Translation.select().where(
            Translation.language.in_(["ja", "ja-easy"]) & Translation.text.contains("練習"))}
    # The correction, then each published record whose Japanese text holds the word, read again.
    sent = [(e["kind"], e["key"]) for e in entries]
    assert sent[0] == ("reading", "練習") and len(sent) == 1 + len(holding)
    assert ["練習", "けいこ"] in service_document(entries)["readings"]["ja"]["summary"]
    with in_db(kiosk):
        feed_apply.apply_page(entries)
        stored = Translation.get((Translation.field == "summary") & (Translation.language == "ja")
                                 & (Translation.text == SUMMARY)).reading
        assert '["練習","けいこ"]' in stored
    _, summary = service_page(kiosk)
    assert '<rt aria-hidden="true">けいこ</rt>' in summary and "れんしゅう" not in summary


def test_a_reading_that_does_not_spell_its_text_is_dropped_and_the_kiosk_reads_the_text(hub, demo_db):
    entries, _ = publish_on_hub(hub)
    doc = service_document(entries)
    doc["readings"]["ja"]["name"] = [["ことばの", None], ["広間", "ひろま"]]   # not this text
    doc["readings"]["ja"]["summary"] = "not pieces"
    kiosk = make_app(demo_db)
    with in_db(kiosk):
        feed_apply.apply_page(entries)
    name, summary = service_page(kiosk)
    # Read on the kiosk, by the page's rewrite, as a text that came without a reading.
    assert name == furigana.annotate(NAME) and "ひろま" not in name
    assert '<rt aria-hidden="true">れんしゅう</rt>' in summary and "&lt;b&gt;" in summary
