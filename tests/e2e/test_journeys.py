"""Journeys by touch (DESIGN.md sections 3 and 10): each starts at the home screen and moves only
by tapping and typing what a person sees, found by role and accessible name, at both tablet
sizes, with axe and the control checks of tests/e2e/journey.py at every screen state."""
import re
import unicodedata

import pytest

from tests.conftest import LANDSCAPE, PORTRAIT, Server
from tests.e2e.journey import Journey, card, exact, labelled, ui

pytestmark = pytest.mark.browser
SIZES = {"portrait": PORTRAIT, "landscape": LANDSCAPE}
REF_RE = re.compile(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


@pytest.fixture
def journey_kiosk(demo_db):
    """A kiosk with the ordinary idle time (the checks at each step take a few seconds)."""
    server = Server(demo_db).start()
    yield server
    server.stop()


@pytest.fixture(params=list(SIZES))
def tablet(request, browser, journey_kiosk):
    context = browser.new_context(viewport=SIZES[request.param], locale="ja-JP")
    page = context.new_page()
    page.goto(journey_kiosk.url + "/")          # the first screen: the only URL a journey opens
    yield page
    context.close()


def fill_person(page, lang, name, phone, age=True):
    labelled(page, ui(lang, "Your name")).fill(name)
    labelled(page, ui(lang, "Phone number")).fill(phone)
    if age:
        labelled(page, ui(lang, "Age")).select_option(index=3)
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()


def switch_language(j, endonym):
    j.touch(j.page.get_by_role("link", name=endonym, exact=True))


def test_journey_1_elderly_visitor_signs_up_for_a_care_cafe_and_looks_it_up(tablet):
    page, lang = tablet, "ja"
    j = Journey(page, "j1-ja-care-cafe")
    j.state("home")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.state("gathering")
    j.touch(page.get_by_role("link", name=card("街かどケアカフェ")).first)
    j.state("care-cafe")
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Sign up"))).first)
    j.state("form")
    fill_person(page, lang, "練馬 花子", "０９０−１２３４−５６７８")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    ref = REF_RE.search(page.locator(".ref-code, .ref").first.inner_text()).group()
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Check a sign-up"))))
    j.state("status-form")
    # As a Japanese keyboard types it: full width, lower case, no hyphen.
    typed = unicodedata.normalize("NFKC", ref).lower().replace("-", "")
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in typed)
    labelled(page, ui(lang, "Reference code")).fill(typed)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Check"))))
    j.state("status")
    assert ref in page.locator("main").inner_text()
    assert ui(lang, "Received: waiting for the ward to confirm your seat") in page.locator("main").inner_text()


def test_journey_4_korean_resident_registers_as_a_volunteer(tablet):
    page, lang = tablet, "ko"
    j = Journey(page, "j4-ko-volunteer")
    switch_language(j, "한국어")
    j.state("home")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Volunteering and local activities")))))
    j.state("volunteering")
    j.touch(page.get_by_role("link", name=re.compile("네리즈")).first)
    j.state("program")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Register as a volunteer")))))
    j.state("form")
    fill_person(page, lang, "김민지", "080-2345-6789")
    labelled(page, ui(lang, "What would you like to help with?")).fill("주말에 도울 수 있어요")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    assert REF_RE.search(page.locator("main").inner_text())


def test_journey_2_tagalog_resident_asks_for_a_call_back(tablet):
    page, lang = tablet, "tl"
    j = Journey(page, "j2-tl-call-back")
    switch_language(j, "Tagalog")
    j.state("home")
    page.get_by_role("searchbox").press_sequentially("Dayuhan", delay=60)
    result = page.get_by_role("link", name=re.compile("Consultation Desk para sa mga Dayuhang Residente")).first
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
    assert labelled(page, ui(lang, "Language for the call")).input_value() == "tl"
    labelled(page, ui(lang, "Best time to call")).select_option("morning")
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    main = page.locator("main").inner_text()
    assert ui(lang, "Request received: the desk will call you") in main
    assert ui(lang, "What happens next: the desk will call you at the number you gave, in the language you chose, at the time you chose. You do not need to do anything else.") in main


def test_journey_3_chinese_parent_brings_two_children_to_a_cafeteria(tablet):
    page, lang = tablet, "zh"
    j = Journey(page, "j3-zh-cafeteria")
    switch_language(j, "简体中文")
    j.state("home")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.state("gathering")
    j.touch(page.get_by_role("link", name=re.compile("儿童食堂")).first)
    j.state("cafeteria")
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Sign up"))).first)
    j.state("form")
    labelled(page, ui(lang, "Your name")).fill("王芳")
    labelled(page, ui(lang, "Phone number")).fill("070-2222-3333")
    labelled(page, ui(lang, "Adults (including you)")).select_option("1")
    labelled(page, ui(lang, "Children")).select_option("2")
    labelled(page, ui(lang, "I have read the notice on personal information and agree.")).check()
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    assert REF_RE.search(page.locator("main").inner_text())


def test_journey_5_visitor_cancels_her_own_signup(tablet):
    page, lang = tablet, "ja"
    j = Journey(page, "j5-ja-cancel")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.touch(page.get_by_role("link", name=card("街かどケアカフェ")).first)
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Sign up"))).first)
    fill_person(page, lang, "取消 太郎", "090-8765-4321")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
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
    assert ui(lang, "Cancelled") in main
