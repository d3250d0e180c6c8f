"""A kiosk keeps two batches in flight; the hub still decides its sign-ups in the order its
visitors made them (a batch that overtakes the one before it waits for it)."""
from tests.sync.conftest import enqueue
from tests.sync.faults_helpers import assert_exactly_once, point_at
from tests.sync.proxy import FaultProxy
from tests.sync.sync_helpers import small_event

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL


def test_an_overtaking_batch_waits_for_the_one_before_it(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_BATCH_SIZE": "1", "KIOSK_SYNC_BATCHES_IN_FLIGHT": "2"})
    uid = small_event(hub, capacity=1)
    proxy = FaultProxy(hub.port, mode="delay_first_push")
    proxy.delay = 0.8
    try:
        point_at(kiosk, proxy.url)
        ids = enqueue(kiosk.db_url, 4, event_uid=uid)       # one seat, four visitors in this order
        kiosk.sync()
        pushes = [last for _t, line, last in proxy.forwarded if line.startswith("POST /api/v1/records")]
        assert len(pushes) == 4
        # A later batch was at the hub before the first: two were in flight at once.
        assert pushes[0] > min(pushes)
        order = [r[0] for r in hub.query("SELECT id FROM hub_signup ORDER BY arrival")]
        assert order == ids
        status = dict(hub.query("SELECT id, status FROM hub_signup"))
        assert [status[i] for i in ids] == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
        assert_exactly_once(hub, ids)
    finally:
        proxy.close()


def test_a_lost_answer_with_two_batches_in_flight_stores_nothing_twice(hub, make_kiosk):
    """Answers are lost after the hub stored their batches, with another batch in flight behind
    each: the resend is answered duplicate and nothing is stored twice."""
    kiosk = make_kiosk(env={"KIOSK_SYNC_BATCH_SIZE": "5", "KIOSK_SYNC_BATCHES_IN_FLIGHT": "2"})
    uid, _ = hub.event_with_seats()
    proxy = FaultProxy(hub.port, mode="drop_after_commit")
    try:
        point_at(kiosk, proxy.url)
        ids = enqueue(kiosk.db_url, 20, event_uid=uid)
        kiosk.sync(check=False)
        assert proxy.dropped >= 1
        proxy.mode = "pass"
        kiosk.sync()
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
        assert_exactly_once(hub, ids)
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 20
    finally:
        proxy.close()
