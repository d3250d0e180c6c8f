"""Staff at the hub's screens in Chromium: signing in, and clicking controls big enough for staff."""
from tests.e2e.journey import ui

LANG = "ja"   # the staff member's screen language


def sign_in(page, url, username, password):
    page.goto(url + "/staff/login")                  # the first screen
    page.get_by_label(ui(LANG, "User name")).fill(username)
    page.get_by_label(ui(LANG, "Password")).fill(password)
    page.get_by_role("button", name=ui(LANG, "Sign in")).click()
    page.wait_for_url("**/staff/")


def assert_staff_control(locator):
    box = locator.bounding_box()
    assert box and box["height"] >= 44, f"staff control under 44 px: {box}"


def click(locator):
    locator.wait_for()
    assert_staff_control(locator)
    locator.click()
