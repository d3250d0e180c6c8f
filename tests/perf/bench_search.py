"""Benchmark: search-as-you-type fragment over 5,000 services x 5 languages vs a bare Flask route.

Both run under waitress with the same thread count on loopback, measured in the same run, so the
ratio holds on a noisy machine. Run with `make bench`.
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
QUERIES = ["か", "かふ", "かふぇ", "食", "食堂", "こども", "相談", "しょくどう", "ｶﾌｪ", "cafe",
           "volunteer", "japanese class", "日语", "咖啡", "카페", "상담", "boluntaryo", "nihongo",
           "ボランティア", "kodomo shokudo"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


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


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-"))
    db = tmp / "bench.db"
    env = dict(os.environ, KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="bench")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiosk", "load-synthetic", "--services", "5000"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    print(f"synthetic catalog: 5,000 services x 5 languages, built in {time.perf_counter() - t0:.0f} s")
    threads = "4"
    kport, hport = free_port(), free_port()
    started = time.perf_counter()
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(kport)],
                             env=dict(env, KIOSK_THREADS=threads), cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hello = subprocess.Popen([sys.executable, "-m", "waitress", f"--port={hport}", "--host=127.0.0.1",
                              f"--threads={threads}", "tests.perf.hello_app:app"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first_page = wait_page(f"http://127.0.0.1:{kport}/ja/", kiosk) - started
        wait_up(f"http://127.0.0.1:{hport}/hello", hello)
        per_round = [f"http://127.0.0.1:{kport}/{lang}/services?q={urllib.parse.quote(q)}"
                     for q in QUERIES for lang in ("ja", "en")]
        hello_url = f"http://127.0.0.1:{hport}/hello"
        with httpx.Client() as client:
            measure(client, [f"http://127.0.0.1:{kport}/ja/"] * 20)   # warm up the process
            measure(client, [hello_url] * 40)
            # Round 1 meets an empty fragment cache (every query rendered: "cold"); later rounds
            # are what a kiosk sees once visitors have typed the common words ("warm").
            # Rounds interleave with the floor so both see the same machine noise.
            cold, warm, floor = [], [], []
            for n in range(ROUNDS):
                (cold if n == 0 else warm).extend(measure(client, per_round, {"HX-Request": "true"}))
                floor += measure(client, [hello_url] * len(per_round))
        f_med, f_p95 = statistics.median(floor), pct(floor, 0.95)
        both = cold + warm
        print(f"requests: {len(cold)} cold + {len(warm)} warm search fragments, {len(floor)} hello")
        print(f"floor  (bare Flask hello on waitress, {threads} threads): median {f_med:.2f} ms, p95 {f_p95:.2f} ms")
        for label, xs in (("cold (rendered)", cold), ("warm (cached)", warm), ("all", both)):
            print(f"search {label:16}: median {statistics.median(xs):6.2f} ms, p95 {pct(xs, 0.95):6.2f} ms, "
                  f"median ratio to floor {statistics.median(xs) / f_med:5.2f}x")
        print("targets: median within 3x of the floor, p95 under 20 ms")
        with httpx.Client() as client:
            served = len(cold) + len(warm) + 60
            pages = [f"http://127.0.0.1:{kport}{p}" for p in
                     ("/ja/", "/en/services?category=gathering", "/tl/services/machikado-care-cafe",
                      "/ko/events", "/zh/services?q=%E5%92%96%E5%95%A1")]
            while served < 10_000:
                measure(client, pages)
                served += len(pages)
        rss = rss_mb(kiosk.pid)
        print(f"kiosk process: first page served {first_page:.2f} s after start (target < 1.5 s); "
              f"resident memory after {served:,} requests {rss:.0f} MB (target < 80 MB)")
    finally:
        for proc in (kiosk, hello):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
