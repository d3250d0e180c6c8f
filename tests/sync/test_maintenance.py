"""The hub's housekeeping in one place, never inside a request. Real hub processes on
PostgreSQL and SQLite: `kiosk --role hub maintain` blanks expired personal details, compacts
the feed and forgets old nonces, each job once per its interval over every process; a served
hub does it by itself in the background and stops cleanly; a hundred kiosk requests do none of
it."""
import datetime
import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from kiosk.site.sync.client import HubClient
from tests.conftest import ROOT
from tests.helpers import creds, post, wait_for
from tests.records import family
from tests.sync.conftest import Hub, run_cli

JOBS = ("retention", "compaction", "nonces", "schedules")
# What a hub remembers of its housekeeping (kiosk.hub.maintenance, retention, schedules).
LAST_RUN_KEYS = tuple(f"maintenance_{job}_at" for job in JOBS) + ("hub_retention_at", "schedules_ahead_on")
QUIET = {"KIOSK_HUB_MAINTENANCE_INTERVAL_SECONDS": "0"}   # a serve process that does none itself


@pytest.fixture
def hub(hub_db_url, tmp_path):
    """A hub whose serve process does no housekeeping (0): what happens is what the command or
    the requests do."""
    h = Hub(hub_db_url, tmp_path, env=QUIET).start()
    yield h
    h.close()


def ago(**delta):
    return datetime.datetime.utcnow() - datetime.timedelta(**delta)


def plant(hub, device_id, secret):
    """Housekeeping due: a sign-up for a session that ended 40 days ago (retention 30 days), a
    superseded feed entry, a nonce from yesterday. Returns the sign-up's id and the nonce."""
    uid = hub.query("SELECT uid FROM event WHERE starts_at > %s AND cancelled = %s AND capacity >= 5 "
                    "ORDER BY starts_at, uid LIMIT 1", (ago(days=-1), False))[0][0]
    record = family(uid)
    assert post(hub, device_id, secret, {"records": [record]})[0].json()["results"][0]["result"] == "accepted"
    hub.query("UPDATE event SET starts_at = %s, ends_at = %s WHERE uid = %s", (ago(days=40), ago(days=40), uid))
    hub.query("INSERT INTO feed (kind, key, deleted, created_at) SELECT kind, key, deleted, created_at FROM feed "
              "WHERE kind = 'service' ORDER BY seq LIMIT 1")
    nonce = "old-" + uuid.uuid4().hex
    hub.query("INSERT INTO seen_nonce (device_id, nonce, seen_at) VALUES (%s, %s, %s)", (device_id, nonce, ago(days=1)))
    return record["id"], nonce


def left(hub, planted):
    """What of the planted housekeeping is still there."""
    signup_id, nonce = planted
    return {"named": hub.query("SELECT count(*) FROM hub_signup WHERE id = %s AND name IS NOT NULL",
                               (signup_id,))[0][0],
            "superseded": hub.query("SELECT count(*) FROM (SELECT kind, key FROM feed GROUP BY kind, key "
                                    "HAVING count(*) > 1) d")[0][0],
            "old_nonce": hub.query("SELECT count(*) FROM seen_nonce WHERE nonce = %s", (nonce,))[0][0]}


NOTHING_LEFT = {"named": 0, "superseded": 0, "old_nonce": 0}


def last_runs(hub):
    marks = ", ".join(["%s"] * len(LAST_RUN_KEYS))
    return dict(hub.query(f"SELECT key, value FROM kiosk_state WHERE key IN ({marks})", LAST_RUN_KEYS))


