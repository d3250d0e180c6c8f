"""Party size and visitors' cancellations against real hubs on PostgreSQL and SQLite: a party
larger than the seats left waits as a whole, a cancellation frees seats and moves the waiting
list up, one that arrives before its sign-up is applied when it arrives, one sent twice counts
once, and a wrong phone number cancels nothing."""
import httpx

from tests.helpers import creds, csrf_token, post, wait_for
from tests.records import cancel, family
from tests.sync.sync_helpers import signup_by_form, small_event

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL


def statuses(hub, records):
    rows = dict(hub.query("SELECT id, status FROM hub_signup"))
    return [rows.get(r["id"]) for r in records]


def test_a_party_larger_than_the_seats_left_waits_as_a_whole(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid = small_event(hub, 4)
    records = [family(uid, 1, 2), family(uid, 2, 1), family(uid, 1, 0)]
    answers = post(hub, device_id, secret, {"records": records})[0].json()["results"]
    assert [a["status"] for a in answers] == ["confirmed", "waitlisted", "confirmed"]
    assert hub.query("SELECT seats_taken FROM event WHERE uid = %s", (uid,)) == [(4,)]
    assert hub.query("SELECT adults, children FROM hub_signup WHERE id = %s", (records[1]["id"],)) == [(2, 1)]


def test_cancelling_frees_the_seats_and_moves_the_waiting_list_up(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid = small_event(hub, 3)
    first, second, third = family(uid, 1, 2), family(uid, 1, 1), family(uid, 1, 0)
    post(hub, device_id, secret, {"records": [first, second, third]})
    assert statuses(hub, [first, second, third]) == ["confirmed", "waitlisted", "waitlisted"]
    wrong = cancel(first["ref_code"], "0000")
    answer = post(hub, device_id, secret, {"records": [wrong]})[0].json()["results"][0]
    assert answer["status"] == "mismatch"
    assert statuses(hub, [first]) == ["confirmed"]
    right = cancel(first["ref_code"], "2222")
    answer = post(hub, device_id, secret, {"records": [right]})[0].json()["results"][0]
    assert answer == {"id": right["id"], "result": "accepted", "status": "cancelled"}
    # In arrival order, each party while it fits: both waiting parties now fit (2 + 1 seats).
    assert statuses(hub, [first, second, third]) == ["cancelled", "confirmed", "confirmed"]
    assert hub.query("SELECT seats_taken FROM event WHERE uid = %s", (uid,)) == [(3,)]
    # Sent twice (a lost acknowledgement), and another cancellation for the same sign-up.
    again = post(hub, device_id, secret, {"records": [right, cancel(first["ref_code"], "2222")]})[0].json()["results"]
    assert [a["result"] for a in again] == ["duplicate", "accepted"] and again[1]["status"] == "already"
    assert statuses(hub, [first, second, third]) == ["cancelled", "confirmed", "confirmed"]
    assert hub.query("SELECT count(*) FROM hub_cancel")[0][0] == 3


def test_a_cancellation_that_arrives_before_its_signup(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid = small_event(hub, 1)
    late = family(uid)
    early = cancel(late["ref_code"], "2222")
    answer = post(hub, device_id, secret, {"records": [early]})[0].json()["results"][0]
    assert answer["status"] == "pending"
    other = family(uid, phone="090-3333-4444")
    answers = post(hub, device_id, secret, {"records": [late, other]})[0].json()["results"]
    assert [(a["status"], a["reason"]) for a in answers] == [("cancelled", "visitor"), ("confirmed", "")]
    assert hub.query("SELECT outcome FROM hub_cancel WHERE id = %s", (early["id"],)) == [("cancelled",)]


def test_a_visitor_cancels_on_another_kiosk_and_every_kiosk_sees_it(hub, make_kiosk):
    """Sign up on kiosk A; the session fills from kiosk B; cancel on kiosk B's status screen
    (the phone is checked by the hub); the seat goes to B's waiting visitor; both kiosks show it."""
    a = make_kiosk("a", env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    b = make_kiosk("b", env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    uid = small_event(hub, 1)
    a.sync()
    b.sync()
    mine = signup_by_form(a.url, uid, "Cancel Me", "090-4444-1234")
    wait_for(lambda: a.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id") == [("confirmed",)])
    waiting = signup_by_form(b.url, uid, "Waiting One", "090-5555-6789")
    wait_for(lambda: b.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id") == [("waitlisted",)])
    wait_for(lambda: b.query("SELECT status FROM signup_status WHERE ref_code = ?", (mine,)) == [("confirmed",)])
    with httpx.Client(base_url=b.url) as c:
        page = c.get("/en/status", params={"ref": mine.lower().replace("-", "")}, follow_redirects=True).text
        token = csrf_token(page)
        r = c.post("/en/status/cancel", data={"csrf_token": token, "ref": mine, "last4": "１２３４"})
        assert r.status_code == 303
        assert "cancellation has been sent" in c.get(r.headers["Location"]).text
    wait_for(lambda: hub.query("SELECT status FROM hub_signup WHERE ref_code = %s", (mine,)) == [("cancelled",)])
    wait_for(lambda: b.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id WHERE signup.ref_code = ?", (waiting,)) == [("confirmed",)])
    wait_for(lambda: a.query("SELECT s.status, s.reason FROM signup JOIN signup_status s ON s.record_id = signup.id WHERE signup.ref_code = ?", (mine,)) == [("cancelled", "visitor")])
    page = httpx.get(a.url + "/en/status", params={"ref": mine}, follow_redirects=True).text
    assert "Cancelled" in page and "Cancel this sign-up" not in page
