"""A visitor signs up in Tagalog in Chromium; ward staff see it on the hub after sync."""
import pytest

from kiosk.sync.contract import REF_RE
from tests.conftest import ARTIFACTS
from tests.conftest import PORTRAIT
from tests.helpers import wait_for

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots"


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_tagalog_signup_with_full_width_phone_reaches_staff_view(browser, hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    page.goto(kiosk.url + "/tl/services/machikado-care-cafe")
    page.locator("a.signup-btn").first.click()
    page.wait_for_url("**/tl/signup/event/**")
    # First a mistake: the form keeps what was typed and says what is wrong, in Tagalog.
    page.locator("#name").fill("Maria Dela Cruz")
    page.locator("#phone").fill("０９０－１２３４－５６７８x")
    page.locator("button[type=submit]").click()
    page.locator(".field-error").first.wait_for()
    assert page.locator(".field-error").count() >= 2
    assert page.locator("#name").input_value() == "Maria Dela Cruz"
    page.screenshot(path=str(SHOTS / "tl-signup-errors.png"), full_page=True)
    page.locator("#phone").fill("０９０－１２３４－５６７８")
    page.locator("#age_band").select_option("65-74")
    page.locator("#consent").check()
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/tl/signup/done")
    ref = page.locator(".ref-code").inner_text().strip()
    assert REF_RE.fullmatch(ref)
    assert page.locator(".qr-code svg").count() == 1
    assert "Maria Dela Cruz" not in page.url and "090" not in page.url
    page.screenshot(path=str(SHOTS / "tl-signup-done.png"), full_page=True)
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup WHERE ref_code = %s", (ref,))[0][0] == 1)
    assert hub.query("SELECT phone, language FROM hub_signup WHERE ref_code = %s", (ref,)) == [("090-1234-5678", "tl")]
    staff = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    staff.goto(hub.url + "/staff/")
    staff.locator("input[name=username]").fill("staff")
    staff.locator("input[name=password]").fill("staff-pass-1")
    staff.locator("button.primary").click()
    staff.wait_for_url("**/staff/")
    row = staff.locator("table.recent tr", has_text=ref)
    assert "Maria Dela Cruz" in row.inner_text() and "090-1234-5678" in row.inner_text()
    staff.screenshot(path=str(SHOTS / "hub-staff-overview.png"), full_page=True)
    context.close()
