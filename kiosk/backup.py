"""Backups of a kiosk's SQLite database, taken while it runs, and restores with it stopped.

`kiosk backup` copies the database with SQLite's online backup API (one consistent snapshot,
while visitors keep signing up), checks the copy's integrity, and keeps the last BACKUP_KEEP.
`kiosk restore FILE` refuses while a kiosk serves the database (it holds a lock), checks the
copy's integrity and that its schema is not newer than this software, keeps the database it
replaces aside, and puts the copy in place; the next `kiosk serve` migrates it if it is older.
Records that reached the hub after the backup are sent again and answered "duplicate".
"""
import contextlib
import datetime
import fcntl
import pathlib
import shutil
import sqlite3

from .db import MIGRATIONS_DIR


class BackupError(Exception):
    pass


def _stamp():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def integrity(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def take(db_path, dest_dir, keep=7):
    """A checked copy of the running database in ``dest_dir``; returns its path."""
    dest_dir = pathlib.Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = pathlib.Path(db_path).stem
    partial = dest_dir / f".{name}-{_stamp()}.partial"
    src = sqlite3.connect(db_path, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)            # all pages in one step: a snapshot as of its start
    finally:
        dst.close()
        src.close()
    result = integrity(partial)
    if result != "ok":
        partial.unlink()
        raise BackupError(f"the copy failed its integrity check: {result}")
    final = dest_dir / f"{name}-{partial.name.split('-', 1)[1].rsplit('.', 1)[0]}.db"
    partial.rename(final)
    final.chmod(0o600)   # it holds visitors' names until they are purged
    for old in sorted(dest_dir.glob(f"{name}-*.db"))[:-keep]:
        old.unlink()
    return final


def schema_of(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute("SELECT name FROM schema_migration")}
    except sqlite3.DatabaseError:
        return set()
    finally:
        con.close()


@contextlib.contextmanager
def serving_lock(db_path, wait=False):
    """Held by `kiosk serve` for as long as it serves ``db_path``; restore needs it free."""
    with open(f"{db_path}.serve-lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BackupError("a kiosk is serving this database: stop it first") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def restore(backup_path, db_path):
    """Replace the database with a checked backup; returns where the old one was kept."""
    backup_path, db_path = pathlib.Path(backup_path), pathlib.Path(db_path)
    if not backup_path.is_file():
        raise BackupError(f"no such file: {backup_path}")
    result = integrity(backup_path)
    if result != "ok":
        raise BackupError(f"the backup failed its integrity check: {result}")
    known = {p.stem for p in MIGRATIONS_DIR.glob("0*.py")}
    applied = schema_of(backup_path)
    if not applied:
        raise BackupError("the file is not a kiosk database")
    if applied - known:
        raise BackupError("the backup was made by newer software: " + ", ".join(sorted(applied - known)))
    with serving_lock(db_path):
        kept = None
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.name}.replaced-{_stamp()}")
            shutil.move(db_path, kept)
        for suffix in ("-wal", "-shm"):
            extra = db_path.with_name(db_path.name + suffix)
            if extra.exists():
                extra.unlink()
        shutil.copy2(backup_path, db_path)
    return kept
