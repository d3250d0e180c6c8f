"""Benchmark: search-as-you-type over 5,000 and 20,000 services against the framework floor, and
the relevance set's measures per language.

The queries are what residents type (tests/perf/typed.py): every keystroke of the relevance
set's queries and of the synthetic catalog's own names, each (language, prefix) sent once to a
fresh kiosk process, so every one is first-time for it ("first-time"). One list is sent over one
connection, in four parts with the floor before each, and the last 75 of each part are sent
again at once, as by a second visitor typing the same ("cached", 300 in all); a second, disjoint
list is sent by 8 connections at once ("8 typists") with the floor under the same 8 connections
before and after. The kiosk is `kiosk serve` (waitress, 4 threads)
and the floor a bare Flask "hello" under the same waitress, both requested by wrk
(tests/perf/load.py). Run alone with `python -m tests.perf.bench_search`.

The synthetic catalogs take minutes to build (the 20,000 one about 2.5 CPU minutes), so a built
one is kept in var/bench/ and used again while nothing under kiosk/, migrations/ or config/ has
changed (the key is a hash of those files; `make clean` removes them).
"""
import hashlib
import logging
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from tests.perf import load, typed

SIZES = (5000, 20000)
FIRST_TIME = 1_200     # first-time keystrokes on one connection, per catalog (half of each source)
TYPISTS = 1_200        # other first-time keystrokes, sent by 8 connections at once
CACHED = 300
CACHE = load.ROOT / "var" / "bench"


