"""Two hub processes on one PostgreSQL behave as one hub (all state in the database)."""
import json
import re
import time

import httpx
import pytest

from kiosk.sync import protocol
from tests.conftest import Server
from tests.sync.test_auth import creds, record


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_replay_to_a_second_hub_process_is_refused(tmp_path, make_kiosk, hub):
    second = Server(hub.db_url, role="hub", log_dir=tmp_path).start()
    try:
        device_id, secret = creds(make_kiosk())
        uid, _ = hub.event_with_seats()
        data = json.dumps({"records": [record(uid)]}).encode()
        headers = protocol.signed_headers(device_id, secret, "POST", "/api/v1/records", data, time.time())
        first = httpx.post(hub.url + "/api/v1/records", content=data, headers=headers)
        assert first.status_code == 200 and first.json()["results"][0]["result"] == "accepted"
        replay = httpx.post(second.url + "/api/v1/records", content=data, headers=headers)
        assert replay.status_code == 401 and replay.json()["error"] == "replay"
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 1
        # A staff session made by one process is honoured by the other, and ended everywhere.
        with httpx.Client(base_url=hub.url) as a:
            page = a.get("/staff/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            assert a.post("/staff/login", data={"csrf_token": token, "username": "staff",
                                                "password": "staff-pass-1"}).status_code == 303
            cookies = {"session": a.cookies["session"]}
            assert httpx.get(second.url + "/staff/", cookies=cookies).status_code == 200
            token = re.search(r'name="csrf_token" value="([^"]+)"', a.get("/staff/").text).group(1)
            assert a.post("/staff/logout", data={"csrf_token": token}).status_code == 303
            assert httpx.get(second.url + "/staff/", cookies=cookies).status_code == 302
    finally:
        second.stop()


def staff_client(url, username="staff", password="staff-pass-1"):
    c = httpx.Client(base_url=url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/staff/login").text).group(1)
    r = c.post("/staff/login", data={"csrf_token": token, "username": username, "password": password})
    return c, r.status_code


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_two_hub_processes_agree_on_login_throttling_and_a_requests_state(tmp_path, make_kiosk, hub_db_url):
    from tests.sync.conftest import Hub, enqueue
    env = {"KIOSK_STAFF_LOGIN_MAX_FAILURES": "5", "KIOSK_STAFF_LOGIN_WINDOW_SECONDS": "60"}
    one, two = Hub(hub_db_url, tmp_path, env=env).start(), Hub(hub_db_url, tmp_path, env=env).start()
    try:
        # Wrong passwords spread over both processes: the account locks in both.
        for i in range(5):
            assert staff_client((one if i % 2 else two).url, password=f"wrong-{i}")[1] == 401
        assert staff_client(one.url)[1] == 429 and staff_client(two.url)[1] == 429
        one.query("DELETE FROM login_failure")
        # A call-back arrives; staff on process one take it; process two sees it taken and
        # refuses the same move.
        kiosk = make_kiosk()
        enqueue(kiosk.db_url, 1, kind="callback", service="gaikokujin-sodan", prefix="Two Hubs")
        kiosk.sync()
        rid = one.query("SELECT id FROM hub_signup WHERE kind = 'callback'")[0][0]
        a, _ = staff_client(one.url)
        b, _ = staff_client(two.url)

        def move(client, action):
            page = client.get(f"/staff/requests/{rid}").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            return client.post(f"/staff/requests/{rid}/move", data={"csrf_token": token, "action": action})
        page_b = b.get(f"/staff/requests/{rid}").text          # B looks at it while it is new
        assert move(a, "take").status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', page_b).group(1)
        late = b.post(f"/staff/requests/{rid}/move", data={"csrf_token": token, "action": "called_back"})
        assert late.status_code == 303                            # from in_progress: allowed
        assert move(b, "take").status_code == 409                 # already taken
        assert one.query("SELECT desk_state FROM hub_signup WHERE id = %s", (rid,)) == [("called_back",)]
        assert [r[0] for r in one.query("SELECT to_state FROM request_history WHERE signup_id = %s ORDER BY id", (rid,))] == ["in_progress", "called_back"]
    finally:
        one.stop()
        two.stop()
