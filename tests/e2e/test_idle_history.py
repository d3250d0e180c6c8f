"""After the idle reset, the tablet's Back shows nothing of the visitor who walked away: no name,
phone number or reference code on any page of her history, in no form field."""
import re

import pytest

from kiosk.sync.contract import REF_RE
from tests.e2e.conftest import SIZES, Server
from tests.e2e.journey import SHOTS, Journey, _move, exact, labelled, to_session_form, ui

pytestmark = pytest.mark.browser
NAME, PHONE = "Kiyomi Privacytest", "090-5555-0101"


@pytest.fixture
def idle_kiosk(demo_db):
    """A kiosk whose idle reset comes after 12 seconds without a touch (the journey taps faster)."""
    server = Server(demo_db, env={"KIOSK_IDLE_SECONDS": "12", "KIOSK_IDLE_COUNTDOWN_SECONDS": "2"}).start()
    yield server
    server.stop()


def _nothing_of_her(page, ref, where):
    text = page.locator("body").inner_text()
    values = page.eval_on_selector_all("input, textarea", "els => els.map(e => e.value)")
    for secret in (NAME, PHONE, ref, ref.replace("-", "")):
        assert secret not in text, f"{where}: {secret!r} on the page {page.url}"
        assert not any(secret in v for v in values), f"{where}: {secret!r} in a field on {page.url}"


@pytest.mark.parametrize("size", list(SIZES))
def test_back_after_the_idle_reset_shows_nothing_of_the_previous_visitor(browser, idle_kiosk, size):
    context = browser.new_context(viewport=SIZES[size], locale="ja-JP")
    page = context.new_page()
    page.goto(idle_kiosk.url + "/")
    lang = "ja"
    j = Journey(page, f"idle-history-{size}")
    to_session_form(j, lang, "machikado-care-cafe")
    labelled(page, ui(lang, "Your name")).fill(NAME)
    labelled(page, ui(lang, "Phone number")).fill(PHONE)
    labelled(page, ui(lang, "Age")).select_option(index=3)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))    # no consent yet: an error
    page.locator("#error-summary").wait_for()
    assert labelled(page, ui(lang, "Your name")).input_value() == NAME     # kept across the redirect
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    ref = REF_RE.search(page.locator(".ref-code").first.inner_text()).group()
    assert NAME in page.locator("main").inner_text()
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Check a sign-up"))))
    labelled(page, ui(lang, "Reference code")).fill(ref)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Check"))))
    assert ref in page.locator("main").inner_text()

    # She walks away. The countdown covers the page, then the reset goes home.
    page.locator("#idle").wait_for(state="visible", timeout=30_000)
    assert page.evaluate("getComputedStyle(document.querySelector('main')).visibility") == "hidden"
    page.screenshot(path=str(SHOTS / f"idle-countdown-{size}.png"))
    page.wait_for_url(re.compile(r"/ja/$"), timeout=30_000)
    _nothing_of_her(page, ref, "home after the reset")

    # The next person presses Back, again and again.
    steps = page.evaluate("history.length") - j.first_entry
    for n in range(steps):
        _move(page, page.go_back, f"Back {n + 1} of {steps}")
        _nothing_of_her(page, ref, f"Back {n + 1}")
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_back_after_the_reset_does_not_show_the_last_visitors_search(browser, idle_kiosk, size):
    """What a visitor searched for is hers too: after the reset, Back shows the screens of her
    search without the words she typed."""
    context = browser.new_context(viewport=SIZES[size], locale="ja-JP")
    page = context.new_page()
    page.goto(idle_kiosk.url + "/")
    j = Journey(page, f"search-history-{size}")
    word = "認知症"
    page.get_by_role("searchbox").press_sequentially(word, delay=60)
    page.wait_for_url(re.compile(r"q="))
    page.locator("#results .card").first.wait_for()
    j.touch(page.locator("#results .card a").first)          # she opens a result
    j.touch(page.get_by_role("link", name=exact(ui("ja", "Finish and clear"))))
    page.wait_for_url(re.compile(r"/ja/$"))
    steps = page.evaluate("history.length") - j.first_entry
    for n in range(steps):
        _move(page, page.go_back, f"Back {n + 1} of {steps}")
        # Program texts may hold the word; her search may not: not in the search box, not in
        # the results line that repeats it.
        said = page.eval_on_selector_all(".count", "els => els.map(e => e.innerText)")
        typed = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
        assert not any(word in t for t in said + typed), f"Back {n + 1}: {page.url} {said} {typed}"
    context.close()
