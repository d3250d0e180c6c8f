"""The demo catalog's facts hold together: the "Free" badge and filter say what the fee text
says, in every language; programs that residents' groups run are not shown as run by the ward;
invented addresses are marked as examples; the life-support coordinators sit at the community
comprehensive support centres; and Chinese texts are written in Chinese, with a Japanese name
only in brackets after the Chinese one."""
import json
import pathlib
import re

import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / "kiosk" / "demo" / "data"
LANGS = ("ja", "en", "zh", "ko", "tl")

# A charge: an amount of yen in each language ("100円", "数百円", "¥300", "300日元", "수백 엔").
CHARGE = {
    "ja": re.compile(r"[0-9０-９数何百千万]+\s*円"),
    "en": re.compile(r"¥\s*[0-9]|\b(?:[0-9,]+|hundred|thousand)\s*yen\b", re.I),
    "zh": re.compile(r"[0-9几百千万]+\s*日元|¥\s*[0-9]"),
    "ko": re.compile(r"[0-9백천만]+\s*엔"),
    "tl": re.compile(r"¥\s*[0-9]|\b(?:[0-9,]+|daang|libong)\s*yen\b", re.I),
}
# The word for "free of charge" in each language.
FREE_WORD = {
    "ja": re.compile(r"無料"),
    "en": re.compile(r"\bfree\b", re.I),
    "zh": re.compile(r"免费"),
    "ko": re.compile(r"무료"),
    "tl": re.compile(r"\blibre\b|walang bayad", re.I),
}


def programs():
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DATA / "programs").glob("*.json"))]


def sites():
    return json.loads((DATA / "sites.json").read_text(encoding="utf-8"))


def free_by_fee_text(fees):
    """Free, as the Japanese fee text tells it: it says 無料 and names no amount of yen. A
    drink, a textbook or an optional service one pays for besides, named without an amount,
    leaves taking part free; a membership fee or a price for adults does not."""
    return "無料" in fees and not CHARGE["ja"].search(fees)


def test_the_rule_reads_fee_texts_as_a_person_would():
    assert free_by_fee_text("無料です。")
    assert free_by_fee_text("参加は無料です（飲み物代はご自分でお支払いください）。")
    assert not free_by_fee_text("無料です（お茶代として100円ほどかかる会場もあります）。")
    assert not free_by_fee_text("子どもは無料、大人は300円ほどの食堂が多いです。")
    assert not free_by_fee_text("会費は町会・自治会ごとに決まっています（月に数百円ほどのところが多いです）。")
    assert not free_by_fee_text("参加の費用はかかりません。")     # says it otherwise: write 無料


@pytest.mark.parametrize("program", programs(), ids=lambda p: p["slug"])
def test_the_free_flag_agrees_with_the_fee_text_in_every_language(program):
    fees = {lang: program["text"][lang]["fees"] for lang in LANGS}
    assert program["free"] == free_by_fee_text(fees["ja"]), fees["ja"]
    for lang in LANGS:
        if program["free"]:
            assert FREE_WORD[lang].search(fees[lang]) and not CHARGE[lang].search(fees[lang]), (lang, fees[lang])
        else:
            assert CHARGE[lang].search(fees[lang]), (lang, fees[lang])


def test_programs_that_residents_groups_run_are_not_shown_as_the_wards():
    """The seeds: 相談情報ひろば and こども食堂 are run by 町会・自治会, NPOs and other groups; 町会・
    自治会, the commissioners, rehabilitation volunteers and crime-prevention patrols are residents
    and volunteers whom the ward supports."""
    by_slug = {p["slug"]: p for p in programs()}
    for slug in ("sodan-joho-hiroba", "chokai-jichikai", "kodomo-shokudo", "chiiki-bohan",
                 "kosei-hogo-volunteer", "minsei-jido-iin"):
        assert by_slug[slug]["organization"] == "local-groups", slug
    for slug in ("chiiki-fukushi-coordinator", "nerries", "volunteer-center"):
        assert by_slug[slug]["organization"] == "nerima-csw", slug


def test_life_support_coordinators_are_at_the_support_centres():
    """One at each 地域包括支援センター (the ward's plan), not at the care cafés."""
    kinds = {s["slug"]: s for s in sites()}
    coordinators = next(p for p in programs() if p["slug"] == "seikatsu-shien-coordinator")
    assert coordinators["sites"]
    for slug in coordinators["sites"]:
        assert kinds[slug]["text"]["ja"]["name"].startswith("地域包括支援センター"), slug
    assert "カフェ" not in coordinators["text"]["ja"]["description"] + coordinators["text"]["ja"]["how_to_join"]


def test_invented_addresses_are_marked_and_real_ones_are_not():
    marked = {s["slug"]: s.get("example_address", False) for s in sites()}
    assert marked["ward-office"] is False and marked["csw-office"] is False
    assert all(marked[slug] for slug in marked if slug not in ("ward-office", "csw-office"))


def test_no_invented_course_length_or_lottery():
    college = next(p for p in programs() if p["slug"] == "tsunagaru-college")
    assert not any(word in college["text"]["ja"][field] for field in ("schedule", "how_to_join")
                   for word in ("全4回", "抽選"))


def test_the_2012_plan_is_dated_where_it_is_told():
    """The 17 local activity support bases and the local information work come from the 2012
    community programme; the texts say so instead of presenting them as today's."""
    by_slug = {p["slug"]: p for p in programs()}
    for slug in ("chiiki-katsudo-kyoten", "chiiki-joho"):
        for lang in LANGS:
            assert "2012" in by_slug[slug]["text"][lang]["description"], (slug, lang)


KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")


def outside_brackets(text):
    """The text without what stands in full-width or ASCII brackets (a Japanese name may)."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"（[^（）]*）|\([^()]*\)", "", text)
    return text


def test_chinese_is_written_in_chinese():
    """Kana and the Japanese middle dot only inside brackets after a Chinese name, never as the
    name or in the running text."""
    found = []
    for record in programs() + sites():
        for field, value in record["text"]["zh"].items():
            bare = outside_brackets(value)
            if KANA.search(bare):
                found.append((record["slug"], field, value))
    assert found == []


def test_korean_and_tagalog_have_no_japanese_script():
    found = [(r["slug"], lang, field) for r in programs() + sites() for lang in ("ko", "tl")
             for field, value in r["text"][lang].items()
             if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", value)]
    assert found == []
