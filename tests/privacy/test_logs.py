"""Personal data never appears in a server log, and bad input never leaves a traceback there.
Each test here starts its own hub and kiosk, does what tends to leak, and reads
what those servers wrote. What every other test's servers write is read by the same check when
that test ends (tests/conftest.py, server_logs_stay_clean), so no test here needs to run last."""
import httpx

from tests.helpers import TRACEBACK, creds, csrf_token, log_problems, post, wait_for
from tests.sync.faults_helpers import signup_via_http


def server_logs(hub, kiosk):
    return [server.log_path for server in hub.servers] + [kiosk.server.log_path]


def test_no_personal_data_in_any_log(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.3"}).start()
    uid, _ = hub.event_with_seats()
    assert signup_via_http(kiosk.url, uid, "Zelda Privacymarker")
    # An invalid form too (errors are where personal data tends to leak into logs).
    with httpx.Client(base_url=kiosk.url) as c:
        page = c.get(f"/ja/signup/event/{uid}").text
        c.post(f"/ja/signup/event/{uid}", data={"csrf_token": csrf_token(page), "name": "Privacymarker Bad",
                                                "phone": "090-2222-3333x"})
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("%Privacymarker%",))[0][0] == 1)
    kiosk.stop()
    hub.stop()
    logs = server_logs(hub, kiosk)
    assert any("Serving on" in p.read_text(errors="replace") for p in logs)
    assert log_problems(logs) == []


def test_no_traceback_in_any_server_log(hub, make_kiosk):
    """Bad input gets a clear refusal, never an unhandled error: records and requests the hub
    cannot read, forms and URLs the kiosk cannot take, and no server log holds a traceback."""
    kiosk = make_kiosk().start()
    device_id, secret = creds(kiosk)
    answers = [post(hub, device_id, secret, b'{"records": [')[0],
               post(hub, device_id, secret, {"records": "nope"})[0],
               post(hub, device_id, secret, {"records": [None, 5, "x", {"id": "../../etc"}]})[0],
               post(hub, device_id, "not-the-secret", {"records": []})[0],
               httpx.get(hub.url + "/api/v1/feed?since=99999999999999999999999"),
               httpx.get(hub.url + "/p/ja/status/%00"),
               httpx.post(hub.url + "/staff/login", data={"username": "st\x00aff", "password": "x"}),
               httpx.get(kiosk.url + "/ja/services/%00"),
               httpx.get(kiosk.url + "/en/services", params={"q": "a\x00"}),
               httpx.post(kiosk.url + "/ja/signup/volunteer/nerries", data={"name": "no token"})]
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    kiosk.stop()
    hub.stop()
    logs = server_logs(hub, kiosk)
    assert logs and [p.name for p in logs if TRACEBACK in p.read_text(errors="replace")] == []


def test_the_log_check_finds_personal_data_and_a_traceback(tmp_path):
    """The check every test's server logs pass: it finds what it looks for, in what a log gained."""
    log = tmp_path / "kiosk-1.log"
    log.write_text("Serving on http://127.0.0.1:1\n")
    assert log_problems([log]) == []
    before = {log: log.stat().st_size}
    with open(log, "a") as out:
        out.write("POST /ja/signup name=Zelda Privacymarker\n" + TRACEBACK + ":\n")
    assert log_problems([log], since=before) == [("kiosk-1.log", "Privacymarker"), ("kiosk-1.log", TRACEBACK)]
    assert log_problems([log], since={log: log.stat().st_size}) == []
