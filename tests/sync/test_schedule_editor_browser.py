"""Staff change the time of a recurring session on the hub by clicking what they see, in
Chromium: they reach the service's editor from the staff home, open its Tuesday rule, change
the time, read what that does to the sessions (one of them has a visitor's sign-up, made on a
real kiosk), confirm it and publish. After one sync the kiosk's status page tells the visitor
that her session was moved, and why. On PostgreSQL at the portrait tablet size and on SQLite at
the landscape one; axe on every screen, and each control used has a real box, visible text
and contrast."""
import datetime
import re

import pytest

from tests.conftest import ARTIFACTS, LANDSCAPE, PORTRAIT
from tests.e2e.journey import _CONTRAST_JS, AXE_TAGS, Journey, _axe, exact, labelled, program, ui
from tests.sync.desk_helpers import assert_staff_control, sign_in
from tests.sync.sync_helpers import signup_by_form

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "journeys"
LANG = "ja"   # the staff member's screen language
SERVICE = "nihongo-kyoshitsu"


class StaffScreens:
    """The staff member's way through the hub: each state checked with axe and saved."""

    def __init__(self, page, name):
        self.page, self.name, self.step = page, name, 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def state(self, label):
        self.page.wait_for_load_state("load")
        self.step += 1
        size = self.page.viewport_size
        self.page.screenshot(path=str(SHOTS / f"{self.name}-{size['width']}x{size['height']}-{self.step:02d}-{label}.png"),
                             full_page=True)
        results = _axe.run(self.page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
        assert violations == [], f"{label}: axe: {violations}"

    def use(self, locator, box=None):
        """Check that a control (or, for a checkbox, its label ``box``) has a real box and text
        that stands out, then click it."""
        locator.wait_for()
        shown = box or locator
        assert_staff_control(shown)
        text = (shown.inner_text() or shown.get_attribute("value") or "").strip()
        assert text, f"a control without visible text: {shown}"
        ratio = shown.evaluate(_CONTRAST_JS)
        assert ratio >= 4.5, f"text contrast {ratio:.2f} for {text!r}"
        locator.click()


def tuesday_session(hub):
    """(schedule uid, first Tuesday session to come: uid and start) of the Japanese classes."""
    rule = hub.query("SELECT sc.uid FROM schedule sc JOIN service s ON s.id = sc.service_id "
                     "WHERE s.slug = %s AND sc.byday = 'TU'", (SERVICE,))[0][0]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(hours=1)
    rows = hub.query("SELECT uid, starts_at FROM event WHERE schedule_uid = %s ORDER BY starts_at", (rule,))
    starts = [(uid, s if isinstance(s, datetime.datetime) else datetime.datetime.fromisoformat(s)) for uid, s in rows]
    return rule, next((uid, s) for uid, s in starts if s > now)


@pytest.mark.parametrize("hub_db_url", ["postgresql", "sqlite"], indirect=True)
def test_staff_change_a_rules_time_and_the_visitor_sees_her_session_moved(browser, hub, make_kiosk, hub_db_url):
    viewport = PORTRAIT if hub_db_url.startswith("postgres") else LANDSCAPE
    rule, (event_uid, old_start) = tuesday_session(hub)
    kiosk = make_kiosk()
    kiosk.start()
    try:
        ref = signup_by_form(kiosk.url, event_uid, "Schedule Tester", "090-3333-4444")
        kiosk.sync()
        assert hub.query("SELECT status FROM hub_signup WHERE ref_code = %s", (ref,)) == [("confirmed",)]

        context = browser.new_context(viewport=viewport, locale="ja-JP")
        page = context.new_page()
        staff = StaffScreens(page, "schedule-editor")
        sign_in(page, hub.url, "staff", "staff-pass-1")
        staff.use(page.get_by_role("link", name=ui(LANG, "Catalog"), exact=True))
        staff.use(page.get_by_role("link", name=program(SERVICE, "ja"), exact=True))
        page.locator("#schedules").wait_for()
        staff.state("service")
        row = page.locator("#schedules + table tr").filter(has_text=ui(LANG, "Tuesday"))
        staff.use(row.get_by_role("link", name=re.compile(re.escape(ui(LANG, "Edit")))))
        page.get_by_role("heading", name=ui(LANG, "Change a recurring session")).wait_for()
        starts = page.get_by_label(ui(LANG, "Starts at"))
        assert starts.input_value() == "10:00" and page.get_by_label(ui(LANG, "Ends at")).input_value() == "12:00"
        staff.state("rule-form")
        starts.fill("13:00")
        page.get_by_label(ui(LANG, "Ends at")).fill("15:00")
        staff.use(page.get_by_role("button", name=ui(LANG, "Show what changes"), exact=True))
        page.get_by_role("heading", name=ui(LANG, "What this does to the sessions")).wait_for()
        main = page.locator("main").inner_text()
        assert ui(LANG, "People affected: %(people)d (sign-ups: %(signups)d)", people=1, signups=1) in main
        assert ui(LANG, "Moved with notice: the sign-ups keep their seats and see the change") in main
        assert "13:00" in main
        staff.state("preview")
        confirm = page.get_by_label(ui(LANG, "Yes, change these sessions as listed when the draft is published. "
                                             "The people signed up are told."))
        staff.use(confirm, box=page.locator("label.check").filter(has=confirm))
        staff.use(page.get_by_role("button", name=ui(LANG, "Save the change to the draft"), exact=True))
        page.get_by_text(ui(LANG, "Draft saved. It is not on the kiosks until you publish it.")).wait_for()
        main = page.locator("main").inner_text()
        assert ui(LANG, "Confirmed. People told: %(people)d (sign-ups: %(signups)d).", people=1, signups=1) in main
        assert ui(LANG, "Recurring sessions") in main
        staff.state("draft")
        staff.use(page.get_by_role("button", name=ui(LANG, "Publish"), exact=True))
        page.get_by_text(re.compile(re.escape(ui(LANG, "Published (version %(num)s). Kiosks show it after their "
                                                       "next sync.", num=2)))).wait_for()
        staff.state("published")
        context.close()

        # The hub moved the session with notice: same session, new time, the old one kept.
        moved = hub.query("SELECT starts_at, moved_from, change_reason, cancelled FROM event WHERE uid = %s",
                          (event_uid,))[0]
        as_time = [v if isinstance(v, datetime.datetime) else datetime.datetime.fromisoformat(v) for v in moved[:2]]
        assert as_time[1] == old_start and as_time[0] == old_start + datetime.timedelta(hours=3)
        assert moved[2] == "schedule_changed" and moved[3] in (False, 0)
        assert hub.query("SELECT status FROM hub_signup WHERE ref_code = %s", (ref,)) == [("confirmed",)]

        kiosk.sync()
        visitor_context = browser.new_context(viewport=viewport)
        visitor = visitor_context.new_page()
        visitor.goto(kiosk.url + "/")
        j = Journey(visitor, "schedule-moved-en")
        j.touch(visitor.get_by_role("link", name="English", exact=True))
        j.touch(visitor.get_by_role("link", name=exact(ui("en", "Check a sign-up"))))
        labelled(visitor, ui("en", "Reference code")).fill(ref)
        j.touch(visitor.get_by_role("button", name=exact(ui("en", "Check"))))
        main = visitor.locator("main").inner_text()
        assert ref in main and "The session was moved from" in main
        assert ui("en", "The schedule has changed") in main and "1:00" in main
        j.state("status-moved")
        visitor_context.close()
    finally:
        kiosk.stop()
