"""Benchmarks of sync at ward scale, each against its floor
measured in the same run, through the processes a site and the ward really run:

1. Drain: a real `kiosk serve` (waitress and its own sync loop, default settings) with 10,000
   sign-ups queued, paired with a hub (`kiosk serve`, PostgreSQL). The sign-ups are spread over
   every session with seats, by different people, as a kiosk collects them (most sessions fill
   up, and the rest wait); once more with all of them on one session, the shape this benchmark
   used before, for comparison. Floor: the same rows inserted straight into the hub's table,
   200 per multi-row INSERT and transaction, just before and just after the drain (the mean of
   the two). One drain of each shape (the issue measured three).
2. Fleet: 50 enrolled kiosks pushing at once (DESIGN.md section 8), each its own site's
   sessions, in batches of the default size, to one hub process: no errors, nothing lost, the
   throughput reported. Then to two hub processes on one PostgreSQL (each kiosk alternating
   between them, as behind a load balancer), reported beside one without a target: on the
   2-core machine the hub, PostgreSQL and the client already share both cores, so a second
   process has little to gain here (the row prints how busy one process kept them). Requests
   are signed before the clock starts, so the figure is the hub's, not the Python client's.
3. First sync: a new kiosk paired with a hub whose database holds 100,000 sign-ups of sessions
   long past (after the hub's compaction has run), against copying the catalog rows alone.
Run with `make bench` (PostgreSQL at 127.0.0.1:5432).
"""
import concurrent.futures
import http.client
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import uuid

import httpx

from kiosk.sync import protocol
from tests.conftest import Server
from tests.helpers import wait_for
from tests.perf import load
from tests.pg import fresh_database
from tests.sync.conftest import Kiosk, bound, prepare_hub, query, run_cli

N = 10_000
KIOSKS, PER_KIOSK, BATCH = 50, 400, 100     # DESIGN.md section 8: 50 kiosks pushing at once


