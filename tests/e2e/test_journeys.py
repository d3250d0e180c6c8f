"""Journeys by touch: each starts at the home screen and moves only
by tapping and typing what a person sees, found by role and accessible name, at both tablet
sizes, with axe and the control checks of tests/e2e/journey.py at every screen state."""
import re

import pytest

from kiosk.sync import contract
from tests.conftest import LANDSCAPE, PORTRAIT
from tests.e2e.journey import ENDONYM, Journey, assert_text_field, card, exact, fill_person, labelled, program, send_signup, start_in, to_session_form, ui

pytestmark = pytest.mark.browser
SIZES = {"portrait": PORTRAIT, "landscape": LANDSCAPE}
REF_RE = contract.REF_RE


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_journey_1_elderly_visitor_signs_up_for_a_care_cafe_and_looks_it_up(tablet, lang):
    page = tablet
    j = Journey(page, f"j1-{lang}-care-cafe")
    start_in(j, lang)
    j.state("home")
    send_signup(j, lang, "machikado-care-cafe", "練馬 花子" if lang == "ja" else "Hanako Nerima", "０９０−１２３４−５６７８")
    j.state("confirmation")
    ref = REF_RE.search(page.locator(".ref-code").first.inner_text()).group()
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Check a sign-up"))))
    j.state("status-form")
    if lang == "ja":
        # As a Japanese keyboard types it: full width, lower case, no hyphen.
        typed = "".join(chr(ord(ch) + 0xFEE0) for ch in ref.lower().replace("-", ""))
    else:
        typed = ref.lower()
    labelled(page, ui(lang, "Reference code")).fill(typed)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Check"))))
    j.state("status")
    assert ref in page.locator("main").inner_text()
    assert ui(lang, "Received: waiting for the ward to confirm your seat") in page.locator("main").inner_text()
    j.back_and_forth()


@pytest.mark.parametrize("lang, other", [("ja", "en"), ("ko", "ja")])
def test_journey_4_resident_registers_as_a_volunteer(tablet, lang, other):
    page = tablet
    j = Journey(page, f"j4-{lang}-volunteer")
    start_in(j, lang)
    j.state("home")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Volunteering and local activities")))))
    j.state("volunteering")
    j.touch(page.get_by_role("link", name=card(program("nerries", lang))).first)
    j.state("program")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Register as a volunteer")))))
    j.state("form")
    name = "김민지" if lang == "ko" else "練馬 次郎"
    for label in ("Your name", "Phone number", "Email address"):
        assert_text_field(labelled(page, ui(lang, label)))
    labelled(page, ui(lang, "Your name")).fill(name)
    labelled(page, ui(lang, "Phone number")).fill("080-2345-6789")
    # Changing language in the middle of the form keeps what was typed.
    j.touch(page.get_by_role("button", name=ENDONYM[other], exact=True))
    j.state("form-other-language")
    assert labelled(page, ui(other, "Your name")).input_value() == name
    assert labelled(page, ui(other, "Phone number")).input_value() == "080-2345-6789"
    j.touch(page.get_by_role("button", name=ENDONYM[lang], exact=True))
    assert labelled(page, ui(lang, "Your name")).input_value() == name
    labelled(page, ui(lang, "Age")).select_option(index=3)
    labelled(page, ui(lang, "What would you like to help with?")).fill("주말에 도울 수 있어요" if lang == "ko" else "週末なら手伝えます")
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    main = page.locator("main").inner_text()
    assert REF_RE.search(main) and ui(lang, "Registration received: the ward will contact you") in main
    j.back_and_forth()     # through two language switches


@pytest.mark.parametrize("lang, query", [("ja", "外国人"), ("tl", "Dayuhan")])
def test_journey_2_resident_asks_for_a_call_back_in_her_language(tablet, lang, query):
    page = tablet
    j = Journey(page, f"j2-{lang}-call-back")
    start_in(j, lang)
    j.state("home")
    page.get_by_role("searchbox").press_sequentially(query, delay=60)
    result = page.get_by_role("link", name=card(program("gaikokujin-sodan", lang))).first
    result.wait_for()
    j.state("search")
    j.touch(result)
    j.state("desk")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Ask for a call-back")))))
    j.state("form")
    # Sent empty first: the error summary lists every problem and takes the focus.
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert ui(lang, "Please enter a phone number so the desk can call you back.") in summary.inner_text()
    j.state("errors")
    labelled(page, ui(lang, "Your name")).fill("Maria Santos")
    labelled(page, ui(lang, "Phone number")).fill("080-1234-5678")
    assert labelled(page, ui(lang, "Language for the call")).input_value() == lang
    labelled(page, ui(lang, "Best time to call")).select_option("morning")
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    main = page.locator("main").inner_text()
    assert ui(lang, "Request received: the desk will call you") in main
    assert ui(lang, "What happens next: the desk will call you at the number you gave, in the language you chose, at the time you chose. You do not need to do anything else.") in main
    j.back_and_forth()     # through the form sent with errors


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_journey_3_parent_brings_two_children_to_a_cafeteria(tablet, lang):
    page = tablet
    j = Journey(page, f"j3-{lang}-cafeteria")
    start_in(j, lang)
    j.state("home")
    to_session_form(j, lang, "kodomo-shokudo")
    labelled(page, ui(lang, "Your name")).fill("王芳")
    labelled(page, ui(lang, "Phone number")).fill("070-2222-3333")
    labelled(page, ui(lang, "Adults (including you)")).select_option("1")
    labelled(page, ui(lang, "Children")).select_option("2")
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    assert REF_RE.search(page.locator("main").inner_text())
    j.back_and_forth()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_journey_5_visitor_cancels_her_own_signup(tablet, lang):
    page = tablet
    j = Journey(page, f"j5-{lang}-cancel")
    start_in(j, lang)
    send_signup(j, lang, "machikado-care-cafe", "取消 太郎", "090-8765-4321")
    ref = REF_RE.search(page.locator("main").inner_text()).group()
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Check a sign-up"))))
    labelled(page, ui(lang, "Reference code")).fill(ref)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Check"))))
    j.state("status")
    labelled(page, ui(lang, "Last four digits of the phone number you gave")).fill("1111")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Cancel this sign-up"))))
    j.state("wrong-digits")
    assert ui(lang, "These digits do not match the phone number of this sign-up. Please check and try again.") in page.locator("main").inner_text()
    labelled(page, ui(lang, "Last four digits of the phone number you gave")).fill("４３２１")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Cancel this sign-up"))))
    j.state("cancelled")
    main = page.locator("main").inner_text()
    assert ui(lang, "Your sign-up is cancelled. Thank you for letting us know.") in main
    assert ui(lang, "Cancelled", context="sign-up status") in main
    j.back_and_forth()     # through the wrong digits


def test_a_form_being_sent_says_so_and_cannot_be_sent_twice(tablet):
    """The Send button disables itself and says "Sending…" until the next screen (the page's
    own submit is held back here so the in-between state can be seen)."""
    page, lang = tablet, "ja"
    j = Journey(page, "sending")
    to_session_form(j, lang, "machikado-care-cafe")
    fill_person(page, lang, "送信 中", "090-1111-3333")
    page.evaluate("document.getElementById('signup-form').addEventListener('submit', e => e.preventDefault())")
    button = page.get_by_role("button", name=exact(ui(lang, "Send")))
    button.click()
    sending = page.get_by_role("button", name=exact(ui(lang, "Sending…")))
    sending.wait_for()
    assert sending.is_disabled()
