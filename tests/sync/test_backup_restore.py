"""A backup taken while 20 visitors are signing up, then restored with the kiosk
stopped: every sign-up acknowledged before the backup began is in it, and the restored kiosk
syncs without duplicates (the hub answers "duplicate" for what it already has)."""
import concurrent.futures
import sqlite3
import threading

import pytest

from tests.sync.conftest import run_cli


def cli_output(db_url, *args, env=None):
    """stdout and stderr of a kiosk command that is expected to refuse."""
    import os
    import subprocess
    import sys
    from tests.conftest import ROOT
    full_env = dict(os.environ, KIOSK_ROLE="kiosk", KIOSK_DATABASE_URL=db_url, KIOSK_SECRET_KEY="test-secret",
                    **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "kiosk", *args], env=full_env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    return proc.stdout + proc.stderr
from tests.sync.faults_helpers import point_at, signup_via_http


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_backup_under_load_then_restore(hub, make_kiosk, tmp_path):
    kiosk = make_kiosk()
    uid = hub.event_with_seats()[0]
    hub.query("UPDATE event SET capacity = 1000 WHERE uid = %s", (uid,))
    kiosk.sync()
    point_at(kiosk, "http://127.0.0.1:9")   # the hub is out of reach while visitors sign up
    kiosk.start()
    acknowledged, lock = [], threading.Lock()
    stop = threading.Event()

    def visitor(n):
        i = 0
        while not stop.is_set() and i < 12:
            name = f"Visitor {n}-{i}"
            if signup_via_http(kiosk.url, uid, name, phone=f"090-{n:04d}-{i:04d}"):
                with lock:
                    acknowledged.append(name)
            i += 1

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(visitor, n) for n in range(20)]
        while len(acknowledged) < 40:
            pass
        with lock:
            before = list(acknowledged)     # acknowledged before the backup began
        made = run_cli(kiosk.db_url, "kiosk", "backup", "--dir", str(tmp_path / "backups"), "--keep", "3",
                       env=kiosk.env).strip()
        stop.set()
        for f in futures:
            f.result()
    names_in_backup = {r[0] for r in sqlite3.connect(made).execute("SELECT name FROM signup")}
    assert set(before) <= names_in_backup
    after = set(acknowledged) - names_in_backup    # made while the backup ran or after it
    # The live kiosk sends everything to the hub; then it is replaced by its backup.
    kiosk.stop()
    point_at(kiosk, hub.url)
    kiosk.sync()
    on_hub = hub.query("SELECT count(*) FROM hub_signup")[0][0]
    assert on_hub == len(acknowledged)
    # Restoring refuses while the kiosk serves; with it stopped, it works.
    kiosk.start()
    refused = cli_output(kiosk.db_url, "restore", made, env=kiosk.env)
    assert "stop it first" in refused
    kiosk.stop()
    out = run_cli(kiosk.db_url, "kiosk", "restore", made, env=kiosk.env)
    assert "restored" in out
    assert {r[0] for r in kiosk.query("SELECT name FROM signup")} == names_in_backup
    queued = kiosk.query("SELECT count(*) FROM outbox")[0][0]
    assert queued >= len(names_in_backup)            # the backup still thought them unsent
    point_at(kiosk, hub.url)
    out = kiosk.sync()
    assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == on_hub     # no duplicates
    assert "duplicate" in out or queued > 0


def test_restore_refuses_a_damaged_or_newer_backup(tmp_path, demo_db):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    out = cli_output(f"sqlite:///{demo_db}", "restore", str(bad))
    assert "integrity" in out or "not a kiosk database" in out
    newer = tmp_path / "newer.db"
    con = sqlite3.connect(demo_db)
    con.execute(f"VACUUM INTO '{newer}'")
    con.close()
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01')")
    con.commit()
    con.close()
    out = cli_output(f"sqlite:///{demo_db}", "restore", str(newer))
    assert "newer software" in out
