"""Faults with real processes: kill -9, a lost acknowledgement, a stopped hub, 503s and hangs."""
import random
import time

import httpx

from tests.helpers import wait_for
from tests.sync.conftest import enqueue
from tests.sync.faults_helpers import assert_exactly_once, point_at, signup_via_http
from tests.sync.proxy import FaultProxy

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL


def test_kill_9_during_push_twenty_rounds(pg_hub_db_url, tmp_path, demo_db_template):
    from tests.sync.conftest import Hub, Kiosk
    import shutil
    hub = Hub(pg_hub_db_url, tmp_path).start()
    try:
        path = tmp_path / "kiosk.db"
        shutil.copy(demo_db_template, path)
        kiosk = Kiosk(path, hub.url, hub.code(), env={"KIOSK_SYNC_BATCH_SIZE": "10",
                                                      "KIOSK_SYNC_INTERVAL_SECONDS": "0.2"})
        kiosk.sync()
        uid, _ = hub.event_with_seats()
        queued = []
        confirmed_names = []
        rng = random.Random(20261122)
        killed_mid_push = 0
        for n in range(20):
            queued += enqueue(kiosk.db_url, 500, event_uid=uid)   # a backlog to push each round
            kiosk.start()
            name = f"Killtest visitor {n}"
            if signup_via_http(kiosk.url, uid, name):
                confirmed_names.append(name)
            time.sleep(rng.uniform(0.0, 0.25))
            before = hub.query("SELECT count(*) FROM hub_signup")[0][0]
            kiosk.server.kill9()
            after = hub.query("SELECT count(*) FROM hub_signup")[0][0]
            if kiosk.query("SELECT count(*) FROM outbox")[0][0] > 0 and after >= before:
                killed_mid_push += 1
        print(f"kills with a push under way: {killed_mid_push} of 20")
        assert killed_mid_push >= 15, f"only {killed_mid_push} kills landed with a push under way"
        kiosk.start()
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=120)
        kiosk.stop()
        all_ids = [r[0] for r in kiosk.query("SELECT id FROM signup")]
        assert_exactly_once(hub, all_ids)
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == len(all_ids) == len(queued) + len(confirmed_names)
        names = {r[0] for r in hub.query("SELECT name FROM hub_signup WHERE name LIKE %s", ("Killtest%",))}
        assert set(confirmed_names) <= names
    finally:
        hub.stop()


def test_lost_acknowledgement_causes_no_duplicate(hub, make_kiosk):
    kiosk = make_kiosk()
    uid, _ = hub.event_with_seats()
    proxy = FaultProxy(hub.port, mode="drop_after_commit")
    try:
        point_at(kiosk, proxy.url)
        ids = enqueue(kiosk.db_url, 30, event_uid=uid)
        kiosk.sync(check=False)                      # the answer never arrives
        assert proxy.dropped >= 1
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] > 0     # but the hub committed
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 30     # so the kiosk keeps all
        proxy.mode = "pass"
        kiosk.sync()
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
        assert_exactly_once(hub, ids)
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 30
    finally:
        proxy.close()


def test_hub_down_while_a_thousand_accumulate_then_drains_by_itself(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5", "KIOSK_SYNC_MAX_BACKOFF_SECONDS": "2"})
    uid, _ = hub.event_with_seats()
    hub.stop()
    kiosk.start()
    ids = enqueue(kiosk.db_url, 1000, event_uid=uid)
    time.sleep(2)
    assert "Offline" in httpx.get(kiosk.url + "/en/").text or kiosk.query(
        "SELECT value FROM kiosk_state WHERE key = 'online'") == [("0",)]
    hub.start()   # same port: no manual step on the kiosk
    wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=120)
    assert_exactly_once(hub, ids)
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 1000


def test_503_and_hangs_back_off_lose_nothing_and_visitors_unaffected(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.2", "KIOSK_SYNC_MAX_BACKOFF_SECONDS": "8",
                            "KIOSK_SYNC_TIMEOUT_SECONDS": "1"})
    uid, _ = hub.event_with_seats()
    proxy = FaultProxy(hub.port, mode="status_503")
    try:
        point_at(kiosk, proxy.url)
        kiosk.start()
        ids = enqueue(kiosk.db_url, 5, event_uid=uid)
        time.sleep(12)
        times = [t for t, line in proxy.arrivals]
        assert len(times) >= 2, "the kiosk keeps trying"
        # Every 0.2 s would be ~60 tries; exponential backoff with full jitter (see
        # tests/unit/test_backoff.py for its exact bounds) leaves a handful.
        assert len(times) <= 12, "retries back off instead of hammering every interval"
        # Visitors are served while the hub fails, and their sign-ups are kept.
        assert signup_via_http(kiosk.url, uid, "During 503")
        proxy.mode = "hang"
        start = len(proxy.arrivals)
        wait_for(lambda: len(proxy.arrivals) > start, timeout=30)
        for _ in range(3):
            assert httpx.get(kiosk.url + "/ja/services?q=%E9%A3%9F%E5%A0%82", timeout=5).status_code == 200
        assert signup_via_http(kiosk.url, uid, "During hang")
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 7
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 0
        proxy.mode = "pass"
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=60)
        assert_exactly_once(hub, ids)
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 7
    finally:
        proxy.close()
