"""`python -m tests.perf [kiosk search sync desk]` (what `make bench` runs): each benchmark in a
process of its own, one after the other, then all their rows as one table.

Each benchmark also runs alone (`python -m tests.perf.bench_kiosk`) and prints its own rows.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

from tests.perf import load

BENCHES = ("kiosk", "search", "sync", "desk")


def main(names):
    names = names or BENCHES
    unknown = set(names) - set(BENCHES)
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
    load.wrk_binary()
    started, took, failed = time.perf_counter(), {}, []
    load_before = os.getloadavg()
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", encoding="utf-8") as rows_file:
        for name in names:
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", f"tests.perf.bench_{name}"], cwd=load.ROOT,
                                  env=dict(os.environ, BENCH_ROWS=rows_file.name))
            took[name] = time.perf_counter() - t0
            if done.returncode:
                failed.append(name)
        rows = [load.Row(**json.loads(line)) for line in rows_file if line.strip()]
    rows += [load.Row(f"bench_{name}: failed before all its rows (its output above says why)", "", met="no")
             for name in failed]
    load_after = os.getloadavg()
    shared = max(load_before[0], load_after[0]) > os.cpu_count()
    print(f"\nmake bench, {datetime.date.today().isoformat()}: {os.cpu_count()} cores; load average "
          f"{load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end"
          f"{' (above the core count: other work shared the machine)' if shared else ''}; "
          f"{', '.join(f'{n} {s:.0f} s' for n, s in took.items())}; {time.perf_counter() - started:.0f} s in all\n")
    print(load.table(rows))
    met = [row for row in rows if row.met.startswith("yes")]
    missed = [row for row in rows if row.met.startswith("no")]
    print(f"\n{len(met)} of {len(met) + len(missed)} rows with a target meet it.")
    if failed:
        raise SystemExit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
