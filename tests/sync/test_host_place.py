"""Host screens keep their place: a café host at the largest text size, in portrait,
checks people in far down the session screen, and each tap leaves the screen where it was; the
close question appears where the host tapped; without JavaScript each answer lands back on the
row or counter tapped; a tap the kiosk refuses says why next to it."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PORTRAIT
from tests.e2e.journey import Journey, assert_visible_control, exact, labelled, ui
from tests.sync.conftest import enqueue
from tests.sync.host_helpers import host_kiosk, own_session, today_event

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots"
LANG = "ja"
PEOPLE = 5

# Where the page is scrolled, and whether an element lies wholly inside the window.
SCROLL_Y = "() => window.scrollY"
IN_VIEW = """el => { const r = el.getBoundingClientRect();      // (a pixel's rounding allowed)
                     return r.top > -1 && r.bottom < window.innerHeight + 1 && r.width > 0 && r.height > 0; }"""
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


@pytest.fixture
def session_today(hub, make_kiosk):
    """A session today at the host's café with five people signed up on its kiosk (synced)."""
    uid = today_event(hub)
    kiosk = host_kiosk(make_kiosk)
    kiosk.sync()                      # the kiosk learns of the new session
    enqueue(kiosk.db_url, PEOPLE, event_uid=uid, prefix="Guest")
    kiosk.sync()                      # and the sign-ups reach the ward
    kiosk.start()
    names = sorted(n for (n,) in kiosk.query("SELECT name FROM signup WHERE event_uid = ?", (uid,)))
    assert len(names) == PEOPLE
    return uid, kiosk, names


def enter_host_mode(page, kiosk):
    """From the home screen, by what a host sees: Hosts, the PIN, Open host mode."""
    page.goto(kiosk.url + f"/{LANG}/")
    page.get_by_role("link", name=exact(ui(LANG, "Hosts"))).click()
    labelled(page, ui(LANG, "PIN")).fill("604817")
    page.get_by_role("button", name=exact(ui(LANG, "Open host mode"))).click()
    page.wait_for_url("**/host/today")


