"""The hub trusts each kiosk only as far as its role, against real hubs (PostgreSQL, SQLite, and
two hub processes behind a proxy):

- a kiosk of another site that tries every four digits on a sign-up's reference code cancels
  nothing: the hub locks the code after a few wrong answers, across kiosks and processes, and
  the security log holds the attempts; the feed gave that kiosk only a hash of the code;
- the visitor herself still checks and cancels her sign-up on another site's kiosk;
- a kiosk writes attendance only for its own site;
- kiosk secrets are not in the hub's database, and a flood of refused requests is one log line;
- the public status page is rate-limited with a page in the visitor's language.
"""
import shutil
import time
import uuid

import httpx
import pytest

from kiosk.sync import protocol
from kiosk.site.sync.client import HubClient
from tests.helpers import creds, csrf_token, post, wait_for
from tests.records import attendance, cancel, family
from tests.sync.conftest import Kiosk, enqueue, run_cli
from tests.sync.host_helpers import today_event
from tests.sync.sync_helpers import SPEC, hits, signup_by_form, small_event

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL

HOME, ELSEWHERE, THIRD = "plaza-nerima", "cafe-toyotama", "plaza-oizumi"


@pytest.fixture
def site_kiosk(hub, tmp_path, demo_db_template):
    """A kiosk enrolled with a code for ``site`` ("" for a code without one), synced."""
    made = []

    def factory(name, site, env=None):
        path = tmp_path / f"{name}.db"
        shutil.copy(demo_db_template, path)
        code = run_cli(hub.db_url, "hub", "enroll-code", *(["--site", site] if site else [])).strip()
        k = Kiosk(path, hub.url, code, env={"KIOSK_SITE_SLUG": site or HOME, **(env or {})})
        k.sync()
        made.append(k)
        return k
    yield factory
    for k in made:
        k.stop()


def security_log(hub, reason):
    """(rows, attempts counted, device ids) of one reason in the hub's security log."""
    rows = hub.query("SELECT device_id, count FROM security_event WHERE reason = %s", (reason,))
    return len(rows), sum(n for _d, n in rows), {d for d, _n in rows}


def test_another_sites_kiosk_guessing_every_digit_cancels_nothing(hub, make_kiosk, site_kiosk):
    """The audit's attack, replayed: a kiosk enrolled for another site sends all 10,000
    four-digit combinations for a confirmed seat's code, in 20 signed batches of 500."""
    home = make_kiosk("home")
    uid = small_event(hub, 1)
    seat, waiting = enqueue(home.db_url, 2, event_uid=uid, prefix="Seated")      # phone ...5678
    home.sync()
    assert dict(hub.query("SELECT id, status FROM hub_signup")) == {seat: "confirmed", waiting: "waitlisted"}
    ref = hub.query("SELECT ref_code FROM hub_signup WHERE id = %s", (seat,))[0][0]

    attacker = site_kiosk("attacker", ELSEWHERE)
    # Its feed carried the seat's status, but not its code: only a hash of it.
    assert attacker.query("SELECT ref_code, ref_hash FROM signup_status WHERE record_id = ?", (seat,)) == [
        ("", protocol.ref_lookup_hash(ref))]
    assert hits(attacker.db_url, ref) == []
    # So it takes the code from the hub's database, and guesses the digits.
    device_id, secret = creds(attacker)
    client = HubClient(hub.url, device_id, secret, timeout=120)
    outcomes = []
    try:
        for start in range(0, 10_000, 500):
            batch = [cancel(ref, f"{n:04d}") for n in range(start, start + 500)]
            answer = client.request("POST", "/api/v1/records", {"records": batch})
            outcomes += [a["status"] for a in answer["results"]]
    finally:
        client.close()
    assert outcomes[:5] == ["mismatch"] * 5 and set(outcomes[5:]) == {"locked"}
    assert outcomes[5678] == "locked"                                 # the right digits, not compared
    assert dict(hub.query("SELECT id, status FROM hub_signup")) == {seat: "confirmed", waiting: "waitlisted"}
    assert hub.query("SELECT seats_taken FROM event WHERE uid = %s", (uid,)) == [(1,)]
    # Staff see the attempts, from that kiosk: a few lines with counts, not 10,000 lines.
    rows, n, devices = security_log(hub, "cancel_mismatch")
    assert (n, devices) == (5, {device_id}) and rows == 1
    rows, n, devices = security_log(hub, "cancel_locked")
    assert (n, devices) == (9_995, {device_id}) and rows <= 20       # at most one a batch
    assert hits(hub.db_url, ref) and not [h for h in hits(hub.db_url, ref) if h[0] == "security_event"]
    # Locked for every kiosk and every process: the visitor's own kiosk too; she goes to the desk.
    answer = post(hub, *creds(home), {"records": [cancel(ref, "5678")]})[0].json()["results"][0]
    assert answer["status"] == "locked"
    assert hub.query("SELECT status FROM hub_signup WHERE id = %s", (seat,)) == [("confirmed",)]


