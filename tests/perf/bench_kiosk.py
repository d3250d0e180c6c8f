"""Benchmark of the kiosk's pages: each page against the framework floor measured in
the same run, then 10,000 requests of mixed use over four connections and the kiosk process's
resident memory afterwards.

The kiosk runs as `kiosk serve` (waitress, 4 threads) on the demo catalog; the floor is a bare
Flask "hello" route under the same waitress configuration. Requests alternate between the two
so both meet the same noise. Run with `make bench`.
"""
import concurrent.futures
import os
import statistics
import subprocess
import sys
import tempfile
import time
import pathlib

import httpx

from tests.perf.bench_search import ROOT, free_port, measure, rss_mb, wait_page, wait_up

THREADS = "4"
LANGS = ("ja", "en", "zh", "ko", "tl")


def pages(base, services):
    """The pages a visitor's errand touches, in every language."""
    out = []
    for lang in LANGS:
        out += [f"{base}/{lang}/", f"{base}/{lang}/services", f"{base}/{lang}/services?category=gathering",
                f"{base}/{lang}/events", f"{base}/{lang}/services?q=cafe"]
        out += [f"{base}/{lang}/services/{slug}" for slug in services]
    return out


def main():
    db = pathlib.Path(tempfile.mkdtemp(prefix="bench-kiosk-")) / "kiosk.db"
    env = dict(os.environ, KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="bench", KIOSK_THREADS=THREADS)
    subprocess.run([sys.executable, "-m", "kiosk", "load-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    kport, hport = free_port(), free_port()
    started = time.perf_counter()
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(kport)], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hello = subprocess.Popen([sys.executable, "-m", "waitress", f"--port={hport}", "--host=127.0.0.1",
                              f"--threads={THREADS}", "tests.perf.hello_app:app"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, hello_url = f"http://127.0.0.1:{kport}", f"http://127.0.0.1:{hport}/hello"
    try:
        first_page = wait_page(f"{base}/ja/", kiosk) - started
        wait_up(hello_url, hello)
        import sqlite3
        con = sqlite3.connect(db)
        services = [r[0] for r in con.execute("SELECT slug FROM service WHERE active = 1 ORDER BY slug LIMIT 8")]
        con.close()
        with httpx.Client() as client:
            measure(client, pages(base, services))           # warm up: every page once
            measure(client, [hello_url] * 40)
            floor, by_kind = [], {}
            for _ in range(5):
                for lang in LANGS:
                    for kind, path in (("home", f"/{lang}/"), ("directory", f"/{lang}/services"),
                                       ("service page", f"/{lang}/services/{services[0]}"),
                                       ("sessions", f"/{lang}/events")):
                        by_kind.setdefault(kind, []).extend(measure(client, [base + path] * 4))
                        floor += measure(client, [hello_url] * 4)
        f_med = statistics.median(floor)
        print(f"kiosk pages, demo catalog (floor: bare Flask hello on waitress, {THREADS} threads, "
              f"median {f_med:.2f} ms):")
        for kind, xs in by_kind.items():
            target = " (target <= 8x)" if kind == "service page" else ""
            print(f"  {kind:13}: median {statistics.median(xs):6.2f} ms, ratio {statistics.median(xs) / f_med:5.1f}x{target}")
        mix = pages(base, services)
        rss_before = rss_mb(kiosk.pid)

        def connection(n):
            with httpx.Client() as client:
                served = 0
                while served < 2_500:
                    chunk = mix[n::4]
                    measure(client, chunk[: 2_500 - served])
                    served += min(len(chunk), 2_500 - served)
                return served
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            served = sum(pool.map(connection, range(4)))
        took = time.perf_counter() - t0
        print(f"  mixed use over 4 connections: {served:,} requests in {took:.1f} s ({served / took:,.0f}/s); "
              f"resident memory {rss_before:.0f} MB before, {rss_mb(kiosk.pid):.0f} MB after (target < 80 MB; "
              f"the bare Flask floor process: {rss_mb(hello.pid):.0f} MB)")
        print(f"  first page served {first_page:.2f} s after start (target < 1.5 s)")
    finally:
        for proc in (kiosk, hello):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
