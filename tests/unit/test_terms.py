"""Index terms and query expressions: how people type must meet how the catalog is written."""
from kiosk.search import terms


def test_normalize_width_case_and_kana():
    assert terms.normalize("ｶﾌｪ") == "かふぇ"
    assert terms.normalize("カフェ") == "かふぇ"
    assert terms.normalize("ＣＡＦＥ　１２３") == "cafe 123"


def test_cjk_runs_index_unigrams_and_bigrams():
    words = terms.index_terms("子ども食堂").split()
    assert "食" in words and "食堂" in words and "子ど" in words


def test_japanese_reading_and_romaji_are_indexed():
    words = terms.index_terms("こども食堂", with_reading=True).split()
    assert "しょ" in words and "どう" in words          # しょくどう
    assert "shokudou" in words and "kodomo" in words


def test_one_and_two_character_queries():
    assert terms.match_expression("食") == '("食")'
    assert terms.match_expression("相談") == '("相談")'
    assert terms.match_expression("카페") == '("카페")'


def test_longer_runs_require_every_bigram():
    assert terms.match_expression("子ども食堂") == '("子ど" AND "ども" AND "も食" AND "食堂")'


def test_words_match_as_prefixes_and_romaji_also_as_kana():
    expr = terms.match_expression("kafe")
    assert '"kafe"*' in expr and '"かふ"' in expr
    assert terms.match_expression("libreng") == '(("libreng"*))'


def test_nothing_searchable():
    assert terms.match_expression("  !!! ") is None
    assert terms.match_expression("") is None


def test_quotes_cannot_break_the_expression():
    assert terms.match_expression('a"b') == '(("a"*)) AND (("b"*))'
