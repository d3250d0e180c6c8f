"""Backups of a kiosk's SQLite database, taken while it runs, and restores that cannot lose.

A database in WAL mode is three files: committed sign-ups may live only in `kiosk.db-wal`
until a checkpoint. So nothing here copies, moves or deletes the main file alone:

- `kiosk backup` copies the running database with SQLite's online backup API (one consistent
  snapshot, write-ahead log included, while visitors keep signing up), turns the copy into a
  single self-contained file, checks its integrity and keeps the last BACKUP_KEEP.
- `kiosk restore FILE` needs the kiosk stopped (`kiosk serve` holds a lock). It first sets the
  live database aside through the same backup API, so the copy holds what the write-ahead log
  held too, and verifies that copy (integrity, and every row count equal to the live one)
  before anything is replaced. Only then is the backup put in place, by an atomic rename.
- `kiosk restore --undo` puts the database that the last restore set aside back (the one it
  replaces is set aside in turn, so an undo can be undone).

Records that reached the hub after the backup are sent again and answered "duplicate".
"""
import contextlib
import datetime
import fcntl
import os
import pathlib
import sqlite3

from .db import MIGRATIONS_DIR

SET_ASIDE = ".replaced-"     # kiosk.db.replaced-<stamp>: a database a restore replaced


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


def row_counts(path):
    """Rows per table: what a verified copy must hold as much of as its original."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(src_path, dest_path):
    """A consistent copy of ``src_path`` (its write-ahead log included) as one self-contained
    file: the copy is switched out of WAL mode, so it carries no -wal or -shm of its own."""
    src = sqlite3.connect(src_path, timeout=30)
    dst = sqlite3.connect(dest_path)
    try:
        src.backup(dst)            # all pages in one step: a snapshot as of its start
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    _fsync(dest_path)


def take(db_path, dest_dir, keep=7):
    """A checked copy of the running database in ``dest_dir``; returns its path."""
    dest_dir = pathlib.Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = pathlib.Path(db_path).stem
    stamp = _stamp()
    partial = dest_dir / f".{name}-{stamp}.partial"
    try:
        _copy(db_path, partial)
        result = integrity(partial)
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        final = dest_dir / f"{name}-{stamp}.db"
        partial.chmod(0o600)   # it holds visitors' names until they are purged
        partial.rename(final)
    finally:
        _remove_with_companions(partial)
    for old in sorted(dest_dir.glob(f"{name}-*.db"))[:-keep]:
        old.unlink()
    return final


def _remove_with_companions(path):
    for extra in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                  path.with_name(path.name + "-journal")):
        extra.unlink(missing_ok=True)


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


def check_backup(backup_path):
    """Refuse a file that is damaged, not a kiosk database, or made by newer software."""
    backup_path = pathlib.Path(backup_path)
    if not backup_path.is_file():
        raise BackupError(f"no such file: {backup_path}")
    try:
        result = integrity(backup_path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the backup failed its integrity check: {exc}") from None
    if result != "ok":
        raise BackupError(f"the backup failed its integrity check: {result}")
    known = {p.stem for p in MIGRATIONS_DIR.glob("0*.py")}
    applied = schema_of(backup_path)
    if not applied:
        raise BackupError("the file is not a kiosk database")
    if applied - known:
        raise BackupError("the backup was made by newer software: " + ", ".join(sorted(applied - known)))


def set_aside(db_path):
    """Copy the live database (write-ahead log included) beside it and verify the copy holds
    every row the live one does; returns the copy's path. Nothing is replaced before this."""
    db_path = pathlib.Path(db_path)
    kept = db_path.with_name(f"{db_path.name}{SET_ASIDE}{_stamp()}")
    _copy(db_path, kept)
    kept.chmod(0o600)
    result = integrity(kept)
    live, copy = row_counts(db_path), row_counts(kept)
    if result != "ok" or live != copy:
        _remove_with_companions(kept)
        raise BackupError("the copy of the current database could not be verified; nothing was replaced"
                          + ("" if result == "ok" else f" ({result})"))
    return kept


def _put_in_place(source, db_path):
    """Replace ``db_path`` by a copy of ``source``: written beside it, then renamed over it.

    The live write-ahead log has been checkpointed and emptied first, and the -wal and -shm
    files go before the rename, so the new file is never read with the old file's log."""
    db_path = pathlib.Path(db_path)
    incoming = db_path.with_name(f".{db_path.name}.incoming-{_stamp()}")
    try:
        _copy(source, incoming)
        incoming.chmod(0o600)
        if db_path.exists():
            con = sqlite3.connect(db_path, timeout=30)
            try:
                busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                con.close()
            if busy:
                raise BackupError("the database is in use by another process; nothing was replaced")
        for suffix in ("-wal", "-shm", "-journal"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        os.replace(incoming, db_path)
        _fsync(db_path.parent)
    finally:
        _remove_with_companions(incoming)


def restore(backup_path, db_path):
    """Replace the database with a checked backup; returns where the old one was set aside."""
    check_backup(backup_path)
    db_path = pathlib.Path(db_path)
    with serving_lock(db_path):
        kept = set_aside(db_path) if db_path.exists() else None
        _put_in_place(backup_path, db_path)
    return kept


def last_set_aside(db_path):
    db_path = pathlib.Path(db_path)
    found = sorted(db_path.parent.glob(f"{db_path.name}{SET_ASIDE}*"))
    return found[-1] if found else None


def undo(db_path):
    """Put back the database the last restore set aside; returns (what came back, where the
    database it replaced was set aside). The copy that came back is removed, so a second
    undo goes back to the state before the first."""
    previous = last_set_aside(db_path)
    if previous is None:
        raise BackupError("no database was set aside by a restore here")
    check_backup(previous)
    db_path = pathlib.Path(db_path)
    with serving_lock(db_path):
        kept = set_aside(db_path) if db_path.exists() else None
        _put_in_place(previous, db_path)
    previous.unlink()
    return previous, kept
