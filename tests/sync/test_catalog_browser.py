"""Staff create a service with a weekly rule and a text in each of the five
languages by clicking what they see on the hub, publish it, and a paired kiosk shows it in all
five languages, finds it by search and offers its sessions for sign-up; staff then cancel one
date and the kiosk shows it cancelled. On PostgreSQL and SQLite, in Chromium."""
import datetime
import re

import pytest

from tests.conftest import ARTIFACTS, LANDSCAPE, PORTRAIT
from tests.e2e.journey import AXE_TAGS, ENDONYM, Journey, _axe, card, exact, ui
from tests.sync.desk_helpers import click, sign_in

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "catalog"
NAMES = {"ja": "ことばの広場 みどり", "en": "Midori Language Corner", "zh": "绿色语言角",
         "ko": "미도리 언어 코너", "tl": "Midori Language Corner para sa lahat"}
SUMMARIES = {"ja": "日本語で話す練習をする集まりです。", "en": "A friendly group to practise speaking Japanese.",
             "zh": "练习说日语的聚会。", "ko": "일본어 말하기를 연습하는 모임입니다.",
             "tl": "Grupo para mag-practice magsalita ng Japanese."}
SEARCH = {"ja": "ことばの広場", "en": "Midori", "zh": "绿色语言角", "ko": "미도리", "tl": "Midori"}
LANG = "ja"   # the staff member's screen language


