"""A host in Chromium records a session while the hub is down; the hub's report then shows it."""
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PORTRAIT
from tests.helpers import wait_for
from tests.sync.conftest import enqueue
from tests.sync.host_helpers import host_kiosk, staff_csv, today_event

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots"


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_host_records_offline_and_hub_report_matches(browser, hub, make_kiosk):
    uid = today_event(hub)
    kiosk = host_kiosk(make_kiosk, env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5",
                                        "KIOSK_SYNC_MAX_BACKOFF_SECONDS": "2"})
    kiosk.sync()   # the new session
    enqueue(kiosk.db_url, 1, event_uid=uid, prefix="Hanako Nerima")
    hub.stop()
    kiosk.start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=PORTRAIT).new_page()
    page.goto(kiosk.url + "/ja/")
    page.locator("a.host-link").click()
    page.locator("#pin").fill("604817")
    page.locator(".pin-form button").click()
    page.wait_for_url("**/ja/host/today")
    page.screenshot(path=str(SHOTS / "ja-host-today.png"), full_page=True)
    page.locator(f'a[href$="/host/session/{uid}"]').click()
    page.wait_for_url(f"**/host/session/{uid}")

    def tap(group, sign):
        before = page.locator(f'output[data-group="{group}"]').inner_text()
        page.locator(f'.counter:has(output[data-group="{group}"]) button.{sign}').click()
        expect(page.locator(f'output[data-group="{group}"]')).not_to_have_text(before)

    for _ in range(3):
        tap("age_65_plus", "plus")
    tap("age_under_65", "plus")
    tap("age_under_65", "plus")
    tap("age_65_plus", "minus")                 # a correction
    page.locator(".person-row button.primary").click()
    page.locator(".person-row.in").wait_for()
    assert "Hanako Nerima" in page.locator(".person-row.in").inner_text()
    assert page.locator(".sync-mark", has_text="⏳").count() >= 6     # the hub is down: waiting
    page.screenshot(path=str(SHOTS / "ja-host-session.png"), full_page=True)
    page.locator("nav.languages a[lang=tl]").click()
    page.wait_for_url(f"**/tl/host/session/{uid}")
    page.screenshot(path=str(SHOTS / "tl-host-session.png"), full_page=True)
    page.locator(".close-form button").click()
    page.locator("#confirm-close .close-form button").click()      # the confirmation step
    page.locator(".closed-banner").wait_for()
    assert page.locator("button.plus[disabled]").count() >= 2

    hub.start()
    wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=60)
    staff = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    staff.goto(hub.url + "/staff/reports/")
    staff.locator("input[name=username]").fill("staff")
    staff.locator("input[name=password]").fill("staff-pass-1")
    staff.locator("button.primary").click()
    staff.goto(hub.url + "/staff/reports/")
    row = staff.locator("table.report tr").nth(1)
    # Each number says it counts people ("4 people", 「4人」), the number itself in data-num.
    for cell, num in (("td.headcount", 4), ('td[data-group="age_65_plus"]', 2),
                      ('td[data-group="age_under_65"]', 2), ('td[data-group="checked_in"]', 1)):
        count = row.locator(f"{cell} .count.people")
        assert count.get_attribute("data-num") == str(num) and count.inner_text() != str(num), cell
    assert staff.locator("figure.chart svg rect").count() == 1
    staff.screenshot(path=str(SHOTS / "hub-attendance-report.png"), full_page=True)
    raw, rows = staff_csv(hub)
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 2
    (csv_row,) = rows
    assert list(csv_row.values())[3:] == ["1", "4", "2", "2", "1"]
