"""The "What do you need?" screens by touch, in every language the kiosk speaks: from the first
screen a visitor taps her language, the big "What do you need?" tile, a need, maybe whom it is for and
how she would like help, then a service card, and lands on that service's page. Both tablet
sizes, axe and the control checks of tests/e2e/journey.py at every screen state, then Back and
Forward through the whole way."""
import re

import pytest

from kiosk import vocab
from tests.e2e.journey import ENDONYM, Journey, program, start_in, switch_language, ui

pytestmark = pytest.mark.browser

# Letters of any script the kiosk shows (as in journey.py): what is not one is an icon or a space.
LETTERS = r"\w\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
FEW = 8


def say(lang, label):
    """A vocabulary label (a lazy string of kiosk.vocab) as the screen shows it in ``lang``."""
    return ui(lang, label._args[-1])


def spaced(text):
    """A regex for ``text`` that allows spaces between its letters: furigana (on by default in
    Easy Japanese) puts each word with kanji in a <ruby>, and the browser then names a control
    with spaces at those seams. A slash is escaped too: Playwright's selectors end a regex at one."""
    return r"\s*".join(re.escape(ch).replace("/", r"\/") for ch in text.replace(" ", ""))


def control(text):
    """A control named ``text`` and nothing more, icons and spaces allowed around it."""
    return re.compile(f"^[^{LETTERS}]*" + spaced(text) + f"[^{LETTERS}]*$")


def starting(text):
    """A tile whose name begins with ``text`` (its hint follows)."""
    return re.compile(f"^[^{LETTERS}]*" + spaced(text))


def card(name):
    """A result card by the program's whole name (the card's name also holds its category and
    summary)."""
    return re.compile(r"(^|\s)" + spaced(name) + r"(\s|$)")


# One visitor in each language: (need, who, how, the card she taps, cards that must be there,
# cards the choices must have left out).
VISITS = {
    "ja": ("food", None, None, "kodomo-shokudo", ["kodomo-shokudo"], []),
    "en": ("elder-care", "elderly", "visit", "machikado-care-cafe",
           ["machikado-care-cafe", "chiiki-hokatsu"], ["minsei-jido-iin"]),
    "zh": ("children", "foreign", None, "kodomo-shokudo",
           ["gaikokujin-sodan", "kodomo-shokudo"], ["nerima-kodomo-cafe"]),
    "ko": ("japanese", "foreign", None, "nihongo-kyoshitsu", ["nihongo-kyoshitsu"], []),
    "tl": ("money", None, "call", "gaikokujin-sodan", ["gaikokujin-sodan", "seikatsu-konkyu"], []),
    "ja-easy": ("dementia", "elderly", "talk", "chiiki-hokatsu", ["chiiki-hokatsu", "kenri-yogo"], []),
}


@pytest.mark.parametrize("lang", list(VISITS))
def test_what_do_you_need_leads_to_a_service_by_touch(tablet, lang):
    need, who, how, tapped, present, absent = VISITS[lang]
    page = tablet
    j = Journey(page, f"needs-{lang}-{need}")
    switch_language(j, ENDONYM[lang])      # Japanese too: she taps it to be sure
    j.state("home")

    j.touch(page.get_by_role("link", name=starting(ui(lang, "What do you need?"))))
    j.state("needs")
    assert page.get_by_role("link", name=control(say(lang, vocab.NEEDS[need]))).count() == 1

    j.touch(page.get_by_role("link", name=control(say(lang, vocab.NEEDS[need]))))
    j.state(need)
    # No choice made yet: "Me / anyone" and "Any way" are the current ones.
    assert page.get_by_role("link", name=control(ui(lang, "Me / anyone"))).get_attribute("aria-current") == "true"
    assert page.get_by_role("link", name=control(ui(lang, "Any way"))).get_attribute("aria-current") == "true"
    if who:
        choice = page.get_by_role("link", name=control(say(lang, vocab.AUDIENCES[who])))
        j.touch(choice)
        j.state(f"who-{who}")
        assert choice.get_attribute("aria-current") == "true"
    if how:
        choice = page.get_by_role("link", name=control(say(lang, vocab.HELP_MODES[how])))
        j.touch(choice)
        j.state(f"how-{how}")
        assert choice.get_attribute("aria-current") == "true"
        if who:   # the second choice keeps the first
            assert page.get_by_role("link", name=control(say(lang, vocab.AUDIENCES[who]))).get_attribute(
                "aria-current") == "true"

    cards = page.locator("main .need-results .cards > li")
    assert 1 <= cards.count() <= FEW, cards.count()
    for slug in present:
        assert page.get_by_role("link", name=card(program(slug, lang))).count() == 1, slug
    for slug in absent:
        assert page.get_by_role("link", name=card(program(slug, lang))).count() == 0, slug

    j.touch(page.get_by_role("link", name=card(program(tapped, lang))))
    j.state(tapped)
    assert page.url.endswith(f"/{lang}/services/{tapped}"), page.url
    heading = page.locator("h1").evaluate(
        "h => { const c = h.cloneNode(true); c.querySelectorAll('rt, rp').forEach(e => e.remove()); return c.textContent }")
    assert re.sub(r"\s", "", heading) == program(tapped, lang).replace(" ", ""), heading
    j.back_and_forth()


def test_nothing_matching_says_so_and_offers_the_way_out_by_touch(tablet):
    """Food, by a phone call: nothing. The page says so plainly, and its two ways out (all of
    this need's services, a call-back from a consultation desk) are large and readable."""
    page, lang = tablet, "en"
    j = Journey(page, "needs-en-nothing")
    start_in(j, lang)
    j.touch(page.get_by_role("link", name=starting(ui(lang, "What do you need?"))))
    j.touch(page.get_by_role("link", name=control(say(lang, vocab.NEEDS["food"]))))
    j.touch(page.get_by_role("link", name=control(say(lang, vocab.HELP_MODES["call"]))))
    j.state("nothing")
    main = page.locator("main").inner_text()
    assert ui(lang, "No service matches all of these choices.") in main
    assert page.locator("main .need-results .cards").count() == 0
    j.touch(page.get_by_role("link", name=control(ui(lang, "Show everything for this need"))))
    j.state("everything")
    assert page.get_by_role("link", name=card(program("kodomo-shokudo", lang))).count() == 1
    j.page.go_back()
    page.get_by_role("link", name=control(ui(lang, "Ask for a call-back"))).wait_for()
    j.touch(page.get_by_role("link", name=control(ui(lang, "Ask for a call-back"))))
    j.state("call-back-form")
    assert "/signup/callback/" in page.url
