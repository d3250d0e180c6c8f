"""A site whose host PIN is being guessed shows on the hub: each lockout on a kiosk reaches the
hub's Kiosks screen with the next sync, placed on the hub's clock (the kiosk's may be wrong), and
a malformed report header from a kiosk is ignored, never a 500."""
import datetime
import re

import httpx
import pytest

from kiosk.sync import protocol
from tests.helpers import creds, csrf_token, post, staff_login, wait_for
from tests.sync.host_helpers import host_kiosk

WRONG = "111111"
THREE_DAYS = 3 * 86400


def kiosks_page(hub):
    """The hub's Kiosks screen as a staff member sees it (in English)."""
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        staff.get("/language/en", params={"next": "/staff/kiosks"})
        return staff.get("/staff/kiosks").text


def lockout_line(page):
    found = re.search(r'<strong class="warn pin-lockouts">([^<]*)</strong>', page)
    return found.group(1) if found else None


def wrong_pins(kiosk, n):
    with httpx.Client(base_url=kiosk.url) as visitor:
        token = csrf_token(visitor.get("/en/host/").text)
        return [visitor.post("/en/host/", data={"csrf_token": token, "pin": WRONG}, follow_redirects=True).status_code
                for _ in range(n)]


def device_row(hub, kiosk):
    return hub.query("SELECT pin_lockouts, pin_lockout_at FROM device WHERE device_id = %s",
                     (kiosk.device_id(),))[0]


def hub_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def as_datetime(value):
    return value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value)


def test_a_pin_lockout_shows_on_the_hubs_kiosks_screen_after_one_sync(hub, make_kiosk):
    # A long interval: the report travels with the round the lockout wakes, not a timer's. The
    # kiosk's clock is three days ahead: the hub must still place the lockout at its own "now".
    kiosk = host_kiosk(make_kiosk, env={"KIOSK_SYNC_INTERVAL_SECONDS": "120",
                                        "KIOSK_CLOCK_OFFSET_SECONDS": str(THREE_DAYS)})
    kiosk.start()
    assert lockout_line(kiosks_page(hub)) is None
    assert wrong_pins(kiosk, 5) == [401, 401, 401, 401, 429]
    wait_for(lambda: device_row(hub, kiosk)[0] == 1, timeout=30)
    at = as_datetime(device_row(hub, kiosk)[1])
    assert abs((at - hub_now()).total_seconds()) < 120
    line = lockout_line(kiosks_page(hub))
    assert line and "Host PIN locked 1 time in the last 24 hours (last at" in line
    # Each further lockout adds to the count.
    kiosk.query("UPDATE host_pin_attempt SET at = datetime(at, '-61 seconds')")
    assert wrong_pins(kiosk, 1) == [429]
    wait_for(lambda: device_row(hub, kiosk)[0] == 2, timeout=30)
    assert "Host PIN locked 2 times in the last 24 hours" in lockout_line(kiosks_page(hub))


def _report(hub, device_id, secret, value):
    """An empty push carrying ``value`` as the lockout header; the hub's status code."""
    return post(hub, device_id, secret, {"records": []}, headers={protocol.H_PIN_LOCKOUTS: value})[0].status_code


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_a_malformed_lockout_header_is_ignored(hub, make_kiosk):
    kiosk = make_kiosk()
    device_id, secret = creds(kiosk)
    for bad in ("abc", "-1", "1;x", "1234567", "1;1234567890", "3;754;1", "1e3", "0x10", "3,754",
                ";5", "2;", "", "9" * 5000):
        assert _report(hub, device_id, secret, bad) == 200, bad
        assert device_row(hub, kiosk) == (0, None), bad
    assert _report(hub, device_id, secret, "2;30") == 200
    count, at = device_row(hub, kiosk)
    assert count == 2 and abs((as_datetime(at) - hub_now()).total_seconds() + 30) < 30
    assert _report(hub, device_id, secret, "2;40") == 200           # network delay: no rewrite
    assert device_row(hub, kiosk) == (count, at)
    assert "Host PIN locked 2 times" in lockout_line(kiosks_page(hub))
    assert _report(hub, device_id, secret, "0") == 200               # a quiet day: the line goes
    assert device_row(hub, kiosk)[0] == 0 and lockout_line(kiosks_page(hub)) is None
