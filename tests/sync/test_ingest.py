"""Per-record answers, idempotency, clocks, capacity by arrival, cancelled events."""
import concurrent.futures
import time
import uuid

import httpx

from kiosk.sync import protocol
from tests.helpers import creds, csrf_token, post, staff_login
from tests.records import record
from tests.sync.conftest import enqueue

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL

YEAR = 365 * 24 * 3600


def test_one_bad_record_in_fifty_blocks_nothing(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    records = [record(uid) for _ in range(50)]
    records[17]["person"] = {"name": "", "phone": "090-0000-0000"}   # no name
    r, _ = post(hub, device_id, secret, {"records": records})
    results = r.json()["results"]
    assert [x["result"] for x in results].count("accepted") == 49
    assert results[17] == {"id": records[17]["id"], "result": "rejected", "reason": "missing_name"}
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 49
    assert hub.query("SELECT reason FROM rejected_record WHERE record_id = %s", (records[17]["id"],)) == [("missing_name",)]
    # Staff see it.
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        page = staff.get("/staff/").text
        assert records[17]["id"] in page and "missing_name" in page


def test_resend_is_duplicate_and_changed_payload_is_a_kept_conflict(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    rec = record(uid)
    assert post(hub, device_id, secret, {"records": [rec]})[0].json()["results"][0]["result"] == "accepted"
    again = post(hub, device_id, secret, {"records": [rec]})[0].json()["results"][0]
    assert again["result"] == "duplicate" and again["status"] == "confirmed"
    changed = dict(rec, person={"name": "Someone Else", "phone": "090-9999-9999"})
    conflict = post(hub, device_id, secret, {"records": [changed]})[0].json()["results"][0]
    assert conflict == {"id": rec["id"], "result": "rejected", "reason": "conflict"}
    assert hub.query("SELECT name FROM hub_signup WHERE id = %s", (rec["id"],)) == [("Auth Test",)]
    assert hub.query("SELECT count(*) FROM rejected_record WHERE reason = 'conflict'")[0][0] == 1


def test_garbage_bodies_get_clear_refusals(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    for body in ({"records": "nope"}, {"nothing": 1}, {"records": [record(str(uuid.uuid4()))] * (protocol.MAX_BATCH + 1)}):
        r, _ = post(hub, device_id, secret, body)
        assert r.status_code in (400, 413) and "error" in r.json()
    r, _ = post(hub, device_id, secret, {"records": [None, 5, "x", {"id": "../../etc"}]})
    assert [x["result"] for x in r.json()["results"]] == ["rejected"] * 4
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 0


def test_kiosk_clock_a_year_ahead_and_three_days_behind(hub, make_kiosk):
    ahead = make_kiosk("ahead", env={"KIOSK_CLOCK_OFFSET_SECONDS": str(YEAR)})
    behind = make_kiosk("behind", env={"KIOSK_CLOCK_OFFSET_SECONDS": str(-3 * 86400)})
    uid, _ = hub.event_with_seats(2)
    first = enqueue(ahead.db_url, 1, event_uid=uid, clock_offset=YEAR)
    ahead.sync()
    time.sleep(0.05)
    second = enqueue(behind.db_url, 1, event_uid=uid, clock_offset=-3 * 86400)
    behind.sync()
    rows = hub.query("SELECT id, kiosk_created_at, received_at, arrival FROM hub_signup ORDER BY arrival")
    assert [r[0] for r in rows] == first + second          # hub order = arrival order
    assert rows[0][1] > rows[1][1]                          # though the kiosk clocks say otherwise
    assert rows[0][2] <= rows[1][2]
    skews = dict(hub.query("SELECT name, clock_skew_seconds FROM device"))
    # Signed with the learned offset: within a second of the hub's clock, not a year or three
    # days off. (Whole seconds, and the kiosk learns the hub's time from an answer that took its
    # own time to arrive: a loaded machine once made it -1.)
    assert abs(skews["ahead"]) <= 1 and abs(skews["behind"]) <= 1


def test_last_seats_sold_offline_on_several_kiosks(hub, make_kiosk):
    """Capacity 5, three kiosks sell 4 each offline, then sync at once: 5 confirmed by arrival."""
    kiosks = [make_kiosk(f"k{i}") for i in range(3)]
    uid, _ = hub.event_with_seats()
    hub.query("UPDATE event SET capacity = 5, seats_taken = 0 WHERE uid = %s", (uid,))
    for k in kiosks:
        enqueue(k.db_url, 4, event_uid=uid)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda k: k.sync(), kiosks))
    rows = hub.query("SELECT id, status, arrival FROM hub_signup WHERE event_uid = %s ORDER BY arrival", (uid,))
    assert len(rows) == 12
    assert [r[1] for r in rows] == ["confirmed"] * 5 + ["waitlisted"] * 7    # the documented rule
    hub_status = {r[0]: r[1] for r in rows}
    for k in kiosks:
        k.sync()   # every kiosk pulls every status
    for k in kiosks:
        seen = dict(k.query("SELECT record_id, status FROM signup_status"))
        assert seen == hub_status
        own = dict(k.query("SELECT signup.id, s.status FROM signup JOIN signup_status s ON s.record_id = signup.id"))
        assert all(hub_status[i] == s for i, s in own.items())
    assert hub.query("SELECT seats_taken FROM event WHERE uid = %s", (uid,)) == [(5,)]


def test_event_cancelled_on_hub_while_signups_queued(hub, make_kiosk):
    kiosk = make_kiosk()
    uid, _ = hub.event_with_seats()
    ids = enqueue(kiosk.db_url, 4, event_uid=uid)
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        page = staff.get(f"/staff/events/{uid}").text
        token = csrf_token(page)
        assert staff.post(f"/staff/events/{uid}/cancel", data={"csrf_token": token}).status_code == 303
    kiosk.sync()
    rows = hub.query("SELECT id, status, reason FROM hub_signup WHERE event_uid = %s", (uid,))
    assert {r[0] for r in rows} == set(ids)
    assert {(r[1], r[2]) for r in rows} == {("cancelled", "event_cancelled")}
    assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
    assert {r[0] for r in kiosk.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id")} == {"cancelled"}
    assert kiosk.query("SELECT cancelled FROM event WHERE uid = ?", (uid,)) == [(1,)]
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        page = staff.get("/staff/").text
        assert page.count("st-cancelled") >= 4   # in the attention list


def test_staff_cancel_promotes_the_earliest_waitlisted(hub, make_kiosk):
    kiosk = make_kiosk()
    uid, _ = hub.event_with_seats()
    hub.query("UPDATE event SET capacity = 1 WHERE uid = %s", (uid,))
    first, second, third = enqueue(kiosk.db_url, 3, event_uid=uid)
    kiosk.sync()
    from kiosk.hub.intake import ingest
    from tests.sync.conftest import bound
    with bound(hub.db_url):
        ingest.set_status(first, "cancelled")
    status = dict(hub.query("SELECT id, status FROM hub_signup"))
    assert status == {first: "cancelled", second: "confirmed", third: "waitlisted"}
    kiosk.sync()
    assert dict(kiosk.query("SELECT signup.id, s.status FROM signup JOIN signup_status s ON s.record_id = signup.id")) == status
