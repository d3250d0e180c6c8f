"""The Japanese analyser in a helper process (kiosk.search.analyser.Helper): the same words as
in this process, and a kiosk that lives without it when it is killed, hangs or cannot start."""
import os
import signal
import sys
import time

import pytest

from kiosk.search import analyser, terms
from kiosk.web import furigana

TEXTS = ["練馬区の介護予防", "外国人のための相談窓口", "子ども食堂でボランティアしたい", "ｶﾌｪ　認知症", "", "abc 123"]


def rows(morphemes):
    return [(m.surface(), m.part_of_speech()[:2], m.normalized_form(), m.reading_form()) for m in morphemes]


@pytest.fixture
def helper():
    h = analyser.Helper()
    h.start()
    yield h
    h.stop()


def test_helper_cuts_words_as_this_process_does(helper):
    inline = analyser.Inline()
    for text in TEXTS:
        assert rows(helper.words(text)) == rows(inline.words(text)), text


def test_a_killed_helper_is_started_again_at_the_next_text(helper):
    helper.words("練馬区")
    old = helper.pid
    os.kill(old, signal.SIGKILL)
    time.sleep(0.2)
    assert [m.reading_form() for m in helper.words("練馬区")] == ["ネリマ", "ク"]
    assert helper.pid != old


def test_without_a_helper_texts_come_back_unread_and_are_not_kept():
    broken = analyser.Helper(command=[sys.executable, "-c", "import sys; sys.exit(3)"], retry_after=60)
    before = analyser.misses
    try:
        words = broken.words("介護予防")
        assert [(m.surface(), m.reading_form()) for m in words] == [("介護予防", "介護予防")]
        with pytest.raises(analyser.NotRead):
            broken.words("介護予防", strict=True)
        assert analyser.misses == before + 2
    finally:
        broken.stop()


def test_a_helper_that_hangs_is_given_up_within_its_timeout():
    hung = analyser.Helper(command=[sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)"],
                           timeout=0.5, retry_after=60)
    try:
        t0 = time.monotonic()
        assert [m.surface() for m in hung.words("相談")] == ["相談"]
        assert time.monotonic() - t0 < 5
        assert hung.pid is None     # stopped, not left running
    finally:
        hung.stop()


def test_search_terms_and_furigana_live_without_the_helper(monkeypatch):
    broken = analyser.Helper(command=[sys.executable, "-c", "pass"], retry_after=60)
    monkeypatch.setattr(terms, "_analyser", broken)
    terms._analyse.cache_clear()
    furigana._annotate.cache_clear()
    try:
        # Indexed and searched by its characters; no reading invented, nothing lost.
        assert "介护" in terms.index_terms("介護予防", with_reading=True).split()
        assert furigana.annotate("鶏卵の料理") == "鶏卵の料理"
        assert terms._analyse.cache_info().currsize == 0 and furigana._annotate.cache_info().currsize == 0
    finally:
        broken.stop()
        monkeypatch.undo()
        terms._analyse.cache_clear()
        furigana._annotate.cache_clear()
    assert "<rt" in furigana.annotate("鶏卵の料理")
