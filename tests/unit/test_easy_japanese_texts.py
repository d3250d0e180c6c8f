"""Every demo program reads in Easy Japanese (ja-easy) without a fall back to plain Japanese for
the fields a visitor needs to decide and take part, and each sentence stays short: readers of
Easy Japanese (elderly residents, foreign residents with basic Japanese) lose the thread of long
sentences, and furigana makes every sentence longer on the screen still."""
import json
import pathlib
import re

import pytest

PROGRAMS = pathlib.Path(__file__).resolve().parents[2] / "kiosk" / "demo" / "data" / "programs"
FIELDS = ("name", "summary", "eligibility", "how_to_join", "fees", "schedule")
MAX_SENTENCE = 60
# Honorific and formal phrasings the Easy Japanese guidelines replace with plain です・ます.
HONORIFICS = ("お越し", "ご覧", "いただ", "うかが", "ご相談", "お問い合わせ", "どなた")


def _programs():
    return sorted(PROGRAMS.glob("*.json"))


def long_sentences(text, limit=MAX_SENTENCE):
    """The sentences of ``text`` (split at 。！？ and line breaks) longer than ``limit`` characters."""
    return [s.strip() for s in re.split(r"[。！？!?\n]", text) if len(s.strip()) > limit]


def test_the_sentence_check_finds_a_long_sentence():
    short = "毎月2回目の水曜日です。10時から12時までです。"
    assert long_sentences(short) == []
    long = "あ" * (MAX_SENTENCE + 1) + "。短いです。"
    assert long_sentences(long) == ["あ" * (MAX_SENTENCE + 1)]


def test_there_are_demo_programs():
    assert len(_programs()) >= 30


@pytest.mark.parametrize("path", _programs(), ids=lambda p: p.stem)
def test_every_program_has_short_easy_japanese_texts(path):
    easy = json.loads(path.read_text(encoding="utf-8"))["text"].get("ja-easy") or {}
    missing = [f for f in FIELDS if not str(easy.get(f) or "").strip()]
    assert missing == [], f"{path.name}: ja-easy lacks {missing}"
    too_long = {f: long_sentences(easy[f]) for f in FIELDS if long_sentences(easy[f])}
    assert too_long == {}, f"{path.name}: sentences over {MAX_SENTENCE} characters"
    formal = {f: [w for w in HONORIFICS if w in easy[f]] for f in FIELDS
              if any(w in easy[f] for w in HONORIFICS)}
    assert formal == {}, f"{path.name}: honorific wording in Easy Japanese"
