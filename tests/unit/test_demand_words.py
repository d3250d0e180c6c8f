"""Unit tests: what a search keeps of a visitor's words (kiosk.search.demand.scrub) and how a
search's outcome is judged (the thresholds' one place)."""
import pytest

from kiosk.search import demand, terms


@pytest.mark.parametrize("found, expected", [(0, "none"), (1, "few"), (demand.FEW_RESULTS, "few"),
                                             (demand.FEW_RESULTS + 1, "good"), (40, "good")])
def test_outcome_thresholds(found, expected):
    assert demand.outcome(found) == expected


def test_words_are_kept_only_for_searches_that_found_little():
    assert demand.keeps_words("none") and demand.keeps_words("few")
    assert not demand.keeps_words("good")


@pytest.mark.parametrize("query", [
    "taro.yamada@example.com", "taro.yamada@", "ＴＡＲＯ＠example.jp", "food bank taro@example.com",
    "090-1234-5678", "０９０ー１２３４ー５６７８", "+81 90 1234 5678", "03 1234 5678",
    "Maria Santos", "Yamada Taro", "McDonald",
    "山田さん", "田中様", "佐藤 さま", "山田太郎", "김민수", "김민수 씨", "王先生",
    "rent Maria", "やまだ たろう", "zed.quorra", "taro_y", "鷲",
])
def test_personal_text_leaves_nothing(query):
    assert demand.scrub(query) == ""


@pytest.mark.parametrize("query, kept", [
    ("food bank", "food bank"),
    ("ｆｏｏｄ　ｂａｎｋ", "food bank"),           # full width folded
    ("FOOD BANK", ""),                                     # capitals the catalog does not know: maybe a name
    ("call 0312345678 about rent", "call rent"),           # the digits go, the words stay
    ("子ども食堂がない", "子ども食堂がない"),
    ("介護タクシー", "介護タクシー"),
    ("월세 도움", "월세 도움"),
    ("the a help", ""),                                   # only stop words: nothing worth keeping
    ("x", ""),                                            # an initial
])
def test_what_is_kept_is_folded(query, kept):
    assert demand.scrub(query) == kept


def test_a_capitalised_word_the_catalog_knows_is_kept():
    assert demand.scrub("Cafe near Nerima", known=lambda w: w in ("cafe", "nerima")) == "cafe nerima"
    assert demand.scrub("Cafe near Nerima") == ""


def test_a_japanese_proper_noun_the_catalog_knows_is_kept():
    # known() is asked in the index's folding (練馬 -> 练马), as the catalog's names are kept.
    assert demand.scrub("練馬のカフェ", known=lambda w: w == terms.normalize("練馬")) == "練馬のカフェ"
    assert demand.scrub("練馬のカフェ") == ""


def test_the_phrase_is_bounded():
    assert len(demand.scrub(" ".join(["word"] * 3 + ["more", "other", "extra", "again", "last"])).split()) <= demand.MAX_WORDS
    assert demand.scrub("a" * 80) == ""
