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
    assert terms.match_expression("食").startswith('("食"')          # or its reading, しょく
    assert terms.match_expression("相談").startswith('("相谈"')       # folded like Chinese 相谈
    assert terms.match_expression("카페") == '("카페")'


def test_longer_runs_are_phrases_of_their_bigrams_in_each_spelling():
    expr = terms.match_expression("子ども食堂")
    assert expr.startswith('("子ど ども も食 食堂"')
    assert '"子供 供食 食堂"' in expr                                    # Sudachi's normalised form
    assert '"こど ども もし しょ ょく くど どう"' in expr                  # and its reading


def test_a_run_matches_only_where_its_bigrams_stand_together():
    """にんちしょう must be read as one word somewhere, not gathered from bigrams scattered over
    a long description (it matched the whole catalog that way)."""
    import sqlite3
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
    scattered = "日本人の緊張。知識を紹介します。"     # にっぽんにん, きんちょう, ちしき, しょうかい
    together = "認知症の方の家族のための相談です。"
    for text in (scattered, together):
        db.execute("INSERT INTO t (body) VALUES (?)", (terms.index_terms(text, with_reading=True),))
    found = db.execute("SELECT rowid FROM t WHERE t MATCH ?", (terms.match_expression("にんちしょう"),)).fetchall()
    assert found == [(2,)]


def test_japanese_with_particles_also_matches_its_words():
    assert terms.content_chunks("家賃が払えない") == ["家賃", "払え"]
    assert terms.content_chunks("日本語を勉強したい") == ["日本", "勉強"]
    expr = terms.match_expression("ボランティアしたい")
    assert expr.endswith('OR (("ぼら らん んて てぃ ぃあ")))')


def test_readings_of_mixed_kana_and_kanji_queries():
    assert '"じど どう うい いい いん"' in terms.match_expression("じどう委員")


def test_traditional_chinese_folds_to_simplified():
    assert terms.normalize("兒童食堂 日語") == "儿童食堂 日语"


def test_hangul_compounds_are_indexed_joined():
    words = terms.index_terms("한국어 상담").split()
    assert "어상" in words and "한국" in words


def test_tagalog_affixes_and_reduplication_fold_to_the_root():
    assert terms.tagalog_stem("magboluntaryo") == "boluntaryo"
    assert terms.tagalog_stem("pagboboluntaryo") == "boluntaryo"
    assert terms.tagalog_stem("nakatatanda") == "tanda"
    assert terms.tagalog_stem("pinakamalapit") == "malapit"
    assert terms.tagalog_stem("care") == ""


def test_loanword_sound_key():
    assert terms.sound_key("consultation") == terms.sound_key("konsultasyon") or \
        terms.sound_key("consultation") == "konsultasyon"


def test_words_match_as_prefixes_and_romaji_also_as_kana():
    expr = terms.match_expression("kafe")
    assert '"kafe"*' in expr and '"かふ ふぇ"' in expr
    assert terms.match_expression("libreng") == '(("libreng"*))'


def test_nothing_searchable():
    assert terms.match_expression("  !!! ") is None
    assert terms.match_expression("") is None


def test_quotes_cannot_break_the_expression():
    assert terms.match_expression('a"b') == '(("a"*)) AND (("b"*))'


def test_the_analysers_serve_several_threads_at_once():
    """waitress serves visitors on several threads: the first benchmark with 8 typists got 500s
    from a SudachiPy tokenizer shared between threads."""
    import concurrent.futures

    def one(i):
        text = f"介護予防{i}の相談と兒童{i}"
        return terms.analyse(text), terms.normalize(text), terms.romaji(f"かいご{i % 7}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(1500)))
    assert len(results) == 1500 and all(r[0][1].startswith("かいごよぼう") for r in results)
