"""A restore cannot lose a record: the database it replaces is judged by what that file held.

A kiosk serves and takes sign-ups after a backup; it is stopped by SIGTERM (a clean stop
checkpoints the write-ahead log into the file) or by kill -9 (committed sign-ups still only in
`kiosk.db-wal`). The older backup is restored: the copy set aside, opened alone as a person
would open it, holds every sign-up the replaced database had; `kiosk restore --undo` brings
them back. Backups leave no stray files behind.
"""
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT, Server
from tests.sync.faults_helpers import signup_via_http


def kiosk_cli(server, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "kiosk", *args], env=server.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def names_in(path, tmp_path):
    """Sign-up names in a database file read alone: copied without any -wal or -shm beside it,
    as someone opening just that file would see it."""
    alone = tmp_path / f"alone-{path.name}"
    shutil.copyfile(path, alone)
    con = sqlite3.connect(alone)
    try:
        return {r[0] for r in con.execute("SELECT name FROM signup")}
    finally:
        con.close()
        alone.unlink()


def bookable_event(db_path):
    con = sqlite3.connect(db_path)
    try:
        con.execute("UPDATE event SET capacity = 500 WHERE capacity > 0")
        con.commit()
        return con.execute("SELECT uid FROM event WHERE capacity > 0 AND cancelled = 0 "
                           "AND starts_at > datetime('now', '+1 day') ORDER BY starts_at LIMIT 1").fetchone()[0]
    finally:
        con.close()


def stray_files(*folders):
    return sorted(p.name for folder in folders for p in folder.iterdir()
                  if p.name.endswith(("-wal", "-shm", "-journal", ".partial")) or ".partial" in p.name
                  or ".incoming" in p.name)


@pytest.mark.parametrize("stop", ["sigterm", "kill -9"])
def test_restore_sets_aside_everything_the_replaced_database_held(demo_db, tmp_path, stop):
    uid = bookable_event(demo_db)
    backups = tmp_path / "backups"
    kiosk = Server(demo_db).start()
    assert signup_via_http(kiosk.url, uid, "Before Backup")
    older = kiosk_cli(kiosk, "backup", "--dir", str(backups)).stdout.strip()
    later = [f"After Backup {i}" for i in range(9)]
    for name in later[:4]:
        assert signup_via_http(kiosk.url, uid, name)
    # A clean stop, a start, more sign-ups, then the stop under test.
    kiosk.stop()
    wal = demo_db.with_name(demo_db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert set(later[:4]) <= names_in(demo_db, tmp_path)          # the file alone holds them
    kiosk.start()
    for name in later[4:]:
        assert signup_via_http(kiosk.url, uid, name)
    if stop == "sigterm":
        kiosk.stop()
        log = kiosk.log_path.read_text()
        assert "stopped" in log and "write-ahead log checkpointed" in log
        assert not wal.exists() or wal.stat().st_size == 0
    else:
        kiosk.kill9()
        assert wal.exists() and wal.stat().st_size > 0
        assert not set(later[4:]) <= names_in(demo_db, tmp_path)    # only the WAL holds them
    live = {"Before Backup", *later}

    out = kiosk_cli(kiosk, "restore", older).stdout
    kept = sorted(demo_db.parent.glob("kiosk.db.replaced-*"))
    assert len(kept) == 1 and str(kept[0]) in out and "--undo" in out
    assert names_in(kept[0], tmp_path) == live                    # nothing of the replaced one lost
    assert names_in(demo_db, tmp_path) == {"Before Backup"}       # the backup is in place
    assert stray_files(demo_db.parent, backups) == []

    out = kiosk_cli(kiosk, "restore", "--undo").stdout
    assert "put back" in out
    assert names_in(demo_db, tmp_path) == live
    # The restored database serves, with every sign-up, and a second undo goes back again.
    kiosk.start()
    kiosk.stop()
    assert names_in(demo_db, tmp_path) == live
    kiosk_cli(kiosk, "restore", "--undo")
    assert names_in(demo_db, tmp_path) == {"Before Backup"}
    assert stray_files(demo_db.parent, backups) == []


def test_restore_refuses_while_serving_and_replaces_nothing(demo_db, tmp_path):
    kiosk = Server(demo_db).start()
    try:
        older = kiosk_cli(kiosk, "backup", "--dir", str(tmp_path / "b")).stdout.strip()
        refused = kiosk_cli(kiosk, "restore", older, check=False)
        assert refused.returncode != 0 and "stop it first" in refused.stderr
        assert not list(demo_db.parent.glob("kiosk.db.replaced-*"))
        nothing = kiosk_cli(kiosk, "restore", "--undo", check=False)
        assert nothing.returncode != 0
    finally:
        kiosk.stop()
    nothing = kiosk_cli(kiosk, "restore", "--undo", check=False)
    assert nothing.returncode != 0 and "no database was set aside" in nothing.stderr


def test_backups_leave_no_stray_files_and_keep_the_last_few(demo_db, tmp_path):
    kiosk = Server(demo_db).start()
    backups = tmp_path / "backups"
    try:
        made = [kiosk_cli(kiosk, "backup", "--dir", str(backups), "--keep", "2").stdout.strip() for _ in range(3)]
    finally:
        kiosk.stop()
    assert sorted(p.name for p in backups.iterdir()) == sorted(p.rsplit("/", 1)[1] for p in made[1:])
    for path in made[1:]:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # one self-contained file
        con.close()
    assert stray_files(backups) == []
