"""Every sync request is authenticated and bound to its device; refusals store nothing."""
import json
import time
import uuid

import httpx
import pytest

from kiosk.sync import protocol
from tests.helpers import creds, post, wait_for
from tests.records import record
from tests.sync.conftest import enqueue, run_cli


def stored(hub):
    return hub.query("SELECT count(*) FROM hub_signup")[0][0]


def test_valid_request_is_accepted(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    r, _ = post(hub, device_id, secret, {"records": [record(uid)]})
    assert r.status_code == 200 and r.json()["results"][0]["result"] == "accepted"
    assert protocol.H_HUB_TIME in r.headers
    assert stored(hub) == 1


def test_forged_signature_refused(hub, make_kiosk):
    device_id, _secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    r, _ = post(hub, device_id, "not-the-secret", {"records": [record(uid)]})
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"
    body = {"records": [record(uid)]}
    r, _ = post(hub, device_id, _secret, body, signature="0" * 64)
    assert r.status_code == 401
    assert stored(hub) == 0


def test_tampered_body_refused(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    data = json.dumps({"records": [record(uid)]}).encode()
    headers = protocol.signed_headers(device_id, secret, "POST", "/api/v1/records", data, time.time())
    tampered = data.replace(b"Auth Test", b"Evil Test")
    r = httpx.post(hub.url + "/api/v1/records", content=tampered, headers=headers)
    assert r.status_code == 401 and stored(hub) == 0


def test_replayed_request_refused(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    data = json.dumps({"records": [record(uid)]}).encode()
    headers = protocol.signed_headers(device_id, secret, "POST", "/api/v1/records", data, time.time())
    first = httpx.post(hub.url + "/api/v1/records", content=data, headers=headers)
    assert first.status_code == 200
    before = hub.query("SELECT count(*) FROM rejected_record")[0][0], stored(hub)
    again = httpx.post(hub.url + "/api/v1/records", content=data, headers=headers)
    assert again.status_code == 401 and again.json()["error"] == "replay"
    assert (hub.query("SELECT count(*) FROM rejected_record")[0][0], stored(hub)) == before


@pytest.mark.parametrize("offset", [-3600, 3600])
def test_expired_or_future_timestamp_refused(hub, make_kiosk, offset):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    r, headers = post(hub, device_id, secret, {"records": [record(uid)]}, ts=time.time() + offset)
    assert r.status_code == 401 and r.json()["error"] == "clock_skew"
    assert stored(hub) == 0
    assert hub.query("SELECT count(*) FROM seen_nonce WHERE nonce = %s", (headers[protocol.H_NONCE],))[0][0] == 0


def test_unknown_device_refused(hub):
    uid, _ = hub.event_with_seats()
    r, _ = post(hub, str(uuid.uuid4()), "whatever", {"records": [record(uid)]})
    assert r.status_code == 401 and r.json()["error"] == "unknown_device"
    assert stored(hub) == 0


def test_protocol_mismatch_refused(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    r, _ = post(hub, device_id, secret, {"records": [record(uid)]}, protocol_version="99")
    assert r.status_code == 400 and r.json()["error"] == "protocol_version" and r.json()["supported"] == [1, 2]
    assert "too old" in r.json()["message"]
    assert stored(hub) == 0


def test_revoked_device_refused_and_kiosk_shows_it(hub, make_kiosk):
    kiosk = make_kiosk()
    device_id, secret = creds(kiosk)
    run_cli(hub.db_url, "hub", "revoke", device_id)
    uid, _ = hub.event_with_seats()
    r, _ = post(hub, device_id, secret, {"records": [record(uid)]})
    assert r.status_code == 403 and r.json()["error"] == "revoked"
    assert stored(hub) == 0
    # The kiosk keeps its queue and says it has been disconnected.
    enqueue(kiosk.db_url, 2, event_uid=uid)
    kiosk.start(KIOSK_SYNC_INTERVAL_SECONDS="0.5")
    wait_for(lambda: kiosk.query("SELECT value FROM kiosk_state WHERE key = 'revoked'") == [("1",)], timeout=20)
    page = httpx.get(kiosk.url + "/en/").text
    assert 'class="revoked-banner"' in page
    assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 2
    assert stored(hub) == 0
