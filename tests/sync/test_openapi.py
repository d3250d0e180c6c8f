"""The hub's answers match the OpenAPI document kept in the repo."""
import time
import uuid

import httpx
import jsonschema

from kiosk.sync import protocol
from tests.helpers import creds, post, push, signed_get
from tests.records import record
from tests.sync.host_helpers import attendance
from tests.sync.sync_helpers import SPEC


def check(path, method, response):
    answers = SPEC["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, (path, response.status_code)
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": SPEC["components"]})
    assert protocol.H_HUB_TIME in response.headers


def test_answers_match_the_document(hub, make_kiosk):
    r = httpx.post(hub.url + "/api/v1/enroll", json={"code": hub.code(), "name": "x", "protocol": 1})
    check("/api/v1/enroll", "post", r)
    check("/api/v1/enroll", "post", httpx.post(hub.url + "/api/v1/enroll", json={"code": "X", "protocol": 1}))
    check("/api/v1/enroll", "post", httpx.post(hub.url + "/api/v1/enroll", json={"code": "X", "protocol": 9}))
    device_id, secret = creds(make_kiosk())
    uid, _ = hub.event_with_seats()
    good = record(uid)
    bad = dict(record(uid), kind="party")
    r, _ = post(hub, device_id, secret, {"records": [good, bad, good]})
    check("/api/v1/records", "post", r)
    assert [x["result"] for x in r.json()["results"]] == ["accepted", "rejected", "duplicate"]
    check("/api/v1/records", "post", post(hub, device_id, "wrong", {"records": []})[0])
    check("/api/v1/records", "post", post(hub, device_id, secret, {"records": []}, ts=time.time() - 9999)[0])
    check("/api/v1/records", "post", post(hub, device_id, secret, {"records": [good] * (protocol.MAX_BATCH + 1)})[0])
    r = signed_get(hub, device_id, secret, "/api/v1/feed?since=0&limit=50")
    check("/api/v1/feed", "get", r)
    assert r.json()["entries"] and r.json()["cursor"] == r.json()["entries"][-1]["seq"]
    for entry in r.json()["entries"]:
        jsonschema.validate(entry, {"$ref": "#/components/schemas/FeedEntry", "components": SPEC["components"]})
    # That the document describes exactly the API the hub serves needs no hub process:
    # tests/unit/test_openapi_paths.py.


def test_attendance_answers_match_the_document(hub, make_kiosk):
    device_id, secret = creds(make_kiosk(env={"KIOSK_SITE_SLUG": "cafe-toyotama"}))   # attendance()'s site
    recs = [attendance(str(uuid.uuid4()), "count", 1, "age_65_plus", 1)]
    for rec in recs:
        jsonschema.validate(rec, {"$ref": "#/components/schemas/AttendanceRecord", "components": SPEC["components"]})
    results = push(hub, device_id, secret, recs + recs)
    for r in results:
        jsonschema.validate(r, {"$ref": "#/components/schemas/RecordResult", "components": SPEC["components"]})
    assert [r["result"] for r in results] == ["accepted", "duplicate"]