def source_key():
    """A hash of everything that decides what a built catalog holds."""
    digest = hashlib.sha256()
    for top in ("kiosk", "migrations", "config"):
        for path in sorted((load.ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(load.ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def synthetic_catalog(services):
    """A copy of a synthetic kiosk database of ``services`` services (built, or kept from a run on
    the same sources): (path, how it was got). One built while the sources changed is not kept."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = source_key()
    kept = CACHE / f"synthetic-{services}-{key}.db"
    path = pathlib.Path(tempfile.mkdtemp(prefix="bench-search-")) / "kiosk.db"
    if kept.exists():
        shutil.copyfile(kept, path)
        return path, "kept from an earlier run on the same sources"
    for old in CACHE.glob(f"synthetic-{services}-*"):
        old.unlink()
    env = dict(os.environ, KIOSK_ROLE="kiosk", KIOSK_DATABASE_URL=f"sqlite:///{path}", KIOSK_SECRET_KEY="bench")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiosk", "load-synthetic", "--services", str(services)],
                   env=env, cwd=load.ROOT, check=True, capture_output=True)
    how = f"built in {time.perf_counter() - t0:.0f} s"
    con = sqlite3.connect(path)     # one file to keep: the log folded into it
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    if source_key() == key:
        shutil.copyfile(path, kept)
    return path, how


def lists(db):
    """(first-time list, typists' list, what each holds): disjoint first-time keystrokes, half
    from the relevance set's queries (alternate queries to each list) and half from the
    catalog's names."""
    seen = set()
    queries, names = typed.relevance_queries(), typed.catalog_names(db)
    one = typed.keystrokes(queries[0::2], seen, cap=FIRST_TIME // 2)
    many = typed.keystrokes(queries[1::2], seen, cap=TYPISTS // 2)
    one_names = typed.keystrokes(names[0::2], seen, limit=typed.NAME_PREFIX, cap=FIRST_TIME - len(one))
    many_names = typed.keystrokes(names[1::2], seen, limit=typed.NAME_PREFIX, cap=TYPISTS - len(many))
    return one + one_names, many + many_names, len(one), len(many)


def detail(label, pairs, samples):
    """A line on what a list's slowest and one-letter queries cost (for whoever makes it faster)."""
    by = sorted(zip(samples, pairs), reverse=True)
    one = [ms for ms, (_, q) in by if len(q) == 1]
    worst = ", ".join(f"{lang} {q!r} {load.fmt_ms(ms)}" for ms, (lang, q) in by[:4])
    print(f"    {label}: n={len(samples)}, median {load.fmt_ms(load.median(samples))}, "
          f"p95 {load.fmt_ms(load.pct(samples, 95))}; one-character prefixes (n={len(one)}) median "
          f"{load.fmt_ms(load.median(one)) if one else '-'}; slowest {worst}")


def run_catalog(services):
    db, how = synthetic_catalog(services)
    print(f"synthetic catalog of {services:,} services x 6 languages ({how})", flush=True)
    one, many, one_relevance, many_relevance = lists(db)
    env = dict(os.environ, KIOSK_ROLE="kiosk", KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="bench",
               KIOSK_THREADS=str(load.THREADS))
    port, log = load.free_port(), db.with_name("kiosk.log")
    kiosk = load.kiosk_process(env, port, log)
    try:
        with load.telling(log):
            first, floor, cached, busy, busy_floor = measure(f"http://127.0.0.1:{port}", kiosk, one, many)
        rss = load.rss_mb(kiosk.pid)
    finally:
        load.stop(kiosk)
        shutil.rmtree(db.parent, ignore_errors=True)
    print(f"  kiosk resident memory after these {len(first) + len(cached) + len(busy):,} searches: {rss:.0f} MB")
    detail("first-time, relevance-set keystrokes", one[:one_relevance], first[:one_relevance])
    detail("first-time, catalog-name keystrokes", one[one_relevance:], first[one_relevance:])
    detail("8 typists, relevance-set keystrokes", many[:many_relevance], busy[:many_relevance])
    detail("8 typists, catalog-name keystrokes", many[many_relevance:], busy[many_relevance:])
    n = f"{services:,} services"
    if services == 5000:
        rows = [load.latency_row(f"search, first time, {n}", first, floor, target_ratio=5, target_p95=20)]
    else:
        rows = [load.latency_row(f"search, first time, {n}", first, floor, target_p95=40)]
    rows.append(load.latency_row(f"search, 8 typists at once (first-time), {n}", busy, busy_floor,
                                 target_ratio=10, floor="bare Flask hello, 8 connections", with_p95=True))
    rows.append(load.latency_row(f"search, cached (the same keystrokes again at once), {n}", cached, floor, target_ratio=3, with_p95=True))
    return rows


def measure(base, kiosk, one, many):
    """Latencies in ms, each list in its own order: (first-time, its floor, cached, 8 typists,
    their floor)."""
    load.wait_answer(f"{base}/ja/", kiosk)
    with load.hello_server() as (hello, _):
        # Warm up the process (pages, and one search per language on a word in no list).
        load.wrk(base, [f"/{lang}/" for lang in typed.LANGS] * 4)
        load.wrk(base, typed.search_lines([(lang, "zzzq") for lang in typed.LANGS]))
        load.wrk(hello, ["/hello"], seconds=1)
        lines, first, floor, cached = typed.search_lines(one), [], [], []
        quarter = (len(lines) + 3) // 4
        for i in range(0, len(lines), quarter):
            floor += load.wrk(hello, ["/hello"], seconds=1).ms
            first += [ms for _, ms in sorted(load.wrk(base, lines[i:i + quarter]).by_line)]
            # Another visitor typing the same a moment later: the last CACHED of this part again.
            cached += load.wrk(base, lines[i:i + quarter][-CACHED // 4:]).ms
        floor += load.wrk(hello, ["/hello"], seconds=1).ms
        busy_floor = load.wrk(hello, ["/hello"], connections=8, seconds=2).ms
        busy = [ms for _, ms in sorted(load.wrk(base, typed.search_lines(many), connections=8).by_line)]
        busy_floor += load.wrk(hello, ["/hello"], connections=8, seconds=2).ms
    return first, floor, cached, busy, busy_floor


def relevance_table():
    """The relevance set's recall@5, MRR, precision@5 on need queries and share of queries
    returning over a third of the catalog, per language, over the demo catalog (as the test)."""
    from kiosk import create_app
    from kiosk import db as kiosk_db
    from kiosk.db import database
    from kiosk.demo.loader import load_demo
    from kiosk.models import Service
    from kiosk.search.index import search_ids
    from tests import relevance
    db = pathlib.Path(tempfile.mkdtemp(prefix="bench-")) / "demo.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "bench"}, role="kiosk")
    logging.disable(logging.INFO)       # the migrations' lines
    kiosk_db.migrate()
    logging.disable(logging.NOTSET)
    with app.app_context(), database.connection_context():
        load_demo()
        slugs = {s.id: s.slug for s in Service.select(Service.id, Service.slug)}
        results = relevance.evaluate(lambda q, lang: [slugs[i] for i in search_ids(q, lang)], len(slugs))
    shutil.rmtree(db.parent, ignore_errors=True)
    print(f"search relevance (tests/data/search_relevance.json, demo catalog of {len(slugs)} services):")
    print(relevance.table(results))


def main():
    load.wrk_binary()
    relevance_table()
    for services in SIZES:
        rows = run_catalog(services)
        load.emit(rows, f"Search as you type, {services:,} services (wrk; first-time: {FIRST_TIME:,} keystrokes on "
                        f"one connection, 8 typists: {TYPISTS:,} others over 8 connections, cached: {CACHED} sent "
                        f"again at once; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