def test_the_visitor_checks_and_cancels_on_another_sites_kiosk(hub, make_kiosk, site_kiosk):
    """A visitor finds her status by reference code on any kiosk that has synced, and the
    cancellation there with her last four digits. The codes a kiosk holds in clear are its
    site's: sign-ups taken there and sign-ups for its sessions (the host checks people in)."""
    home = make_kiosk("home", env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    away = site_kiosk("away", THIRD, env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    venue = site_kiosk("venue", ELSEWHERE)
    uid = today_event(hub, site=ELSEWHERE, capacity=1)
    home.sync()
    mine = signup_by_form(home.url, uid, "Cancel Me", "090-4444-1234")
    waiting = signup_by_form(home.url, uid, "Waiting One", "090-5555-6789")
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup")[0][0] == 2)
    venue.sync()
    assert {r for (r,) in venue.query("SELECT ref_code FROM signup_status")} == {mine, waiting}
    wait_for(lambda: away.query("SELECT count(*) FROM signup_status")[0][0] == 2)
    assert away.query("SELECT ref_code FROM signup_status") == [("",), ("",)]
    with httpx.Client(base_url=away.url) as c:
        page = c.get("/en/status", params={"ref": mine.lower().replace("-", "")}, follow_redirects=True).text
        assert mine in page and "Your seat is confirmed" in page
        token = csrf_token(page)
        r = c.post("/en/status/cancel", data={"csrf_token": token, "ref": mine, "last4": "1234"})
        assert r.status_code == 303
    wait_for(lambda: hub.query("SELECT status FROM hub_signup WHERE ref_code = %s", (mine,)) == [("cancelled",)])
    wait_for(lambda: home.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id WHERE signup.ref_code = ?", (waiting,)) == [("confirmed",)])
    wait_for(lambda: "Cancelled" in httpx.get(away.url + "/en/status", params={"ref": mine}, follow_redirects=True).text)
    assert security_log(hub, "cancel_mismatch")[1] == 0


def test_a_cancellation_sent_before_its_signup_by_another_sites_kiosk_is_refused(hub, make_kiosk, site_kiosk):
    """No kiosk but the one that took a sign-up can know of it before the hub does."""
    home_id, home_secret = creds(make_kiosk("home"))
    other_id, other_secret = creds(site_kiosk("other", ELSEWHERE))
    uid = small_event(hub, 2)
    theirs, ours = family(uid), family(uid)
    post(hub, other_id, other_secret, {"records": [cancel(theirs["ref_code"], "2222")]})
    post(hub, home_id, home_secret, {"records": [cancel(ours["ref_code"], "2222")]})
    answers = post(hub, home_id, home_secret, {"records": [theirs, ours]})[0].json()["results"]
    assert [a["status"] for a in answers] == ["confirmed", "cancelled"]
    assert sorted(hub.query("SELECT outcome FROM hub_cancel")) == [("cancelled",), ("not_this_kiosk",)]
    assert security_log(hub, "not_this_kiosk")[1:] == (1, {other_id})


def test_a_kiosk_writes_attendance_only_for_its_own_site(hub, site_kiosk):
    cafe_id, cafe_secret = creds(site_kiosk("cafe", ELSEWHERE))
    plaza_session = today_event(hub, site=HOME)
    cafe_session = today_event(hub, site=ELSEWHERE)
    records = {
        "own": attendance(session=cafe_session, site=ELSEWHERE),
        "unplanned": attendance(site=ELSEWHERE),
        "other_site": attendance(session=cafe_session, site=HOME),
        "other_sites_session": attendance(session=plaza_session, site=ELSEWHERE),
        # A visitor at the café signs up for a session at the plaza: that is allowed.
        "signup_elsewhere": family(plaza_session),
    }
    answers = post(hub, cafe_id, cafe_secret, {"records": list(records.values())})[0].json()["results"]
    got = {name: a.get("reason") if a["result"] == "rejected" else a["result"] for name, a in zip(records, answers)}
    assert got == {"own": "accepted", "unplanned": "accepted", "other_site": "wrong_site",
                   "other_sites_session": "wrong_site", "signup_elsewhere": "accepted"}
    assert hub.query("SELECT count(*) FROM hub_attendance")[0][0] == 2
    kept = {r for (r,) in hub.query("SELECT record_id FROM rejected_record WHERE reason = 'wrong_site'")}
    assert kept == {records["other_site"]["id"], records["other_sites_session"]["id"]}
    assert security_log(hub, "wrong_site")[1:] == (2, {cafe_id})
    # A kiosk enrolled without a site may send sign-ups, not attendance, until enrolled again.
    bare_id, bare_secret = creds(site_kiosk("bare", ""))
    answers = post(hub, bare_id, bare_secret, {"records": [attendance(site=HOME), family(plaza_session)]})[0].json()
    assert [(a["result"], a.get("reason")) for a in answers["results"]] == [("rejected", "wrong_site"),
                                                                            ("accepted", "")]


def test_no_kiosk_secret_is_in_the_hubs_database_and_sync_still_works(hub, make_kiosk):
    kiosk = make_kiosk("a")
    device_id, secret = creds(kiosk)
    assert len(secret) == 64
    assert hits(hub.db_url, secret) == []
    # Sign-ups travel, and statuses come back, through every hub process.
    uid, _ = hub.event_with_seats()
    ids = enqueue(kiosk.db_url, 3, event_uid=uid)
    for _ in range(4):
        kiosk.sync()
    assert {r for (r,) in hub.query("SELECT id FROM hub_signup")} == set(ids)
    assert {s for (s,) in kiosk.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id")} == {"confirmed"}
    # A kiosk enrolled before keys were derived keeps signing with the secret stored for it.
    legacy = "legacy-" + uuid.uuid4().hex
    hub.query("UPDATE device SET secret = %s WHERE device_id = %s", (legacy, device_id))
    assert post(hub, device_id, legacy, {"records": []})[0].status_code == 200
    assert post(hub, device_id, secret, {"records": []})[0].json()["error"] == "bad_signature"


def test_a_flood_of_refused_requests_is_one_line_with_a_count(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    post(hub, device_id, "not-the-secret", {"records": []})       # a real event, before the flood
    with httpx.Client(base_url=hub.url, timeout=10) as c:
        for _ in range(300):
            headers = protocol.signed_headers(str(uuid.uuid4()), "x", "POST", "/api/v1/records", b"{}", time.time())
            assert c.post("/api/v1/records", content=b"{}", headers=headers).status_code == 401
    rows, n, _ = security_log(hub, "unknown_device")
    assert n == 300 and rows <= 10
    # The earlier event is still among the latest lines staff see.
    latest = [r for (r,) in hub.query("SELECT reason FROM security_event ORDER BY id DESC LIMIT 10")]
    assert "bad_signature" in latest


def test_the_public_status_page_asks_a_guesser_to_wait(hub):
    """PUBLIC_STATUS_RATE (30 a minute) per address and hub process: the requests take the two
    processes in turn, so there the 61st is the first refused."""
    allowed = 30 * len(hub.servers)
    with httpx.Client(base_url=hub.url, timeout=10) as c:
        answers = [c.get(f"/p/en/status/ABCD-{n:04d}") for n in range(allowed + 1)]
        ja = c.get("/p/ja/status/ABCD-2345")
    assert [a.status_code for a in answers] == [404] * allowed + [429]
    assert "Please wait a minute" in answers[-1].text and answers[-1].headers["Retry-After"] == "60"
    # In the visitor's language, on the phone page (its words are translated with the catalogs).
    assert ja.status_code == 429 and '<html lang="ja">' in ja.text and 'class="public"' in ja.text


def test_the_feed_entry_shapes_are_documented(hub, make_kiosk, site_kiosk):
    """Both forms of a status entry match the API document."""
    import jsonschema
    home_id, home_secret = creds(make_kiosk("home"))
    other_id, other_secret = creds(site_kiosk("other", ELSEWHERE))
    uid = small_event(hub, 3)
    post(hub, home_id, home_secret, {"records": [family(uid)]})
    for device_id, secret, field in ((home_id, home_secret, "ref_code"), (other_id, other_secret, "ref_hash")):
        client = HubClient(hub.url, device_id, secret)
        try:
            entries = client.request("GET", "/api/v1/feed", params={"since": 0, "limit": 1000})["entries"]
        finally:
            client.close()
        (entry,) = [e for e in entries if e["kind"] == "status"]
        assert entry["data"][field]
        jsonschema.validate(entry["data"], {"$ref": "#/components/schemas/StatusData", "components": SPEC["components"]})
