"""What the benchmarks share: one load generator for the system and its floor alike, the floor's
server, and the table every benchmark prints (`make bench` prints all their rows as one).

The load generator is wrk (Debian's package; `make bench` installs it when missing), driven by
paths.lua: one keep-alive connection per wrk thread, each request's latency taken around the
request itself. A Python client would add its own fraction of a millisecond to every request of
the system and of the floor alike (httpx added about 0.6 ms to a 0.8 ms floor), and every ratio
would look better than it is. wrk's own cost is measured and printed too (`client_cost`): its
latency against a socket server that answers every request with the same bytes.
"""
import contextlib
import dataclasses
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = pathlib.Path(__file__).with_name("paths.lua")
THREADS = 4     # waitress threads, for the kiosk and its floor alike (the kiosk's default)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    """Resident memory of a process, MB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid):
    """Process ids of the children of a process (a kiosk's Japanese analyser)."""
    out = []
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def pct(samples, p):
    s = sorted(samples)
    return s[min(int(len(s) * p / 100), len(s) - 1)]


def median(samples):
    return statistics.median(samples)


# --- Servers -------------------------------------------------------------------------------------

def wait_answer(url, proc, timeout=120, status=200):
    """Seconds until ``url`` first answers ``status``; fails if ``proc`` exits first."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early (code {proc.returncode}): {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == status:
                    return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"no answer from {url} within {timeout} s")


@contextlib.contextmanager
def hello_server(threads=THREADS):
    """The framework floor: a bare Flask "hello" under waitress with the kiosk's thread count.
    Yields (base URL, process)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "waitress", f"--port={port}", "--host=127.0.0.1",
                             f"--threads={threads}", "tests.perf.hello_app:app"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_answer(f"http://127.0.0.1:{port}/hello", proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop(proc)


def kiosk_process(env, port, log_path):
    """`python -m kiosk serve` on ``port`` (waitress, the kiosk's own settings and sync loop),
    its output in ``log_path``."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)


@contextlib.contextmanager
def telling(log_path):
    """A benchmark that fails says how the server's log ends (a 500's traceback)."""
    try:
        yield
    except SystemExit as exc:
        tail = pathlib.Path(log_path).read_text(errors="replace").splitlines()
        tail = [line for line in tail if '"GET ' not in line][-25:]
        raise SystemExit(f"{exc}\nthe server's log ends:\n" + "\n".join(tail)) from None


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- The load generator --------------------------------------------------------------------------

@dataclasses.dataclass
class Load:
    """What wrk measured: (list line, latency in ms) per request, in the order each connection
    sent them, and the run's length in seconds."""
    by_line: list
    seconds: float

    @property
    def ms(self):
        return [ms for _, ms in self.by_line]


def wrk_binary():
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return found


def wrk(base, lines, connections=1, seconds=None):
    """Send ``lines`` (paths, each optionally followed by a tab and one "Name: value" header) to
    ``base`` over ``connections`` keep-alive connections, one per wrk thread. With ``seconds``
    None each line is sent once (connection k sends lines k, k+n, ...); otherwise each
    connection cycles through its lines for that many (whole) seconds. Every answer must be a
    200."""
    if seconds is None and len(lines) < connections:
        raise ValueError("fewer lines than connections")
    if len(lines) < connections:        # every connection needs lines of its own
        lines = lines * connections
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    out_file = tempfile.TemporaryFile("w+", encoding="utf-8")
    cmd = [wrk_binary(), f"-t{connections}", f"-c{connections}", f"-d{int(seconds or 3600)}s", "--timeout", "60s",
           "-s", str(SCRIPT), base, "--", fh.name, "loop" if seconds else "once", str(connections)]
    proc = subprocess.Popen(cmd, stdout=out_file, stderr=subprocess.PIPE, text=True)
    try:
        if seconds is None:
            # wrk's main thread sleeps for the whole duration; SIGINT ends the sleep once every
            # connection has sent its lines (repeated: wrk ignores it until its threads run).
            finished, other = 0, []
            for line in proc.stderr:
                if line.strip() == "WRKDONE":
                    finished += 1
                    if finished == connections:
                        break
                else:
                    other.append(line)
            while proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                time.sleep(0.2)
        proc.wait((seconds or 0) + 120)
        errors = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.unlink(fh.name)
    out_file.seek(0)
    stdout = out_file.read()
    found = [line for line in stdout.splitlines() if line.startswith("WRKJSON ")]
    if proc.returncode != 0 or not found:
        raise SystemExit(f"wrk failed ({proc.returncode}): {errors[-2000:]} {stdout[-2000:]}")
    out = json.loads(found[0][len("WRKJSON "):])
    if out["bad"] or out["errors"]:
        example = lines[int(out["bad_example"].split()[-1])] if out["bad"] else ""
        raise SystemExit(f"wrk against {base}: {out['bad']} answers were not 200 (e.g. {out['bad_example']}: "
                         f"{example}), {out['errors']} socket errors or timeouts")
    return Load([(int(n), us / 1000) for n, us in out["samples"]], out["seconds"])


