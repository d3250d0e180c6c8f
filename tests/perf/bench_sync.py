"""Benchmarks of sync (DESIGN.md section 8), each against its floor measured in the same run:

1. Drain 10,000 queued records from a kiosk to a hub on PostgreSQL over loopback HTTP, against
   inserting the same rows straight into the hub's table (the database floor).
2. 50 kiosks pushing at once to one hub: records per second, errors, nothing lost.
Run with `make bench` (PostgreSQL at 127.0.0.1:5432).
"""
import concurrent.futures
import json
import shutil
import tempfile
import time
import uuid

import httpx

from kiosk.sync import protocol
from tests.conftest import Server
from tests.pg import fresh_database
from tests.sync.conftest import Kiosk, bound, enqueue, prepare_hub, query, run_cli

N = 10_000
KIOSKS, PER_KIOSK = 50, 200


def drain(hub_url, code, tmp):
    path = tmp / "kiosk.db"
    kiosk = Kiosk(path, hub_url, code)
    kiosk.sync()   # the hub's catalog
    uid = None
    with bound(kiosk.db_url):
        from kiosk.models import Event
        uid = Event.select().where(Event.capacity > 0).first().uid
    enqueue(kiosk.db_url, N, event_uid=uid)
    from kiosk.sync.client import HubClient, SyncEngine, credentials
    with bound(kiosk.db_url):
        creds = credentials()
    client = HubClient(*creds)
    engine = SyncEngine(client, batch_size=200)
    with bound(kiosk.db_url):
        t0 = time.perf_counter()
        pushed = engine.push()
        elapsed = time.perf_counter() - t0
    client.close()
    return pushed, elapsed


def floor(hub_db_url, payloads):
    """The same rows inserted straight into hub_signup, 200 per multi-row INSERT and transaction
    (the fastest plain way we have: no HTTP, no signing, no validation, no decisions)."""
    from kiosk.hub.ingest import bulk_insert
    from kiosk.models import HubSignup
    from kiosk.models.catalog import utcnow
    with bound(hub_db_url) as db:
        t0 = time.perf_counter()
        for i in range(0, len(payloads), 200):
            rows = []
            for n, rec in enumerate(payloads[i:i + 200]):
                rows.append({"id": rec["id"], "device_id": "floor", "payload_hash": protocol.payload_hash(rec),
                             "ref_code": rec["ref_code"], "kind": rec["kind"], "service_slug": rec["service"],
                             "event_uid": rec["event"], "language": rec["language"], "status": "confirmed", "reason": "",
                             "kiosk_created_at": protocol.parse_time(rec["created_at"]), "received_at": utcnow(),
                             "arrival": i + n + 1,
                             **{f: rec["person"].get(f) for f in protocol.PERSON_FIELDS}})
            with db.atomic():
                bulk_insert(HubSignup, rows)
        return time.perf_counter() - t0


def records(n, uid):
    return [{"id": str(uuid.uuid4()), "type": "signup", "kind": "event", "ref_code": "ABCD-2345",
             "service": "machikado-care-cafe", "event": uid, "language": "ja",
             "created_at": "2026-11-22T01:00:00+00:00",
             "person": {"name": f"Bench {i}", "phone": "090-1234-5678"}} for i in range(n)]


def fleet(hub_url, hub_db_url, uid):
    """50 enrolled devices, each pushing 200 records in batches of 50, all at once."""
    from kiosk.hub.devices import issue_code
    with bound(hub_db_url):
        codes = [issue_code("", 1) for _ in range(KIOSKS)]
    creds = [httpx.post(hub_url + "/api/v1/enroll", json={"code": c, "name": f"bench{i}", "protocol": 1}).json()
             for i, c in enumerate(codes)]
    errors = []

    def push(cred):
        recs = records(PER_KIOSK, uid)
        with httpx.Client(base_url=hub_url, timeout=60) as http:
            for i in range(0, len(recs), 50):
                body = json.dumps({"records": recs[i:i + 50]}).encode()
                headers = protocol.signed_headers(cred["device_id"], cred["secret"], "POST",
                                                  "/api/v1/records", body, time.time())
                r = http.post("/api/v1/records", content=body, headers=headers)
                if r.status_code != 200 or any(x["result"] != "accepted" for x in r.json()["results"]):
                    errors.append(r.status_code)
        return [r["id"] for r in recs]

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(KIOSKS) as pool:
        sent = [i for ids in pool.map(push, creds) for i in ids]
    elapsed = time.perf_counter() - t0
    stored = query(hub_db_url, "SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("Bench %",))[0][0]
    return len(sent), stored, elapsed, errors


def main():
    tmp = __import__("pathlib").Path(tempfile.mkdtemp(prefix="bench-sync-"))
    with fresh_database() as hub_db_url, fresh_database() as floor_db_url:
        prepare_hub(hub_db_url)
        prepare_hub(floor_db_url)
        hub = Server(hub_db_url, role="hub", log_dir=tmp, env={"KIOSK_THREADS": "8"}).start()
        try:
            code = run_cli(hub_db_url, "hub", "enroll-code").strip()
            pushed, t_sync = drain(hub.url, code, tmp)
            uid = query(hub_db_url, "SELECT uid FROM event WHERE capacity > 0 LIMIT 1")[0][0]
            t_floor = floor(floor_db_url, records(N, uid))
            stored = query(hub_db_url, "SELECT count(*) FROM hub_signup")[0][0]
            sync_rate, floor_rate = pushed / t_sync, N / t_floor
            print(f"drain: {pushed:,} records pushed in {t_sync:.1f} s -> {sync_rate:,.0f} records/s "
                  f"(hub stored {stored:,}, exactly once: {stored == N})")
            print(f"floor: {N:,} rows inserted straight into hub_signup in {t_floor:.1f} s -> {floor_rate:,.0f} rows/s")
            print(f"ratio sync/floor: {sync_rate / floor_rate:.2f} (target >= 0.5)")
            sent, stored_fleet, t_fleet, errors = fleet(hub.url, hub_db_url, uid)
            print(f"fleet: {KIOSKS} kiosks x {PER_KIOSK} records at once: {sent:,} sent, {stored_fleet:,} stored, "
                  f"{len(errors)} errors, {sent / t_fleet:,.0f} records/s")
        finally:
            hub.stop()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
