"""Benchmark: search-as-you-type fragments over 5,000 and 20,000 services vs a bare Flask route,
and the relevance set's measures per language (recall@5, MRR, precision@5 on need queries, the
share of queries returning over a third of the catalog).

Each keystroke prefix of the relevance set's queries is sent once ("first-time": what a visitor
typing meets), then a share again ("cached"), then the other half by 8 clients at once. Both
servers run under waitress with the same thread count on loopback, measured in the same run,
so the ratios hold on a noisy machine. Run with `make bench`.
"""
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc):
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {url}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {url}")


def wait_page(url, proc):
    """The moment a page first answers 200 (perf_counter)."""
    while True:
        if proc.poll() is not None:
            raise SystemExit("kiosk exited early")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter()
        except httpx.HTTPError:
            time.sleep(0.02)


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(client, urls, headers=None):
    """Per-request latency in ms (one keep-alive connection, sequential)."""
    samples = []
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return samples


def pct(samples, p):
    s = sorted(samples)
    return s[min(int(len(s) * p), len(s) - 1)]


def keystrokes():
    """Distinct (language, prefix) pairs as residents type the relevance set's queries: every
    prefix of every query, each a first-time query for that visitor."""
    from tests import relevance
    seen, out = set(), []
    for q in relevance.queries():
        text = q["q"]
        for end in range(1, len(text) + 1):
            prefix = text[:end].strip()
            if prefix and (q["lang"], prefix) not in seen:
                seen.add((q["lang"], prefix))
                out.append((q["lang"], prefix))
    return out


def build(services):
    db = pathlib.Path(tempfile.mkdtemp(prefix="bench-")) / "bench.db"
    env = dict(os.environ, KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="bench")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiosk", "load-synthetic", "--services", str(services)],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    print(f"synthetic catalog: {services:,} services x 6 languages, built in {time.perf_counter() - t0:.0f} s")
    return env


def concurrent(urls, workers=8):
    """Latencies of ``urls`` sent by ``workers`` clients at once (each its own connection)."""
    import concurrent.futures
    chunks = [urls[i::workers] for i in range(workers)]

    def one(chunk):
        with httpx.Client() as client:
            return measure(client, chunk, {"HX-Request": "true"})
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return [x for part in pool.map(one, chunks) for x in part]


def run_catalog(services, typed):
    env = build(services)
    threads = "4"
    kport, hport = free_port(), free_port()
    started = time.perf_counter()
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(kport)],
                             env=dict(env, KIOSK_THREADS=threads), cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hello = subprocess.Popen([sys.executable, "-m", "waitress", f"--port={hport}", "--host=127.0.0.1",
                              f"--threads={threads}", "tests.perf.hello_app:app"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{kport}"
    hello_url = f"http://127.0.0.1:{hport}/hello"
    try:
        first_page = wait_page(f"{base}/ja/", kiosk) - started
        wait_up(hello_url, hello)
        urls = [f"{base}/{lang}/services?q={urllib.parse.quote(q)}" for lang, q in typed]
        half = len(urls) // 2
        alone, together = urls[:half], urls[half:]
        with httpx.Client() as client:
            measure(client, [f"{base}/ja/"] * 20)   # warm up the process
            measure(client, [hello_url] * 40)
            first, floor = [], []
            for i in range(0, len(alone), 20):     # interleaved with the floor: same noise
                first += measure(client, alone[i:i + 20], {"HX-Request": "true"})
                floor += measure(client, [hello_url] * 20)
            cached = []
            for _ in range(3):
                cached += measure(client, alone[:200], {"HX-Request": "true"})
                floor += measure(client, [hello_url] * 20)
        f_med, f_p95 = statistics.median(floor), pct(floor, 0.95)
        busy = concurrent(together)
        busy_floor = concurrent([hello_url] * len(together))
        print(f"  floor (bare Flask hello on waitress, {threads} threads): median {f_med:.2f} ms, p95 {f_p95:.2f} ms")
        for label, xs, fl in (("first-time", first, f_med), ("cached", cached, f_med),
                              ("8 typists at once", busy, statistics.median(busy_floor))):
            print(f"  search {label:18}: {len(xs):5} requests, median {statistics.median(xs):6.2f} ms, "
                  f"p95 {pct(xs, 0.95):6.2f} ms, median ratio to floor {statistics.median(xs) / fl:5.2f}x")
        print(f"  (8 typists: the floor under the same load is {statistics.median(busy_floor):.2f} ms median)")
        return kiosk, first_page, base
    except BaseException:
        kiosk.terminate()
        raise
    finally:
        hello.terminate()
        hello.wait(10)


def relevance_table():
    """The relevance set's recall@5, MRR, precision@5 on need queries and share of queries
    returning over a third of the catalog, per language, over the demo catalog (as the test)."""
    from kiosk import create_app
    from kiosk.db import database
    from kiosk.demo.loader import load_demo
    from kiosk.models import Service
    from kiosk.search.index import search_ids
    from tests import relevance
    db = pathlib.Path(tempfile.mkdtemp(prefix="bench-")) / "demo.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "bench"}, role="kiosk")
    from kiosk import db as kiosk_db
    kiosk_db.migrate()
    with app.app_context(), database.connection_context():
        load_demo()
        slugs = {s.id: s.slug for s in Service.select(Service.id, Service.slug)}
        results = relevance.evaluate(lambda q, lang: [slugs[i] for i in search_ids(q, lang)], len(slugs))
    print(f"search relevance (tests/data/search_relevance.json, demo catalog of {len(slugs)} services):")
    print(relevance.table(results))


def main():
    relevance_table()
    typed = keystrokes()
    print(f"typed queries: {len(typed)} distinct keystroke prefixes of the relevance set, in five languages")
    for services in (5000, 20000):
        print(f"catalog of {services:,} services:")
        kiosk, first_page, base = run_catalog(services, typed)
        try:
            if services == 5000:
                with httpx.Client() as client:
                    served = 0
                    pages = [f"{base}{p}" for p in
                             ("/ja/", "/en/services?category=gathering", "/tl/services/machikado-care-cafe",
                              "/ko/events", "/zh/services?q=%E5%92%96%E5%95%A1")]
                    while served < 10_000:
                        measure(client, pages)
                        served += len(pages)
                print(f"  kiosk process: first page served {first_page:.2f} s after start (target < 1.5 s); "
                      f"resident memory after {served:,} more requests {rss_mb(kiosk.pid):.0f} MB (target < 80 MB)")
        finally:
            kiosk.terminate()
            kiosk.wait(10)
    print("targets: first-time median within 5x of the floor and p95 under 20 ms at 5,000 services; "
          "p95 under 40 ms at 20,000; 8 typists median within 10x; cached within 3x")


if __name__ == "__main__":
    main()
