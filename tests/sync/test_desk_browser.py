"""The ward's desk in Chromium, by clicking only what staff see: an admin
creates a desk account, settles a volunteer registration and a session's waiting list after a
cancellation; the foreign residents' desk works a Tagalog call-back through every state; each
export is downloaded and opened with Python's csv module."""
import csv
import io
import re

import pytest

from tests.conftest import ARTIFACTS, LANDSCAPE, PORTRAIT
from tests.e2e.journey import exact, ui
from tests.integration.hub_helpers import xlsx_rows
from tests.sync.conftest import bound
from tests.sync.desk_helpers import click, sign_in

pytestmark = pytest.mark.browser
LANG = "ja"
SHOTS = ARTIFACTS / "desk"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def queue_signup(db_url, **fields):
    from kiosk.site.sync import outbox
    with bound(db_url):
        return outbox.enqueue_signup(**fields).ref_code


def download(page, link):
    with page.expect_download() as info:
        click(link)
    raw = open(info.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def download_workbook(page, link):
    """The workbook behind ``link`` as rows of cell values (openpyxl)."""
    with page.expect_download() as info:
        click(link)
    assert info.value.suggested_filename.endswith(".xlsx")
    return [[c.value for c in row] for row in xlsx_rows(open(info.value.path(), "rb").read())]


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_desk_and_admin_work_their_queues_by_clicking(browser, hub, make_kiosk):
    kiosk = make_kiosk()
    uid = hub.event_with_seats()[0]
    hub.query("UPDATE event SET capacity = 1 WHERE uid = %s", (uid,))
    callback_ref = queue_signup(kiosk.db_url, kind="callback", service_slug="gaikokujin-sodan", language="tl",
                                name="=HYPERLINK(\"x\") Maria", phone="080-1234-5678", preferred_language="tl",
                                preferred_time="morning", note="Tungkol sa health insurance")
    volunteer_ref = queue_signup(kiosk.db_url, kind="volunteer", service_slug="nerries", language="ko",
                                 name="김민지", phone="080-2345-6789", note="주말")
    first = queue_signup(kiosk.db_url, kind="event", service_slug="machikado-care-cafe", event_uid=uid,
                         language="ja", name="最初 の人", phone="090-1111-1111")
    waiting = queue_signup(kiosk.db_url, kind="event", service_slug="machikado-care-cafe", event_uid=uid,
                           language="ja", name="待って いる人", phone="090-2222-2222")
    kiosk.sync()
    assert dict(hub.query("SELECT ref_code, status FROM hub_signup WHERE event_uid = %s", (uid,))) == {
        first: "confirmed", waiting: "waitlisted"}
    context = browser.new_context(viewport=LANDSCAPE, accept_downloads=True, locale="ja-JP")
    page = context.new_page()

    # The admin: a desk account for the foreign residents' desk.
    sign_in(page, hub.url, "staff", "staff-pass-1")
    click(page.get_by_role("link", name=ui(LANG, "Staff accounts")))
    page.get_by_label(ui(LANG, "User name")).fill("tagalog-desk")
    page.get_by_label(ui(LANG, "Role")).select_option("desk")
    page.get_by_label("外国人相談窓口").check()
    page.get_by_label(re.compile(re.escape(ui(LANG, "Password (at least %(num)d characters)", num=10)))).fill("desk-pass-123")
    click(page.get_by_role("button", name=ui(LANG, "Save the account")))
    page.get_by_role("cell", name="tagalog-desk", exact=True).first.wait_for()
    shot(page, "01-accounts")

    # A volunteer registration: contacted, then registered.
    click(page.get_by_role("link", name=ui(LANG, "Volunteers"), exact=True))
    click(page.get_by_role("link", name=volunteer_ref))
    click(page.get_by_role("button", name=ui(LANG, "Contacted")))
    click(page.get_by_role("button", name=ui(LANG, "Registered")))
    page.get_by_role("cell", name=re.compile(re.escape(ui(LANG, "Registered")))).first.wait_for()
    click(page.get_by_role("link", name=re.compile(re.escape(ui(LANG, "Volunteer registrations")))))
    rows = download(page, page.get_by_role("link", name=ui(LANG, "Download CSV (Excel)")))
    assert any(volunteer_ref in row for row in rows)

    # The session's waiting list after a cancellation (with a confirmation and a reason).
    click(page.get_by_role("link", name=ui(LANG, "Sign-ups"), exact=True))
    page.locator(f'a[href$="/staff/events/{uid}"]').first.click()
    row = page.get_by_role("row", name=re.compile(first))
    click(row.get_by_role("button", name=ui(LANG, "Cancelled", context="sign-up status"), exact=True))
    page.get_by_label(re.compile(re.escape(ui(LANG, "Reason (kept in the history)")))).fill("本人から電話")
    click(page.get_by_role("button", name=ui(LANG, "Yes, cancel this sign-up")))
    page.wait_for_url(f"**/staff/events/{uid}")
    assert dict(hub.query("SELECT ref_code, status FROM hub_signup WHERE event_uid = %s", (uid,))) == {
        first: "cancelled", waiting: "confirmed"}
    shot(page, "02-session-after-cancellation")
    rows = download(page, page.get_by_role("link", name=ui(LANG, "Download CSV (Excel)")))
    ref_column = rows[0].index(ui(LANG, "Reference"))
    assert {r[ref_column] for r in rows[1:]} == {first, waiting}
    status = {r[ref_column]: r[rows[0].index(ui(LANG, "Status code"))] for r in rows[1:]}
    assert status == {first: "cancelled", waiting: "confirmed"}
    book = download_workbook(page, page.get_by_role("link", name=ui(LANG, "Download Excel (.xlsx)")))
    assert book[0] == rows[0] and {r[ref_column] for r in book[1:]} == {first, waiting}
    click(page.get_by_role("button", name=ui(LANG, "Sign out")))

    # The desk: a Tagalog call-back through every state.
    sign_in(page, hub.url, "tagalog-desk", "desk-pass-123")
    click(page.get_by_role("link", name=ui(LANG, "Call-backs"), exact=True))
    assert "Tagalog" in page.locator("table.queue").inner_text() and "タガログ語" in page.locator("table.queue").inner_text()
    shot(page, "03-call-back-queue")
    click(page.get_by_role("link", name=callback_ref))
    for action in ("I will handle it", "Could not reach (count a try)", "Called back", "Close"):
        click(page.get_by_role("button", name=ui(LANG, action)))
        page.wait_for_load_state()
    assert hub.query("SELECT desk_state, attempts FROM hub_signup WHERE ref_code = %s", (callback_ref,)) == [("closed", 1)]
    assert len(page.locator("table.history tr").all()) == 5
    shot(page, "04-call-back-closed")
    click(page.get_by_role("link", name=re.compile(re.escape(ui(LANG, "Call-back requests")))))
    rows = download(page, page.get_by_role("link", name=ui(LANG, "Download CSV (Excel)")))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"x\") Maria" in cells and not any(c[:1] in "=+-@" for c in cells if c)
    # The desk sees only its desk: the volunteer registration is not in its lists.
    click(page.get_by_role("link", name=ui(LANG, "Volunteers"), exact=True))
    assert volunteer_ref not in page.locator("main").inner_text()
    actions = [r[0] for r in hub.query("SELECT action FROM audit_log")]
    assert {"view_person", "request_take", "request_close", "export", "account_saved", "status_cancelled"} <= set(actions)
    context.close()


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_overview_pages_through_the_sessions_by_clicking(browser, hub, viewport):
    """The staff home lists the sessions of its window 50 at a time: staff page forward and
    back with the buttons they see, at both tablet sizes, axe clean on every page."""
    from tests.e2e.journey import AXE_TAGS, _axe
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    sign_in(page, hub.url, "staff", "staff-pass-1")
    name = f"overview-{viewport['width']}x{viewport['height']}"

    def sessions():
        return [a.get_attribute("href") for a in page.locator("table.events a").all()]

    def check(label):
        shot(page, f"{name}-{label}")
        results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert [v["id"] for v in results.response["violations"]] == [], label

    first = sessions()
    assert len(first) == 50
    check("page-1")
    click(page.get_by_role("link", name=re.compile(re.escape(ui(LANG, "Next")))))
    page.get_by_text(ui(LANG, "Page %(page)d", page=2)).wait_for()
    second = sessions()
    assert second and not set(second) & set(first)
    check("page-2")
    click(page.get_by_role("link", name=re.compile(re.escape(ui(LANG, "Previous")))))
    page.get_by_text(ui(LANG, "Page %(page)d", page=1)).wait_for()
    assert sessions() == first
    # The same screen in English, as a foreign-born staff member would read it.
    click(page.get_by_role("link", name="English", exact=True))
    page.get_by_text(ui("en", "Sessions from a week ago to two months ahead.")).wait_for()
    assert sessions() == first
    check("english")
    # A session's page, reached by the date a person sees in the first row.
    when = page.locator("table.events a").first.inner_text()
    click(page.get_by_role("link", name=when, exact=True).first)
    page.wait_for_url("**/staff/events/*")
    page.get_by_role("heading", level=1).wait_for()
    check("session")
    context.close()


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_queue_and_the_report_by_clicking_and_back(browser, hub, viewport):
    """The call-back queue, one call-back and the attendance report (their rows now worked out in
    Python: kiosk.hub.desk.requests._shown, reports._shown) reached from the menu staff see, at
    both tablet sizes, in Japanese and in English, axe clean, and Back and Forward through them."""
    from kiosk import clock
    from kiosk.hub.intake import ingest
    from tests.e2e.journey import AXE_TAGS, _axe
    from tests.records import attendance, ref, signup
    callback = ref()
    with bound(hub.db_url):
        answers = ingest.ingest("browser-desk", [
            signup(kind="callback", service="gaikokujin-sodan", event=None, ref_code=callback, language="tl",
                   person={"name": "Maria Santos", "phone": "080-1234-5678", "preferred_language": "tl",
                           "preferred_time": "morning"}),
            *[attendance(date=clock.ward_today("Asia/Tokyo").isoformat(), group=group, seq=i + 1)
              for i, group in enumerate(("age_65_plus", "age_65_plus", "age_under_65"))]])
    assert {a["result"] for a in answers} == {"accepted"}, answers
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    sign_in(page, hub.url, "staff", "staff-pass-1")
    name = f"queue-report-{viewport['width']}x{viewport['height']}"

    def check(label):
        shot(page, f"{name}-{label}")
        results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert [v["id"] for v in results.response["violations"]] == [], label

    def queue_row():
        return page.locator("table.queue tr", has_text=callback)

    click(page.get_by_role("link", name=ui(LANG, "Call-backs"), exact=True))
    queue_row().wait_for()
    row = queue_row().inner_text()
    assert "Maria Santos" in row and "Tagalog (タガログ語)" in row, row
    assert re.search(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", row), row          # received, ward time
    assert queue_row().locator("span[lang=tl]").inner_text() == "Tagalog"
    check("queue-ja")

    def request_page(lang):
        """The call-back itself, opened from its row: the language for the call as in the queue."""
        click(queue_row().get_by_role("link", name=callback))
        page.get_by_role("button", name=ui(lang, "I will handle it")).wait_for()
        details = page.locator("main").inner_text()
        assert "Maria Santos" in details and "Tagalog" in details, details
        assert page.locator("main span[lang=tl]").first.inner_text() == "Tagalog"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        check(f"request-{lang}")
        return details

    assert "Tagalog (タガログ語)" in request_page("ja")
    page.go_back()
    queue_row().wait_for()

    click(page.get_by_role("link", name=ui(LANG, "Attendance"), exact=True))
    report = page.locator("table.report tr").nth(1)
    report.wait_for()
    assert report.locator("td.headcount .count.people").get_attribute("data-num") == "3"
    assert page.locator("figure.chart svg rect").count() == 1
    check("report-ja")

    click(page.get_by_role("link", name="English", exact=True))
    page.get_by_role("heading", name=ui("en", "Attendance"), level=1).wait_for()
    assert report.locator("td.headcount").inner_text() == "3 people"
    check("report-en")

    page.go_back()          # the report's address again (the language is the session's: English)
    page.get_by_role("heading", name=ui("en", "Attendance"), level=1).wait_for()
    page.go_back()          # the queue
    queue_row().wait_for()
    assert "Tagalog" in queue_row().inner_text()
    check("queue-en-back")
    # No filter wider than the tablet (an English site name made one overflow portrait).
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.go_forward()
    page.get_by_role("heading", name=ui("en", "Attendance"), level=1).wait_for()
    page.go_back()
    queue_row().wait_for()
    assert "Tagalog (タガログ語)" in request_page("en")    # the ward's own name beside it, as in the queue
    page.go_back()
    queue_row().wait_for()
    page.go_forward()
    page.get_by_role("button", name=ui("en", "I will handle it")).wait_for()
    context.close()
