"""Japanese that every reader can read. A visitor turns on ふりがな by touch and sees
<ruby> readings over the kanji of a service page; the idle reset turns it off again. やさしい
にほんご is a sixth language from the menu, with furigana on by default. A visitor reading
English sees the program's official Japanese name and the place's Japanese address to show at
a counter. Both tablet sizes, axe and the control checks at every state."""
import re

import pytest

from tests.e2e.journey import Journey, card, exact, program, ui

pytestmark = pytest.mark.browser


# Readings written by hand, as a Japanese calendar is read aloud.
DAY_READINGS = dict(enumerate(
    "ついたち ふつか みっか よっか いつか むいか なのか ようか ここのか とおか じゅういちにち じゅうににち "
    "じゅうさんにち じゅうよっか じゅうごにち じゅうろくにち じゅうしちにち じゅうはちにち じゅうくにち はつか "
    "にじゅういちにち にじゅうににち にじゅうさんにち にじゅうよっか にじゅうごにち にじゅうろくにち "
    "にじゅうしちにち にじゅうはちにち にじゅうくにち さんじゅうにち さんじゅういちにち".split(), start=1))
MONTH_READINGS = dict(enumerate(
    "いちがつ にがつ さんがつ しがつ ごがつ ろくがつ しちがつ はちがつ くがつ じゅうがつ じゅういちがつ "
    "じゅうにがつ".split(), start=1))
WEEKDAY_READINGS = {"月": "げつ", "火": "か", "水": "すい", "木": "もく", "金": "きん", "土": "ど", "日": "にち"}


def to_care_cafe(j, lang, query="カフェ"):
    page = j.page
    page.get_by_role("searchbox").press_sequentially(query, delay=50)
    result = page.get_by_role("link", name=card(program("machikado-care-cafe", lang))).first
    result.wait_for()
    j.touch(result)


def test_furigana_by_touch_then_cleared_by_the_idle_reset(tablet):
    page = tablet
    j = Journey(page, "furigana-ja")
    to_care_cafe(j, "ja")
    assert page.locator("main ruby").count() == 0
    j.touch(page.get_by_role("button", name="ふりがな"))
    page.locator("main ruby rt").first.wait_for()
    rubies = page.locator("main ruby")
    assert rubies.count() > 10
    first = rubies.first
    base = first.evaluate("r => r.firstChild.textContent")
    assert re.search(r"[\u4e00-\u9fff]", base) and re.fullmatch(r"[\u3041-\u309f]+", first.locator("rt").inner_text())
    assert page.get_by_role("button", name="ふりがな").get_attribute("aria-pressed") == "true"
    # A date line reads as the calendar is said (7日 なのか, (月) げつ), and the ward's place
    # names as the ward reads them; nothing outside Japanese text carries a reading.
    found = rubies.evaluate_all("rs => rs.map(r => [r.firstChild.textContent, r.querySelector('rt').textContent, "
                                "(r.previousSibling && r.previousSibling.textContent || '').slice(-1)])")
    pairs = [(base, rt) for base, rt, _before in found]
    days = [(base, rt) for base, rt in pairs if re.fullmatch(r"\d+日", base)]
    weekdays = [(base, rt) for base, rt, before in found if base in WEEKDAY_READINGS and before in "(（"]
    months = [(base, rt) for base, rt in pairs if re.fullmatch(r"\d+月", base)]
    assert days and weekdays and months, pairs
    assert all(rt == DAY_READINGS[int(base[:-1])] for base, rt in days), days
    assert all(rt == MONTH_READINGS[int(base[:-1])] for base, rt in months), months
    assert all(rt == WEEKDAY_READINGS[base] for base, rt in weekdays), weekdays
    places = dict(pairs)
    assert places.get("練馬区") == "ねりまく", places
    assert page.locator("[lang]:not([lang^=ja]) ruby").count() == 0
    j.state("furigana-on")
    # The idle reset (here by "Finish and clear", the same reset the timer makes). With furigana
    # on, the browser names a link with readings over its kanji with spaces between the words.
    name = re.compile(r"^\s*" + r"\s*".join(map(re.escape, ui("ja", "Finish and clear"))) + r"\s*$")
    j.touch(page.get_by_role("link", name=name))
    to_care_cafe(j, "ja")
    assert page.locator("main ruby").count() == 0
    assert page.get_by_role("button", name="ふりがな").get_attribute("aria-pressed") == "false"
    j.state("furigana-off-after-reset")


def test_easy_japanese_is_a_language_with_furigana_on(tablet):
    page = tablet
    j = Journey(page, "easy-japanese")
    j.touch(page.get_by_role("link", name="やさしい にほんご", exact=True))
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("searchbox").press_sequentially("カフェ", delay=50)
    # Readings over the kanji of the card: the browser names it with spaces between the words.
    name = program("machikado-care-cafe", "ja-easy")
    result = page.get_by_role("link", name=re.compile(r"^\W*" + r"\s*".join(map(re.escape, name.replace(" ", ""))))).first
    result.wait_for()
    j.touch(result)
    page.locator("main ruby rt").first.wait_for()
    heading = page.locator("h1").evaluate(
        "h => { const c = h.cloneNode(true); c.querySelectorAll('rt, rp').forEach(e => e.remove()); return c.textContent }")
    assert heading.strip() == name, heading
    j.state("easy-service")


def test_show_this_at_the_counter_in_english(tablet):
    page = tablet
    j = Journey(page, "takeaway-en")
    j.touch(page.get_by_role("link", name="English", exact=True))
    to_care_cafe(j, "en", query="care cafe")
    block = page.locator("section.takeaway")
    assert ui("en", "Show this at the counter") in block.inner_text()
    text = block.inner_text()
    assert "街かどケアカフェ" in text and "練馬区" in text
    j.state("takeaway")