def cpu_seconds(pids):
    """User + system CPU seconds used so far by these processes."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return total


def postgres_pids():
    out = subprocess.run(["pgrep", "-u", "postgres", "postgres"], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def sessions_with_seats(db_url, one=False):
    """(session uid, program slug) of every upcoming session with seats, or of the first one."""
    return query(db_url, "SELECT e.uid, s.slug FROM event e JOIN service s ON s.id = e.service_id "
                         "WHERE e.capacity > 0 AND e.cancelled = %s AND e.starts_at > %s ORDER BY e.starts_at, e.uid",
                 (False, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())))[:1 if one else None]


def enqueue_signups(db_url, sessions, n, prefix):
    """``n`` sign-ups by different people, through the outbox as the sign-up view makes them,
    taking ``sessions`` in turn."""
    from kiosk.site.sync import outbox
    with bound(db_url):
        for i in range(n):
            uid, slug = sessions[i % len(sessions)]
            outbox.enqueue_signup(kind="event", service_slug=slug, event_uid=uid, language="ja",
                                  name=f"{prefix} {i} {uuid.uuid4().hex[:6]}", phone=f"090-{i // 10000:04d}-{i % 10000:04d}")


def drain(hub_url, hub_db_url, tmp, one_session=False, env=None):
    """10,000 queued sign-ups leave a real kiosk process; seconds from its first record at the
    hub to the last one acknowledged on the kiosk (its start-up is reported on its own)."""
    kiosk = Kiosk(tmp / f"drain-{one_session}.db", hub_url, run_cli(hub_db_url, "hub", "enroll-code").strip())
    kiosk.sync()
    sessions = sessions_with_seats(kiosk.db_url, one_session)
    enqueue_signups(kiosk.db_url, sessions, N, prefix="Drain")
    before = query(hub_db_url, "SELECT count(*) FROM hub_signup")[0][0]
    t_spawn = time.perf_counter()
    server = Server(kiosk.path, log_dir=tmp, env=env)
    server.start()
    t_up = time.perf_counter()
    try:
        t_first = wait_for(lambda: query(hub_db_url, "SELECT count(*) FROM hub_signup")[0][0] > before
                           and time.perf_counter(), timeout=600, interval=0.002)
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0, timeout=600, interval=0.02)
        t_done = time.perf_counter()
    finally:
        server.stop()
    stored = query(hub_db_url, "SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("Drain %",))[0][0]
    return stored, t_done - t_first, t_up - t_spawn, sessions


def floor(hub_db_url, payloads):
    """The same rows inserted straight into hub_signup, 200 per multi-row INSERT and transaction
    (the fastest plain way we have: no HTTP, no signing, no validation, no decisions)."""
    from kiosk.hub.intake.ingest import bulk_insert
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
                             "arrival": i + n + 1, "adults": 1, "children": 0, "desk_state": "new",
                             "attempts": 0, "search_text": "",
                             **{f: rec["person"].get(f) for f in protocol.PERSON_FIELDS}})
            with db.atomic():
                bulk_insert(HubSignup, rows)
        return time.perf_counter() - t0


def records(n, uids, prefix="Bench", services=None):
    """``n`` sign-up records, taking ``uids`` (and their ``services``' slugs) in turn."""
    return [{"id": str(uuid.uuid4()), "type": "signup", "kind": "event", "ref_code": "ABCD-2345",
             "service": services[i % len(uids)] if services else "machikado-care-cafe",
             "event": uids[i % len(uids)], "language": "ja", "created_at": "2026-11-22T01:00:00+00:00",
             "person": {"name": f"{prefix} {i}", "phone": f"090-{i // 10000:04d}-{i % 10000:04d}"}}
            for i in range(n)]


def fleet(ports, hub_db_url, pids=()):
    """KIOSKS enrolled devices push PER_KIOSK records each, all at once: (sent, stored, seconds,
    errors, cores kept busy by the hub processes, PostgreSQL and the client)."""
    from kiosk.hub.intake.devices import issue_code
    with bound(hub_db_url):
        codes = [issue_code("", 1) for _ in range(KIOSKS)]
    base = f"http://127.0.0.1:{ports[0]}"
    creds = [httpx.post(base + "/api/v1/enroll", json={"code": c, "name": f"bench{i}", "protocol": 2}).json()
             for i, c in enumerate(codes)]
    uids = [r[0] for r in query(hub_db_url, "SELECT uid FROM event ORDER BY uid")]
    per_kiosk = max(1, len(uids) // KIOSKS)
    plans = []
    for k, cred in enumerate(creds):
        mine = uids[k * per_kiosk:(k + 1) * per_kiosk] or uids[:1]     # its own site's sessions
        recs = records(PER_KIOSK, mine, prefix="Fleet")
        requests = []
        for i in range(0, len(recs), BATCH):
            body = json.dumps({"records": recs[i:i + BATCH]}).encode()
            headers = protocol.signed_headers(cred["device_id"], cred["secret"], "POST", "/api/v1/records",
                                              body, time.time())
            requests.append((ports[(k + i // BATCH) % len(ports)], body, dict(headers, **{
                "Content-Type": "application/json"})))
        plans.append(requests)
    errors = []

    def push(requests):
        conns = {}
        for port, body, headers in requests:
            conn = conns.get(port) or conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=120))
            conn.request("POST", "/api/v1/records", body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200 or b'"rejected"' in data:
                errors.append(answer.status)
        for conn in conns.values():
            conn.close()

    pg = postgres_pids()
    cpu0 = [cpu_seconds(pids), cpu_seconds(pg), cpu_seconds([os.getpid()])]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(KIOSKS) as pool:
        list(pool.map(push, plans))
    elapsed = time.perf_counter() - t0
    cpu = [(cpu_seconds(p) - c) / elapsed for p, c in zip((pids, postgres_pids(), [os.getpid()]), cpu0)]
    print(f"  cores busy: hub processes {cpu[0]:.2f}, PostgreSQL {cpu[1]:.2f}, the kiosks' client {cpu[2]:.2f} "
          f"(of {os.cpu_count()}); {KIOSKS * PER_KIOSK / elapsed / sum(cpu):,.0f} records per busy core-second")
    stored = query(hub_db_url, "SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("Fleet %",))[0][0]
    return KIOSKS * PER_KIOSK, stored, elapsed, errors, sum(cpu)


def hub_processes(db_url, tmp, count):
    return [Server(db_url, role="hub", log_dir=tmp, env={"KIOSK_THREADS": "8"}).start() for _ in range(count)]


def first_sync(tmp):
    """A new kiosk's first sync against a hub with 100,000 past sign-ups, after compaction."""
    import types

    from tests.sync.sync_helpers import add_history
    with fresh_database() as db_url:
        prepare_hub(db_url)
        add_history(types.SimpleNamespace(query=lambda sql, params=(): query(db_url, sql, params)))
        run_cli(db_url, "hub", "hub-retention")
        hub = Server(db_url, role="hub", log_dir=tmp).start()
        try:
            kiosk_path = tmp / "first.db"
            kiosk = Kiosk(kiosk_path, hub.url, run_cli(db_url, "hub", "enroll-code").strip())
            t0 = time.perf_counter()
            kiosk.sync()
            took = time.perf_counter() - t0
            entries = query(db_url, "SELECT count(*) FROM feed")[0][0]
            size = kiosk_path.stat().st_size
            # Floor: a second kiosk syncing a hub with the same catalog and no history at all.
            with fresh_database() as empty_url:
                prepare_hub(empty_url)
                bare = Server(empty_url, role="hub", log_dir=tmp).start()
                try:
                    other = Kiosk(tmp / "bare.db", bare.url, run_cli(empty_url, "hub", "enroll-code").strip())
                    t0 = time.perf_counter()
                    other.sync()
                    base = time.perf_counter() - t0
                finally:
                    bare.stop()
        finally:
            hub.stop()
    return took, base, entries, size


def floor_once(template_name, rows):
    with fresh_database(template=template_name) as floor_db_url:
        return floor(floor_db_url, rows)


def drain_rows(template_name, tmp):
    """The drain against its floor, sign-ups spread over the sessions, then all on one."""
    rows = []
    for one_session in (False, True):
        with fresh_database(template=template_name) as hub_db_url:
            sessions = sessions_with_seats(hub_db_url, one_session)
            same_rows = [records(N, [u for u, _ in sessions], services=[s for _, s in sessions]) for _ in range(2)]
            # The floor just before and just after the drain, each on a fresh copy: the mean.
            t_floors = [floor_once(template_name, same_rows[0])]
            hub, = hub_processes(hub_db_url, tmp, 1)
            try:
                stored, t_drain, t_start, sessions = drain(hub.url, hub_db_url, tmp, one_session)
            finally:
                hub.stop()
            t_floors.append(floor_once(template_name, same_rows[1]))
        t_floor = sum(t_floors) / 2
        rate, floor_rate = N / t_drain, N / t_floor
        shape = "all on one session (the old shape)" if one_session else f"spread over {len(sessions)} sessions"
        print(f"drain through a real kiosk, {shape}: {N:,} sign-ups in {t_drain:.2f} s -> {rate:,.0f}/s "
              f"(hub stored {stored:,}, exactly once: {stored == N}; kiosk start {t_start:.1f} s); "
              f"floor: multi-row INSERT {t_floors[0]:.2f} s before, {t_floors[1]:.2f} s after -> "
              f"{floor_rate:,.0f}/s", flush=True)
        rows.append(load.Row(
            f"drain of {N:,} sign-ups through a real kiosk to a PostgreSQL hub, {shape}",
            f"{rate:,.0f} records/s ({t_drain:.2f} s{'' if stored == N else f'; STORED {stored:,}'})",
            "the same rows by multi-row INSERT, 200 a statement and transaction",
            f"{floor_rate:,.0f} rows/s ({t_floor / (N / 200) * 1000:.1f} ms per INSERT of 200)",
            f"{rate / floor_rate:.2f}", "≥ 0.5" if not one_session else "",
            ("yes" if rate / floor_rate >= 0.5 and stored == N else "no") if not one_session else ""))
    return rows


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-sync-"))
    rows = []
    try:
        with fresh_database() as template:
            prepare_hub(template)
            template_name = template.rsplit("/", 1)[1]
            rows += drain_rows(template_name, tmp)
            rates, busy, outcomes = {}, {}, {}
            for count in (1, 2):
                with fresh_database(template=template_name) as db_url:
                    servers = hub_processes(db_url, tmp, count)
                    try:
                        sent, stored, elapsed, errors, cores = fleet([s.port for s in servers], db_url, [s.proc.pid for s in servers])
                    finally:
                        for s in servers:
                            s.stop()
                rates[count], busy[count] = sent / elapsed, cores
                print(f"fleet, {count} hub process{'es' if count > 1 else ''}: {KIOSKS} kiosks x {PER_KIOSK:,} "
                      f"in batches of {BATCH}: {sent:,} sent, {stored:,} stored, {len(errors)} errors, "
                      f"{rates[count]:,.0f} records/s", flush=True)
                outcomes[count] = (sent, stored, errors)
            sent, stored, errors = outcomes[1]
            whole = stored == sent and not errors
            rows.append(load.Row(f"fleet: {KIOSKS} kiosks pushing at once to one hub process",
                                 f"{rates[1]:,.0f} records/s ({sent:,} sent, {stored:,} stored, {len(errors)} errors)",
                                 "", "", "", "no errors, nothing lost", "yes" if whole else "no"))
            rows.append(load.Row(f"fleet: the same {KIOSKS} kiosks, two hub processes against one",
                                 f"{rates[2]:,.0f} records/s ({outcomes[2][1]:,} stored, {len(outcomes[2][2])} errors)",
                                 "one hub process", f"{rates[1]:,.0f} records/s", f"{rates[2] / rates[1]:.2f}", "",
                                 f"(one process kept {busy[1]:.2f} of {os.cpu_count()} cores busy with PostgreSQL "
                                 f"and the client: at most {os.cpu_count() / busy[1]:.2f} here)"))
        took, base, entries, size = first_sync(tmp)
        print(f"first sync at 100,000 past sign-ups: {took:.1f} s ({entries:,} feed entries after compaction, "
              f"kiosk database {size / 1e6:.1f} MB); floor (same catalog, no history) {base:.1f} s", flush=True)
        rows.append(load.Row("first sync of a new kiosk, hub with 100,000 past sign-ups", f"{took:.1f} s",
                             "the same catalog, no history", f"{base:.1f} s", f"{took / base:.1f}", "< 10 s",
                             "yes" if took < 10 else "no"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load.emit(rows, f"Sync (one run of each; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