def shot(page, name):
    """Save the staff screen's picture and check it with axe (WCAG 2.2 A/AA)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert violations == [], f"{name}: axe: {violations}"


def text_box(page, field_label, lang, context=None):
    group = page.get_by_role("group", name=ui(LANG, field_label, context=context), exact=True)
    return group.get_by_label(ENDONYM[lang], exact=True)


def create_and_publish(page, hub):
    sign_in(page, hub.url, "staff", "staff-pass-1")
    click(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
    click(page.get_by_role("link", name=ui(LANG, "New service"), exact=True))
    shot(page, "new-service-empty")
    page.get_by_label(ui(LANG, "Short name for links (letters, digits, hyphens; made from the English name if empty)")).fill("midori-kotoba")
    page.get_by_label(ui(LANG, "Official Japanese name")).fill("練馬区ことばの広場みどり")
    page.get_by_label(ui(LANG, "Category")).select_option(label=ui(LANG, "Courses and learning"))
    page.get_by_label(ui(LANG, "Foreign residents")).check()
    page.get_by_label(ui(LANG, "Everyone, volunteers")).check()
    for lang in NAMES:
        text_box(page, "Name", lang, context="service or place").fill(NAMES[lang])
        text_box(page, "Summary (one sentence)", lang).fill(SUMMARIES[lang])
    click(page.get_by_role("button", name=ui(LANG, "Save as draft"), exact=True))
    page.get_by_text(ui(LANG, "Draft saved. It is not on the kiosks until you publish it.")).wait_for()
    # A weekly rule: every day of the week ticked would be odd; every Tuesday and Friday.
    form = page.locator("form.schedule-form")
    form.get_by_label(ui(LANG, "Place")).select_option(index=0)
    form.get_by_label(ui(LANG, "Repeats")).select_option(label=ui(LANG, "Every week"))
    form.get_by_label(ui(LANG, "Tuesday"), exact=True).check()
    form.get_by_label(ui(LANG, "Friday"), exact=True).check()
    form.get_by_label(ui(LANG, "Starts at")).fill("10:00")
    form.get_by_label(ui(LANG, "Ends at")).fill("12:00")
    form.get_by_label(ui(LANG, "Seats (0: no sign-up needed)")).fill("12")
    click(form.get_by_role("button", name=ui(LANG, "Add to the draft")))
    page.locator("#schedules").wait_for()
    assert ui(LANG, "Tuesday") in page.locator("#schedules + table").inner_text()
    shot(page, "draft-with-rule")
    click(page.get_by_role("button", name=ui(LANG, "Publish"), exact=True))
    page.get_by_text(re.compile(re.escape(ui(LANG, "Published (version %(num)s). Kiosks show it after their next sync.",
                                              num=1)))).wait_for()
    shot(page, "published")
    click(page.get_by_role("link", name=ui(LANG, "History"), exact=True))
    page.get_by_role("heading", name=re.compile(re.escape(ui(LANG, "History")))).wait_for()
    shot(page, "history")


def other_catalog_screens(page, tmp_path):
    """Translations to check, furigana readings, HSDS export and import: reached by clicking."""
    click(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
    click(page.get_by_role("link", name=ui(LANG, "Translations to check"), exact=True))
    shot(page, "translations")
    click(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
    click(page.get_by_role("link", name=ui(LANG, "Furigana readings"), exact=True))
    page.get_by_label(ui(LANG, "Word"), exact=True).fill("練馬")
    page.get_by_label(ui(LANG, "Reading (hiragana)")).fill("ねりま")
    click(page.get_by_role("button", name=ui(LANG, "Save the reading"), exact=True))
    page.locator("td ruby").first.wait_for()
    shot(page, "readings")
    click(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
    with page.expect_download() as info:
        click(page.get_by_role("link", name=ui(LANG, "Export (HSDS datapackage)"), exact=True))
    package = tmp_path / "export.zip"
    info.value.save_as(package)
    click(page.get_by_role("link", name=ui(LANG, "Import an HSDS datapackage"), exact=True))
    page.get_by_label(ui(LANG, "Datapackage (zip)")).set_input_files(str(package))
    click(page.get_by_role("button", name=ui(LANG, "Show what would change"), exact=True))
    page.get_by_text(ui(LANG, "Nothing would change: the catalog already has all of it.")).wait_for()
    shot(page, "import-report")


@pytest.mark.parametrize("hub_db_url", ["postgresql", "sqlite"], indirect=True)
def test_staff_publish_a_service_and_every_kiosk_language_shows_it(browser, hub, make_kiosk, hub_db_url, tmp_path):
    kiosk = make_kiosk()
    staff_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    staff_page = staff_context.new_page()
    create_and_publish(staff_page, hub)
    other_catalog_screens(staff_page, tmp_path)
    assert hub.query("SELECT count(*) FROM event e JOIN service s ON s.id = e.service_id "
                     "WHERE s.slug = 'midori-kotoba'")[0][0] >= 8
    # Its sessions not begun, as the staff page lists them (run on the day of the first, after it
    # began, the first date offered is the next one).
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    sessions = hub.query("SELECT uid, starts_at FROM event e JOIN service s ON s.id = e.service_id "
                         "WHERE s.slug = 'midori-kotoba' AND e.starts_at >= %s ORDER BY starts_at", (now,))
    kiosk.sync()
    kiosk.start()
    try:
        for i, lang in enumerate(NAMES):
            size = PORTRAIT if i % 2 else LANDSCAPE
            context = browser.new_context(viewport=size)
            page = context.new_page()
            page.goto(kiosk.url + "/")
            j = Journey(page, f"catalog-{lang}")
            if lang != "ja":
                j.touch(page.get_by_role("link", name=ENDONYM[lang], exact=True))
            page.get_by_role("searchbox").press_sequentially(SEARCH[lang], delay=40)
            result = page.get_by_role("link", name=card(NAMES[lang])).first
            result.wait_for()
            j.state("search")
            j.touch(result)
            main = page.locator("main").inner_text()
            assert NAMES[lang] in main and SUMMARIES[lang] in main
            signup = page.get_by_role("link", name=exact(ui(lang, "Sign up"))).first
            signup.wait_for()
            j.state("service")
            j.touch(signup)
            assert NAMES[lang] in page.locator("main").inner_text()
            j.state("sign-up-form")
            context.close()

        # Staff cancel the first date; the kiosk shows it cancelled after its next sync.
        page = staff_page
        click(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
        click(page.get_by_role("link", name=NAMES["ja"], exact=True))
        click(page.get_by_role("link", name=ui(LANG, "Cancel or move this date")).first)
        page.get_by_label(ui(LANG, "Reason")).first.select_option(label=ui(LANG, "Because of the weather"))
        page.get_by_role("checkbox").first.check()
        click(page.get_by_role("button", name=ui(LANG, "Cancel this date"), exact=True))
        page.get_by_text(ui(LANG, "This date is cancelled.")).wait_for()
        shot(page, "date-cancelled")
        assert hub.query("SELECT cancelled, change_reason FROM event WHERE uid = %s", (sessions[0][0],))[0] in (
            (True, "weather"), (1, "weather"))
        kiosk.sync()
        context = browser.new_context(viewport=LANDSCAPE)
        visitor = context.new_page()
        visitor.goto(kiosk.url + "/")
        j = Journey(visitor, "catalog-cancelled-en")
        j.touch(visitor.get_by_role("link", name="English", exact=True))
        visitor.get_by_role("searchbox").press_sequentially("Midori", delay=40)
        result = visitor.get_by_role("link", name=card(NAMES["en"])).first
        result.wait_for()
        j.touch(result)
        first = visitor.locator("li.event").first
        assert ui("en", "Cancelled", context="session") in first.inner_text() and ui("en", "Because of the weather") in first.inner_text()
        assert first.get_by_role("link").count() == 0      # no sign-up for a cancelled date
        j.state("cancelled-date")
        context.close()
    finally:
        kiosk.stop()
        staff_context.close()