def test_maintain_blanks_expired_details_and_compacts_once_per_interval(hub, make_kiosk):
    planted = plant(hub, *creds(make_kiosk()))
    assert left(hub, planted)["named"] == left(hub, planted)["old_nonce"] == 1 <= left(hub, planted)["superseded"]
    out = run_cli(hub.db_url, "hub", "maintain")
    assert "retention: the personal details of 1 requests blanked" in out
    assert "nonces: 1 used nonces forgotten" in out and "schedules: " in out and "not due" not in out
    assert left(hub, planted) == NOTHING_LEFT
    assert {f"maintenance_{job}_at" for job in JOBS} <= set(last_runs(hub))

    # Within its interval a job does not run again, whoever asks.
    hub.query("INSERT INTO feed (kind, key, deleted, created_at) SELECT kind, key, deleted, created_at FROM feed "
              "WHERE kind = 'service' ORDER BY seq LIMIT 1")
    out = run_cli(hub.db_url, "hub", "maintain")
    assert out.split("\n")[:4] == [f"{job}: not due" for job in JOBS]
    assert left(hub, planted)["superseded"] == 1
    # Each job keeps its own interval: compaction an hour later, nothing else yet.
    hub.query("UPDATE kiosk_state SET value = %s WHERE key = 'maintenance_compaction_at'",
              (ago(minutes=61).strftime("%Y-%m-%dT%H:%M:%S.%f"),))
    out = run_cli(hub.db_url, "hub", "maintain")
    assert "compaction: 1 feed entries no kiosk needs removed" in out
    assert "retention: not due" in out and "nonces: not due" in out and "schedules: not due" in out
    assert left(hub, planted) == NOTHING_LEFT
    # `hub-retention` still does its two jobs now, due or not.
    assert "feed entries no kiosk needs removed" in run_cli(hub.db_url, "hub", "hub-retention")


def test_several_processes_do_each_job_once(hub_db_url):
    """Four `maintain` processes started together on one database: each job runs in exactly one.
    (Only the database is shared: no hub serves it meanwhile.)"""
    env = dict(os.environ, KIOSK_ROLE="hub", KIOSK_DATABASE_URL=hub_db_url, KIOSK_SECRET_KEY="test-secret")
    procs = [subprocess.Popen([sys.executable, "-m", "kiosk", "maintain"], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    for job in JOBS:
        ran = [out for out, _err in outs if f"{job}: " in out and f"{job}: not due" not in out]
        assert len(ran) == 1, (job, outs)


def test_requests_do_no_housekeeping(hub, make_kiosk):
    """A hundred feed pages, a hundred signed pushes and staff and public pages later, nothing
    was blanked, compacted, forgotten or kept ahead, and no job's last run moved."""
    device_id, secret = creds(make_kiosk())
    planted = plant(hub, device_id, secret)
    before = left(hub, planted)
    assert before["named"] == before["old_nonce"] == 1 <= before["superseded"]
    assert last_runs(hub) == {}      # pairing and the kiosk's first sync did none either
    client = HubClient(hub.url, device_id, secret)
    try:
        for i in range(100):
            client.request("GET", "/api/v1/feed", params={"since": i, "limit": 5})
            client.request("POST", "/api/v1/records", {"records": []})
    finally:
        client.close()
    for path in ("/staff/login", "/p/en/services/machikado-care-cafe", "/p/ja/status/ABCD-2345"):
        assert httpx.get(hub.url + path, follow_redirects=True).status_code in (200, 404)
    assert last_runs(hub) == {}
    assert left(hub, planted) == before


def test_a_served_hub_does_it_by_itself_and_stops_cleanly(hub, make_kiosk, tmp_path):
    device_id, secret = creds(make_kiosk())
    hub.stop()
    hub.env = {"KIOSK_HUB_MAINTENANCE_INTERVAL_SECONDS": "0.5", "KIOSK_HUB_RETENTION_INTERVAL_SECONDS": "1",
               "KIOSK_HUB_COMPACTION_INTERVAL_SECONDS": "1", "KIOSK_HUB_NONCE_PRUNE_INTERVAL_SECONDS": "1"}
    hub.start()
    # The pass before serving kept the sessions ahead (its last run is remembered).
    assert "maintenance_schedules_at" in last_runs(hub)
    planted = plant(hub, device_id, secret)   # due after the hub started: its thread's work
    wait_for(lambda: left(hub, planted) == NOTHING_LEFT, timeout=30)
    server = hub.server
    started = time.monotonic()
    hub.stop()
    assert server.proc.returncode == 0 and time.monotonic() - started < 8
    assert "stopped: hub" in server.log_path.read_text()
