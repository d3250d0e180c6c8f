"""With the clock moved ten weeks ahead, the system still shows sessions in
the coming weeks. Real processes: a hub that loaded the demo today, restarted ten weeks later
(KIOSK_CLOCK_OFFSET_SECONDS), keeps its recurring sessions ahead by itself; a kiosk paired with
it, on the same clock, pulls them and lists them on its "this week" screen."""
import datetime
import re

import httpx

from tests.sync.conftest import Hub, Kiosk, run_cli

TEN_WEEKS = 70 * 86400


def test_ten_weeks_later_the_kiosk_still_lists_the_coming_sessions(hub_db_url, tmp_path, demo_db_template):
    import shutil
    env = {"KIOSK_CLOCK_OFFSET_SECONDS": str(TEN_WEEKS)}
    hub = Hub(hub_db_url, tmp_path, env=env).start()   # the demo was loaded "ten weeks ago"
    try:
        path = tmp_path / "later.db"
        shutil.copy(demo_db_template, path)
        code = run_cli(hub_db_url, "hub", "enroll-code", "--site", "plaza-nerima", env=env).strip()
        kiosk = Kiosk(path, hub.url, code, env=env)
        kiosk.sync()
        later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(seconds=TEN_WEEKS)
        rows = kiosk.query("SELECT starts_at FROM event WHERE cancelled = 0")
        starts = [datetime.datetime.fromisoformat(str(r[0])) for r in rows]
        coming = [s for s in starts if later <= s < later + datetime.timedelta(days=28)]
        assert len(coming) >= 20, (len(starts), max(starts))
        kiosk.start()
        try:
            page = httpx.get(kiosk.url + "/en/events", follow_redirects=True, timeout=10).text
            shown = re.findall(r'class="event-when"', page)
            assert len(shown) >= 5
            expected = later.strftime("%b")
            assert expected in page   # the month of "ten weeks later" is on the screen
        finally:
            kiosk.stop()
    finally:
        hub.stop()
    assert run_cli(hub_db_url, "hub", "keep-ahead", env=env).strip() == "sessions created: 0"