def alternate(parts, rounds=3, seconds=2):
    """{name: latencies in ms} for ``parts``, {name: (base, lines)}, each run for ``seconds``
    on one connection in turn, ``rounds`` times over: the system and its floor meet the same
    noise of a shared machine."""
    out = {name: [] for name in parts}
    for _ in range(rounds):
        for name, (base, lines) in parts.items():
            out[name] += wrk(base, lines, seconds=seconds).ms
    return out


@contextlib.contextmanager
def canned_server():
    """A socket server that answers every request on a connection with the same small 200 at
    once: what is left of a request's latency against it is the client's and the loopback's."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve(conn):
        with conn, contextlib.suppress(OSError):     # wrk resets its connections when it ends
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pending = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                pending += data
                while b"\r\n\r\n" in pending:
                    pending = pending.split(b"\r\n\r\n", 1)[1]
                    conn.sendall(answer)

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def client_cost(seconds=2):
    """wrk's own latency: against the canned-answer server (whose Python is part of it too)."""
    with canned_server() as base:
        return wrk(base, ["/"], seconds=seconds).ms


# --- The table -----------------------------------------------------------------------------------

@dataclasses.dataclass
class Row:
    """One line of the table: the figure, what it is measured against (and that floor's own
    figure), the ratio, the target and whether it is met ("yes", "no", or "" without one)."""
    measure: str
    figure: str
    floor: str = ""
    floor_figure: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


def fmt_ms(x):
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms" if x < 100 else f"{x:,.0f} ms"


def latency_row(measure, samples, floor_samples, target_ratio=None, target_p95=None, floor="bare Flask hello",
                with_p95=False, target_text=None):
    """A row for latencies against the floor's: medians, their ratio, and p95 when asked."""
    m, f = median(samples), median(floor_samples)
    p95 = pct(samples, 95)
    figure = fmt_ms(m) + (f", p95 {fmt_ms(p95)}" if with_p95 or target_p95 else "") + f" (n={len(samples):,})"
    ok = (target_ratio is None or m / f <= target_ratio) and (target_p95 is None or p95 < target_p95)
    target = target_text or " and ".join(
        t for t in ((f"≤ {target_ratio:g}×" if target_ratio else ""), (f"p95 < {target_p95:g} ms" if target_p95 else ""))
        if t)
    return Row(measure, figure, floor, f"{fmt_ms(f)}, p95 {fmt_ms(pct(floor_samples, 95))}", f"{m / f:.1f}×",
               target, ("yes" if ok else "no") if target else "")


HEADER = ("measure", "figure", "floor", "floor's own figure", "ratio", "target", "met")


def table(rows):
    """The rows as a Markdown table (the README carries it as printed)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    for row in rows:
        lines.append("| " + " | ".join(str(v) for v in dataclasses.astuple(row)) + " |")
    return "\n".join(lines)


def emit(rows, title):
    """Print this benchmark's rows as a table; under `make bench` (BENCH_ROWS names a file)
    also add them to the file the combined table is printed from."""
    print(f"\n{title}\n{table(rows)}\n", flush=True)
    path = os.environ.get("BENCH_ROWS")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(dataclasses.asdict(row), ensure_ascii=False) + "\n")
