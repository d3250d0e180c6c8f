"""The kiosks screen in Chromium, by clicking only what an administrator sees: a kiosk that
enrolled and never synced says so; revoking it goes through a confirmation that names the kiosk
and its site, refuses until its box is ticked, then revokes. Both tablet sizes, axe clean on
every state."""
import re

import httpx
import pytest

from kiosk.sync import protocol
from tests.conftest import ARTIFACTS, LANDSCAPE, PORTRAIT
from tests.e2e.journey import exact, ui
from tests.sync.desk_helpers import click, sign_in

pytestmark = pytest.mark.browser
LANG = "ja"
SHOTS = ARTIFACTS / "fleet"
NAME = "Nerima plaza tablet 7"


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_an_admin_revokes_a_kiosk_through_its_confirmation(browser, hub, viewport):
    from tests.e2e.journey import screen_checker
    answer = httpx.post(hub.url + "/api/v1/enroll", json={"code": hub.code(site="plaza-nerima"), "name": NAME,
                                                          "protocol": protocol.PROTOCOL_VERSION})
    device_id = answer.json()["device_id"]
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    name = f"fleet-{viewport['width']}x{viewport['height']}"

    check = screen_checker(page, SHOTS, name)

    def revoked():
        return hub.query("SELECT revoked_at FROM device WHERE device_id = %s", (device_id,))[0][0] is not None

    sign_in(page, hub.url, "staff", "staff-pass-1")
    click(page.get_by_role("link", name=ui(LANG, "Kiosks"), exact=True))
    row = page.get_by_role("row", name=re.compile(re.escape(NAME)))
    assert ui(LANG, "Enrolled, never seen") in row.inner_text()
    assert ui(LANG, "Syncing") not in row.inner_text()
    site = row.get_by_role("cell").nth(1).inner_text().strip()
    assert site
    check("never-seen")

    click(row.get_by_role("link", name=ui(LANG, "Revoke"), exact=True))
    page.get_by_role("heading", level=1, name=ui(LANG, "Revoke kiosk %(name)s?", name=NAME)).wait_for()
    assert site in page.locator("main").inner_text() and device_id[:8] in page.locator("main").inner_text()
    check("confirm")

    # Not ticked: refused, nothing changes.
    click(page.get_by_role("button", name=ui(LANG, "Revoke this kiosk")))
    page.get_by_role("alert").filter(has_text=ui(LANG, "Tick the box to confirm.")).wait_for()
    assert not revoked()
    check("not-ticked")

    page.get_by_role("checkbox", name=exact(ui(LANG, "Yes, revoke %(name)s at %(site)s", name=NAME, site=site))).check()
    click(page.get_by_role("button", name=ui(LANG, "Revoke this kiosk")))
    page.wait_for_url("**/staff/kiosks")
    row = page.get_by_role("row", name=re.compile(re.escape(NAME)))
    assert ui(LANG, "Revoked") in row.inner_text() and row.get_by_role("link").count() == 0
    assert revoked()
    check("revoked")
    context.close()
