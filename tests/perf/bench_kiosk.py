"""Benchmark of the kiosk's pages and its memory, each against its floor in the same run.

The kiosk runs as `kiosk serve` (waitress, 4 threads, its own sync loop) paired with a ward hub
(`kiosk serve --role hub`, SQLite, as the README's first command runs them), whose demo catalog it
got by its first sync; its sync loop keeps its rounds going with the hub throughout. The floor is a bare Flask "hello" under the same waitress with the same threads. wrk
requests both over one keep-alive connection (tests/perf/load.py): each page kind in five
languages for 2 s, then the floor for 2 s, three rounds, so both meet the same noise. Then 10,000
requests of mixed use over four connections: every page kind, and searches as residents type
them, each a first-time query for the process (every keystroke of the relevance set's queries
and of the catalog's names, tests/perf/typed.py); the kiosk's resident memory before and after.
Run alone with `python -m tests.perf.bench_kiosk`; `make bench` runs it with the others.
"""
import json
import os
import pathlib
import random
import shutil
import sqlite3
import tempfile
import time
import urllib.request

from tests.conftest import Server
from tests.perf import load, typed
from tests.sync.conftest import Kiosk, prepare_hub, run_cli

LANGS = typed.LANGS
MIXED = 10_000
TARGETS = {"home": 3, "directory": 3, "service page": 3, "sessions": 3, "sign-up form": 5}


def page_lists(db):
    """{page kind: wrk lines}: each kind in every language (eight services, four sessions)."""
    con = sqlite3.connect(db)
    try:
        services = [r[0] for r in con.execute("SELECT slug FROM service WHERE active = 1 ORDER BY slug LIMIT 8")]
        sessions = [r[0] for r in con.execute(
            "SELECT uid FROM event WHERE capacity > 0 AND cancelled = 0 AND starts_at > datetime('now') "
            "ORDER BY starts_at, uid LIMIT 4")]
    finally:
        con.close()
    return {
        "home": [f"/{lang}/" for lang in LANGS],
        "directory": [f"/{lang}/services" for lang in LANGS],
        "service page": [f"/{lang}/services/{slug}" for slug in services for lang in LANGS],
        "sessions": [f"/{lang}/events" for lang in LANGS],
        "sign-up form": [f"/{lang}/signup/event/{uid}" for uid in sessions for lang in LANGS],
    }


def mixed_lines(db, pages):
    """MIXED requests: every page kind (and the directory by category), and first-time searches."""
    seen = set()
    searches = typed.keystrokes(typed.relevance_queries(), seen)
    searches += typed.keystrokes(typed.catalog_names(db), seen, limit=typed.NAME_PREFIX)
    searches = typed.search_lines(searches[: MIXED * 2 // 5])
    browse = [line for lines in pages.values() for line in lines]
    browse += [f"/{lang}/services?category=gathering" for lang in LANGS]
    rng = random.Random(25)
    out = list(searches)
    while len(out) < MIXED:
        out.append(rng.choice(browse))
    rng.shuffle(out)
    return out, len(searches)


def main():
    load.wrk_binary()
    db = pathlib.Path(tempfile.mkdtemp(prefix="bench-kiosk-")) / "kiosk.db"
    # The secret the pairing commands (tests/sync/conftest.py) use: the kiosk's keys are its.
    env = dict(os.environ, KIOSK_ROLE="kiosk", KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="test-secret",
               KIOSK_THREADS=str(load.THREADS))
    hub_url = f"sqlite:///{db.with_name('hub.db')}"
    prepare_hub(hub_url)
    hub = Server(hub_url, role="hub", log_dir=db.parent).start()
    try:
        Kiosk(db, hub.url, run_cli(hub_url, "hub", "enroll-code").strip()).sync()    # pair, first sync
        pages = page_lists(db)
        measured(db, env, pages)
    finally:
        hub.stop()
        shutil.rmtree(db.parent, ignore_errors=True)


def measured(db, env, pages):
    """The rows for a paired kiosk on ``db`` (its hub serving), printed."""
    port, log = load.free_port(), db.with_name("kiosk.log")
    base = f"http://127.0.0.1:{port}"
    cost = load.client_cost()
    rows = [load.Row("load generator's own latency (wrk against a socket server that answers at once)",
                     f"{load.fmt_ms(load.median(cost))}, p95 {load.fmt_ms(load.pct(cost, 95))}")]
    t0 = time.perf_counter()
    kiosk = load.kiosk_process(env, port, log)
    try:
        with load.telling(log):
            load.wait_answer(f"{base}/ja/", kiosk)
            first_page = time.perf_counter() - t0
            rows += measure(base, pages, db, kiosk)
            try:
                health = json.loads(urllib.request.urlopen(f"{base}/healthz", timeout=5).read())
            except urllib.error.HTTPError as exc:     # 503: not paired, or its loop dead
                health = json.loads(exc.read())
            if not (health.get("paired") and health.get("status") == "ok" and not health.get("sync_error")):
                raise SystemExit(f"the kiosk was not syncing with its hub: {health}")
            print(f"kiosk paired and syncing through the run: last synced {health['last_sync_at']}, "
                  f"backlog {health['backlog']}")
        rows.append(load.Row("kiosk first page after start", f"{first_page:.2f} s", "", "", "", "< 1.5 s",
                             "yes" if first_page < 1.5 else "no"))
    finally:
        load.stop(kiosk)
    load.emit(rows, f"Kiosk pages (wrk, one connection, 3 rounds of 2 s per page kind against 2 s of the floor; "
                    f"load average {os.getloadavg()[0]:.1f})")


def measure(base, pages, db, kiosk):
    """The page rows against the floor, then the memory row."""
    rows = []
    with load.hello_server() as (hello, hello_proc):
        for lines in pages.values():          # warm up: every page once, then the floor
            load.wrk(base, lines)
        load.wrk(hello, ["/hello"], seconds=1)
        parts = {"floor": (hello, ["/hello"])} | {kind: (base, lines) for kind, lines in pages.items()}
        got = load.alternate(parts, rounds=3, seconds=2)
        floor = got.pop("floor")
        for kind, samples in got.items():
            rows.append(load.latency_row(f"kiosk {kind} (demo catalog, 5 languages)", samples, floor,
                                         target_ratio=TARGETS[kind], with_p95=True))
        mix, searches = mixed_lines(db, pages)
        rss_before = load.rss_mb(kiosk.pid)
        took = load.wrk(base, mix, connections=4)
        rss_after = load.rss_mb(kiosk.pid)
        time.sleep(12)          # at rest: the sync loop's rounds (every 10 s) trim malloc's free memory
        rss_rest = load.rss_mb(kiosk.pid)
        helpers = load.children(kiosk.pid)
        helper_mb = sum(load.rss_mb(pid) for pid in helpers)
        rows.append(load.Row(
            f"kiosk resident memory after {len(took.ms):,} mixed requests over 4 connections "
            f"({searches:,} of them first-time searches)",
            f"{rss_after:.0f} MB, {rss_rest:.0f} MB 12 s later ({rss_before:.0f} MB before; "
            f"{len(took.ms) / took.seconds:,.0f} requests/s; its Japanese analyser's own process {helper_mb:.0f} MB)",
            "bare Flask hello process", f"{load.rss_mb(hello_proc.pid):.0f} MB", "", "< 80 MB",
            "yes" if rss_after < 80 else "no"))
    return rows


if __name__ == "__main__":
    main()
