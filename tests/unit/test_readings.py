"""Unit tests: furigana that reads true. The numbers the application writes read as Japanese says
them (kiosk.web.readings), and the reading engine (kiosk.web.furigana) gets a hand-checked list of
words and phrases from the screens and the demo catalog (tests/data/readings.tsv) right at 99% or
better: every weekday and day of the month in date lines, every place name, the programs' names
and the common words of the interface. A word is read whole, and nothing marked as another
language carries a reading."""
import pathlib
import re

import jaconv
import pytest

from kiosk.web import furigana, readings

SET = pathlib.Path(__file__).resolve().parents[1] / "data" / "readings.tsv"


@pytest.mark.parametrize("n, counter, said", [
    (1, "日", "ついたち"), (2, "日", "ふつか"), (4, "日", "よっか"), (6, "日", "むいか"), (7, "日", "なのか"),
    (8, "日", "ようか"), (9, "日", "ここのか"), (10, "日", "とおか"), (14, "日", "じゅうよっか"), (17, "日", "じゅうしちにち"),
    (19, "日", "じゅうくにち"), (20, "日", "はつか"), (24, "日", "にじゅうよっか"), (29, "日", "にじゅうくにち"),
    (30, "日", "さんじゅうにち"), (31, "日", "さんじゅういちにち"),
    (4, "月", "しがつ"), (7, "月", "しちがつ"), (9, "月", "くがつ"), (11, "月", "じゅういちがつ"), (12, "月", "じゅうにがつ"),
    (4, "時", "よじ"), (7, "時", "しちじ"), (9, "時", "くじ"), (10, "時", "じゅうじ"), (14, "時", "じゅうよじ"),
    (19, "時", "じゅうくじ"), (1, "分", "いっぷん"), (5, "分", "ごふん"), (10, "分", "じゅっぷん"), (15, "分", "じゅうごふん"),
    (20, "分", "にじゅっぷん"), (30, "分", "さんじゅっぷん"), (45, "分", "よんじゅうごふん"),
    (1, "人", "ひとり"), (2, "人", "ふたり"), (4, "人", "よにん"), (11, "人", "じゅういちにん"), (14, "人", "じゅうよにん"),
    (20, "人", "にじゅうにん"), (1, "席", "いっせき"), (3, "席", "さんせき"), (8, "席", "はっせき"), (10, "席", "じゅっせき"),
    (18, "席", "じゅうはっせき"), (1, "回", "いっかい"), (6, "回", "ろっかい"), (10, "回", "じゅっかい"),
    (300, "円", "さんびゃくえん"), (1000, "円", "せんえん"), (2026, "年", "にせんにじゅうろくねん"),
    (2024, "年", "にせんにじゅうよねん"), (3, "丁目", "さんちょうめ"), (1, "丁目", "いっちょうめ"), (20, "歳", "はたち"),
])
def test_counted_numbers_read_as_said(n, counter, said):
    assert readings.counted(n, counter) == said


def test_a_date_line_reads_from_its_parts():
    import datetime
    parts = readings.date_parts(datetime.date(2026, 12, 7))
    assert parts == [("12月", "じゅうにがつ"), ("7日", "なのか"), ("(", None), ("月", "げつ"), (")", None)]
    assert furigana.reading_of("12月7日(月)") == "じゅうにがつなのか(げつ)"
    assert furigana.reading_of("1月6日（火）") == "いちがつむいか（か）"


def test_a_compound_is_one_ruby_and_okurigana_stay_outside():
    assert furigana.segments("外国人") == [("外国人", "がいこくじん")]
    assert furigana.align("光が丘", "ひかりがおか") == [("光", "ひかり"), ("が", None), ("丘", "おか")]
    assert furigana.align("申し込む", "もうしこむ") == [("申", "もう"), ("し", None), ("込", "こ"), ("む", None)]


def test_staff_corrections_win_over_the_lexicon_and_the_analyser():
    assert furigana.reading_of("光が丘", (("光が丘", "ひかりがおか"),)) == "ひかりがおか"
    assert furigana.reading_of("中村橋", (("中村橋", "なかむらばし"),)) == "なかむらばし"


def test_text_marked_as_another_language_gets_no_reading():
    page = '<p>日本語 <a lang="zh-Hans">简体中文<span>中文</span></a> 外国人<br>区役所</p><textarea>漢字</textarea>'
    out = furigana.rewrite(page)
    assert '<a lang="zh-Hans">简体中文<span>中文</span></a>' in out
    assert "<textarea>漢字</textarea>" in out
    assert out.count("<ruby>") == 3, out


def _items():
    for line in SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, said = line.split("\t")[:2]
            yield text.strip(), said.strip()


def _normal(reading):
    return re.sub(r"\s", "", jaconv.kata2hira(reading))


def test_the_reading_set_is_read_right_at_99_percent():
    items = list(_items())
    assert len(items) >= 400
    wrong = [(text, said, furigana.reading_of(text)) for text, said in items
             if _normal(furigana.reading_of(text)) != _normal(said)]
    share = 1 - len(wrong) / len(items)
    detail = "\n".join(f"{text}: expected {said}, read {got}" for text, said, got in wrong)
    assert share >= 0.99, f"{share:.1%} of {len(items)} read right; wrong:\n{detail}"


def test_every_place_in_the_demo_catalog_is_in_the_reading_set():
    """The set covers every 町名 of the demo addresses and every station the access lines name."""
    import json
    root = pathlib.Path(furigana.__file__).resolve().parents[1] / "demo" / "data"
    texts = set(dict(_items()))
    sites = json.loads((root / "sites.json").read_text(encoding="utf-8"))
    missing = []
    for site in sites:
        address = site["text"]["ja"]["address"]
        town = re.search(r"練馬区([^\d０-９]+)", address)
        if town and town.group(1) not in texts:
            missing.append(town.group(1))
        for station in re.findall(r"「([^」]+駅)」", site["text"]["ja"].get("access", "")):
            if station not in texts:
                missing.append(station)
    assert not missing, missing
