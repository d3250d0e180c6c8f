"""Attendance travels through the outbox: exactly once, order-independent totals, two tablets."""
import random
import uuid

import pytest

from tests.helpers import creds, push, wait_for
from tests.sync.conftest import Hub, Kiosk
from tests.sync.host_helpers import Host, attendance, host_kiosk, staff_csv, today_event


def test_corrections_in_any_order_give_the_right_totals(hub, make_kiosk):
    device_id, secret = creds(make_kiosk(env={"KIOSK_SITE_SLUG": "cafe-toyotama"}))
    session = str(uuid.uuid4())
    made = [attendance(session, "open", 1)]
    made += [attendance(session, "count", 2 + i, "age_65_plus", 1) for i in range(5)]
    made += [attendance(session, "count", 7 + i, "age_65_plus", -1) for i in range(2)]   # corrections
    made += [attendance(session, "count", 9 + i, "age_under_65", 1) for i in range(3)]
    made += [attendance(session, "checkin", 12, ref="ABCD-2345", delta=1),
             attendance(session, "checkin", 13, ref="ABCD-2345", delta=-1),
             attendance(session, "checkin", 14, ref="ABCD-2345", delta=1),
             attendance(session, "close", 15)]
    shuffled = made[:]
    random.Random(7).shuffle(shuffled)
    for i in range(0, len(shuffled), 3):
        push(hub, device_id, secret, shuffled[i:i + 3])
    push(hub, device_id, secret, made[:4])   # resends change nothing
    raw, rows = staff_csv(hub)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    (row,) = rows
    values = list(row.values())
    assert values[3:] == ["1", "6", "3", "3", "1"]   # sessions, head count, 65+, under 65, signed up and came
    assert hub.query("SELECT count(*) FROM hub_attendance")[0][0] == len(made)


def test_two_tablets_recording_one_session_add_up(hub, make_kiosk):
    uid = today_event(hub)
    a = host_kiosk(make_kiosk, "tablet-a").start()
    b = host_kiosk(make_kiosk, "tablet-b").start()
    ha, hb = Host(a.url), Host(b.url)
    for _ in range(3):
        assert ha.count(uid, "age_65_plus", 1)
    for _ in range(2):
        assert hb.count(uid, "age_65_plus", 1)
    assert hb.count(uid, "age_under_65", 1)
    assert ha.count(uid, "age_65_plus", -1)
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_attendance")[0][0] == 7, timeout=30)
    _, rows = staff_csv(hub)
    (row,) = rows
    assert list(row.values())[3:6] == ["1", "5", "4"]   # one session, head count 5, 65+ 4


def test_kill_9_between_taps_loses_no_confirmed_tap(pg_hub_db_url, tmp_path, demo_db_template):
    import shutil
    hub = Hub(pg_hub_db_url, tmp_path).start()
    try:
        uid = today_event(hub)
        path = tmp_path / "tablet.db"
        shutil.copy(demo_db_template, path)
        from tests.sync.conftest import run_cli
        kiosk = Kiosk(path, hub.url, hub.code("cafe-toyotama"), env={"KIOSK_SITE_SLUG": "cafe-toyotama",
                                                      "KIOSK_SYNC_INTERVAL_SECONDS": "0.3"})
        kiosk.sync()
        run_cli(kiosk.db_url, "kiosk", "set-host-pin", "--pin", "604817", env=kiosk.env)
        rng = random.Random(11)
        confirmed = {"age_65_plus": 0, "age_under_65": 0}
        for _round in range(8):
            kiosk.start()
            host = Host(kiosk.url)
            for _ in range(rng.randint(1, 6)):
                group = rng.choice(list(confirmed))
                if host.count(uid, group, 1):
                    confirmed[group] += 1
            host.done()
            kiosk.server.kill9()          # between taps: the last confirmed tap must survive
        kiosk.start()
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=60)
        kiosk.stop()
        rows = dict(hub.query("SELECT grp, SUM(delta) FROM hub_attendance WHERE session_key = %s "
                              "GROUP BY grp", (uid,)))
        assert {g: int(n) for g, n in rows.items()} == {g: n for g, n in confirmed.items() if n}
        local = kiosk.query("SELECT id FROM attendance")
        assert hub.query("SELECT count(*) FROM hub_attendance")[0][0] == len(local) == sum(confirmed.values())
    finally:
        hub.stop()


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_closed_session_is_locked(hub, make_kiosk):
    uid = today_event(hub)
    kiosk = host_kiosk(make_kiosk).start()
    host = Host(kiosk.url)
    assert host.count(uid, "age_65_plus", 1)
    assert host.close(uid)
    assert not host.count(uid, "age_65_plus", 1)
    assert "🔒" in host.page(uid)
    assert kiosk.query("SELECT count(*) FROM attendance WHERE kind = 'count'")[0][0] == 1
