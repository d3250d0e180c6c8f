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