def tap_in_place(page, button):
    """Tap a control that is already wholly in view (so Playwright itself scrolls nothing) and
    give back the scroll position before and after the kiosk's answer has been swapped in."""
    assert_visible_control(button)
    assert button.evaluate(IN_VIEW), "the control should be in view before the tap"
    before = page.evaluate(SCROLL_Y)
    button.click()
    page.wait_for_function(SETTLED)
    return before


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))       # the window: what the host sees


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_taps_keep_the_host_in_place_at_the_largest_text(browser, session_today):
    uid, kiosk, names = session_today
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    j = Journey(page, "host-place-ja-portrait")
    enter_host_mode(page, kiosk)

    # The unplanned-session list starts with this café's programs, the first of them chosen.
    program = page.get_by_role("combobox", name=ui(LANG, "Program"))
    groups = program.locator("optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == [
        ui(LANG, "Programs at this site"), ui(LANG, "Other programs")]
    here = kiosk.query("SELECT DISTINCT s.slug FROM service s JOIN event e ON e.service_id = s.id "
                       "JOIN site t ON e.site_id = t.id WHERE t.slug = 'cafe-toyotama' UNION "
                       "SELECT s.slug FROM service s JOIN service_site x ON x.service_id = s.id "
                       "JOIN site t ON x.site_id = t.id WHERE t.slug = 'cafe-toyotama'")
    assert program.input_value() == groups.first.locator("option").first.get_attribute("value")
    assert program.input_value() in {slug for (slug,) in here}
    assert groups.nth(1).locator("option").count() > 0
    j.state("today")

    largest = page.get_by_role("button", name=exact(ui(LANG, "Largest text")))
    assert_visible_control(largest)
    largest.click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bsize-2\b"))
    tile = own_session(page, uid)
    assert_visible_control(tile)
    tile.click()
    page.wait_for_url(f"**/host/session/{uid}")
    j.state("session-largest")

    # The sign-up list is far down the screen: the host scrolls to it once.
    heading = page.get_by_role("heading", name=ui(LANG, "People who signed up"))
    heading.evaluate("el => el.scrollIntoView({block: 'start'})")
    assert page.evaluate(SCROLL_Y) > 300, "the list should start well below the first screen"
    for i, name in enumerate(names):
        row = page.get_by_role("listitem").filter(has_text=name)
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/checkin")) as sent:
            before = tap_in_place(page, row.get_by_role("button", name=exact(ui(LANG, "Check in"))))
        if i == 0:      # an htmx request that carries the form's CSRF token
            assert sent.value.headers.get("hx-request") == "true" and "csrf_token=" in sent.value.post_data
        expect(row).to_have_class(re.compile(r"\bin\b"))
        expect(row).to_contain_text(ui(LANG, "Here"))
        assert page.evaluate(SCROLL_Y) == before, f"checking in {name} moved the screen"
        # The tapped row offers its undo, with the keyboard focus kept on it.
        expect(row.get_by_role("button", name=exact(ui(LANG, "Undo")))).to_be_focused()
    shot(page, "host-place-checked-in")
    assert kiosk.query("SELECT count(*), sum(delta) FROM attendance WHERE kind = 'checkin'")[0] == (PEOPLE, PEOPLE)
    recent = page.locator("#recent")
    expect(recent.get_by_text(re.compile(re.escape(ui(LANG, "Check in")) + r" \S+ \+1"))).to_have_count(PEOPLE)
    j.state("checked-in")

    # A counter, with the screen scrolled part-way down so that a reload would show.
    group = ui(LANG, "Age 65 and over")
    plus = page.get_by_role("button", name=f"{ui(LANG, 'One more')}: {group}")
    plus.evaluate("el => el.scrollIntoView({block: 'end'})")
    page.evaluate("() => window.scrollBy(0, 120)")
    assert page.evaluate(SCROLL_Y) > 0
    before = tap_in_place(page, plus)
    expect(page.locator('output[data-group="age_65_plus"]')).to_have_text("1")
    assert page.evaluate(SCROLL_Y) == before, "the counter tap moved the screen"
    # The total beside the counters follows, and says what it counts.
    headcount = page.locator("#headcount")
    expect(headcount.locator("output")).to_have_text("1")
    assert ui(LANG, "Check-ins and walk-ins are not added to the head count by themselves: for each "
                    "person who came, checked in or not, tap one of the counters it adds up.") in headcount.inner_text()
    assert ui(LANG, "Head count") in headcount.inner_text()
    shot(page, "host-place-counted")
    headcount.screenshot(path=str(SHOTS / "host-place-headcount.png"))

    # The note at the bottom: saving it leaves the screen where it was too.
    note = page.get_by_role("textbox", name=ui(LANG, "Note"))
    note.evaluate("el => el.scrollIntoView({block: 'center'})")
    note.fill("Rain; fewer people than usual")
    before = tap_in_place(page, page.get_by_role("button", name=exact(ui(LANG, "Save note"))))
    expect(recent).to_contain_text(ui(LANG, "Note"))
    assert page.evaluate(SCROLL_Y) == before, "saving the note moved the screen"
    expect(note).to_have_value("Rain; fewer people than usual")

    # Close: the question appears where the host tapped, in view and focused.
    close = page.get_by_role("button", name=re.compile(re.escape(ui(LANG, "Close this session"))))
    close.evaluate("el => el.scrollIntoView({block: 'center'})")
    tap_in_place(page, close)
    dialog = page.get_by_role("alertdialog", name=ui(LANG, "Close this session now?"))
    expect(dialog).to_be_visible()
    expect(dialog).to_be_focused()
    box = dialog.bounding_box()
    height = page.evaluate("() => window.innerHeight")
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"confirmation out of view: {box}, {height}"
    shot(page, "host-place-confirm-close")
    j.state("confirm-close")

    # "No, keep it open" puts the button back where it was; "Yes" then closes the session.
    keep = dialog.get_by_role("link", name=exact(ui(LANG, "No, keep it open")))
    tap_in_place(page, keep)
    expect(close).to_be_focused()
    assert close.evaluate(IN_VIEW), "the close button came back out of view"
    close.click()
    yes = page.get_by_role("button", name=re.compile(re.escape(ui(LANG, "Yes, close it"))))
    assert_visible_control(yes)
    yes.click()
    page.locator(".closed-banner").wait_for()
    j.state("closed")
    context.close()


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_a_refused_tap_says_why_next_to_it(browser, session_today):
    """Two screens on one session (a second tablet, or a page left open): what one of them can
    no longer do is refused with the reason next to the tapped control, never a silent nothing."""
    uid, kiosk, names = session_today
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    enter_host_mode(page, kiosk)
    own_session(page, uid).click()
    page.wait_for_url(f"**/host/session/{uid}")
    group = ui(LANG, "Age 65 and over")
    page.get_by_role("button", name=f"{ui(LANG, 'One more')}: {group}").click()
    expect(page.locator('output[data-group="age_65_plus"]')).to_have_text("1")

    other = context.new_page()              # the same host, on a second screen
    other.goto(page.url)
    other.get_by_role("button", name=f"{ui(LANG, 'One less')}: {group}").click()
    expect(other.locator('output[data-group="age_65_plus"]')).to_have_text("0")

    page.get_by_role("button", name=f"{ui(LANG, 'One less')}: {group}").click()
    counter = page.locator("#counter-age_65_plus")
    expect(counter.get_by_role("alert")).to_have_text(ui(LANG, "The count is already zero."))
    expect(counter.locator("output")).to_have_text("0")
    shot(page, "host-place-refused-zero")

    other.get_by_role("button", name=re.compile(re.escape(ui(LANG, "Close this session")))).click()
    other.get_by_role("button", name=re.compile(re.escape(ui(LANG, "Yes, close it")))).click()
    other.locator(".closed-banner").wait_for()

    row = page.get_by_role("listitem").filter(has_text=names[0])
    row.get_by_role("button", name=exact(ui(LANG, "Check in"))).click()
    expect(row.get_by_role("alert")).to_have_text(ui(LANG, "This session is closed. It can no longer be changed."))
    expect(row.get_by_role("button", name=exact(ui(LANG, "Check in")))).to_be_disabled()
    shot(page, "host-place-refused-closed")
    assert kiosk.query("SELECT count(*) FROM attendance WHERE kind = 'checkin'")[0][0] == 0
    context.close()


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_without_javascript_each_answer_lands_where_the_host_tapped(browser, session_today):
    uid, kiosk, names = session_today
    context = browser.new_context(viewport=PORTRAIT, java_script_enabled=False)
    page = context.new_page()
    enter_host_mode(page, kiosk)
    page.get_by_role("button", name=exact(ui(LANG, "Largest text"))).click()
    own_session(page, uid).click()
    page.wait_for_url(f"**/host/session/{uid}")
    for name in names[-2:]:                  # the last rows, furthest down
        row = page.get_by_role("listitem").filter(has_text=name)
        row.get_by_role("button", name=exact(ui(LANG, "Check in"))).click()
        page.wait_for_url(re.compile(r"#person-"))
        expect(row).to_have_class(re.compile(r"\bin\b"))
        assert page.evaluate(SCROLL_Y) > 0 and row.evaluate(IN_VIEW), f"{name}'s row is out of view"
    close = page.get_by_role("button", name=re.compile(re.escape(ui(LANG, "Close this session"))))
    close.click()
    page.wait_for_url(re.compile(r"#confirm-close$"))
    dialog = page.get_by_role("alertdialog", name=ui(LANG, "Close this session now?"))
    assert dialog.evaluate(IN_VIEW), "the confirmation is out of view"
    shot(page, "host-place-nojs-confirm-close")
    context.close()
