"""The one database: picked from DATABASE_URL at start-up, opened per request.

Migrations are applied on purpose, never by the app factory: by `kiosk migrate`, and by
`kiosk serve` (and the other commands that write) before they start, under a lock, so two hub
processes starting together on one PostgreSQL apply the schema once.
"""
import contextlib
import datetime
import fcntl
import logging
import pathlib
import shutil

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase
from playhouse.migrations import Runner

log = logging.getLogger(__name__)
database = DatabaseProxy()
from .config import RESOURCES  # noqa: E402

MIGRATIONS_DIR = RESOURCES / "migrations"
MIGRATION_BACKUPS_KEPT = 2   # copies of the file before a migration (they hold personal data)

# WAL + synchronous=FULL is what keeps a committed sign-up through a power cut; foreign keys
# are off by default in SQLite; busy_timeout lets waitress threads queue for the write lock.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    # KiB per connection; waitress threads each hold one. The file's pages stay in the system's
    # cache besides: a larger cache here bought nothing measurable and held 4 MB per thread
    # (1 MB a connection held 2 MB more of a kiosk's 80 after 10,000 mixed requests than 512 KB).
    "cache_size": -512,
    # Overwrite deleted content with zeros, so a purged name is gone from the file, not just
    # unlinked (Debian builds SQLite with this on; other builds do not).
    "secure_delete": 1,
}


# Prepared statements each connection keeps (Python's default is 128). A statement with a long
# IN list holds its every parameter, and each length of list is a statement of its own: a
# kiosk's connections kept about 2 MB of them after 10,000 mixed requests. What a page or a
# search sends again and again still fits.
CACHED_STATEMENTS = 32


def make_database(url, max_connections=32):
    """Build a pooled peewee database for a sqlite:/// or postgresql:// URL.

    Pooled, so that a request does not pay for a new connection and its pragmas; close()
    returns the connection to the pool.
    """
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a write inside a deferred transaction can fail at once with
        # "database is locked" despite busy_timeout when several threads write.
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                                    check_same_thread=False, max_connections=max_connections,
                                    stale_timeout=600, cached_statements=CACHED_STATEMENTS)
    if url.startswith(("postgres://", "postgresql://")):
        params = parse(url)
        return PooledPostgresqlDatabase(params.pop("database"), max_connections=max_connections,
                                        stale_timeout=600, **params)
    raise ValueError(f"unsupported DATABASE_URL: {url!r}")


def describe_url(url):
    """The database a URL names, for messages and logs: without any password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    params = parse(url)
    return f"{params.get('host', 'localhost')}:{params.get('port', 5432)}/{params.get('database', '')}"


def bind(url):
    """Point the shared proxy at the database for ``url`` and return it."""
    db = make_database(url)
    database.initialize(db)
    return db


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def read(sql, params=()):
    """The rows of a small read on this request's connection. On SQLite straight through the
    driver: a page asks a few such questions on every request (kiosk.web.pagecache), and
    peewee's cursor handling would cost more than the question."""
    if isinstance(database.obj, SqliteDatabase):
        return database.connection().execute(sql, params).fetchall()
    return database.execute_sql(sql, params).fetchall()


MIGRATION_LOCK_KEY = 7_404_716_001   # pg_advisory_lock key: only migrations take it


@contextlib.contextmanager
def migration_lock(db):
    """One migrator at a time: an advisory lock on PostgreSQL (held by this connection until it
    is released), an exclusive lock on a file beside the SQLite database."""
    if isinstance(db, SqliteDatabase):
        if db.database == ":memory:":
            yield
            return
        with open(f"{db.database}.migrate-lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    db.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        yield
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def _chunks_in(sql, params, values, chunk):
    """The cursors of ``sql``, whose ``{}`` stands for a list of placeholders, run for ``values``
    in chunks (after ``params``)."""
    values = list(values)
    for i in range(0, len(values), chunk):
        part = values[i:i + chunk]
        marks = ", ".join([database.param] * len(part))
        yield database.execute_sql(sql.format(marks), (*params, *part))


def execute_in(sql, params, values, chunk=500):
    """Run ``sql``, whose ``{}`` stands for a list of placeholders, for ``values`` in chunks
    (after ``params``): how many rows it changed. For long lists of ids, which peewee would make
    a node of each (an outbox batch's acknowledgements are thousands of them)."""
    return sum(cursor.rowcount for cursor in _chunks_in(sql, params, values, chunk))


def select_in(sql, params, values, chunk=500):
    """The rows of ``sql``, whose ``{}`` stands for a list of placeholders, for ``values`` in
    chunks (after ``params``), as the driver gives them (as execute_in, for reading)."""
    for cursor in _chunks_in(sql, params, values, chunk):
        yield from cursor.fetchall()


def pending_migrations(db=None):
    db = db or database.obj
    with db.connection_context():
        return [m.name for m in Runner(db, directory=str(MIGRATIONS_DIR)).status() if not m.applied and m.path]


def migrate(db=None, backup=True):
    """Apply pending numbered migrations under the migration lock; copy a SQLite file aside
    first. Returns the names applied (none when another process applied them meanwhile)."""
    db = db or database.obj
    with db.connection_context(), migration_lock(db):
        return _migrate_locked(db, backup)


def _migrate_locked(db, backup):
    runner = Runner(db, directory=str(MIGRATIONS_DIR))
    pending = [m for m in runner.status() if not m.applied and m.path]
    if not pending:
        return []
    if backup and isinstance(db, SqliteDatabase) and db.database != ":memory:":
        path = pathlib.Path(db.database)
        if path.exists() and runner.applied():
            stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
            with db.connection_context():
                db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(path, path.with_name(f"{path.name}.{stamp}.bak"))
            for old in sorted(path.parent.glob(f"{path.name}.*.bak"))[:-MIGRATION_BACKUPS_KEPT]:
                old.unlink()
    applied = runner.up()
    watch_changes(db)
    log.info("applied migrations: %s", ", ".join(applied))
    return applied


# Tables whose writes no page shows: the counts of what residents look for (written every
# second while visitors search) and the counter itself.
UNWATCHED = frozenset({"change_counter", "demand_count", "schema_migration"})
_TRIGGER = "changes_{table}_{op}"
# The kiosk_state keys of the footer's sync state (what the sync loop writes every round; pages
# read them from its memory, kiosk.site.status.Board).
SYNC_STATE_KEYS = ("online", "last_sync_at", "revoked", "sync_error", "sync_error_since")
# kiosk_state keys written by every sync round that no page reads from the database while a loop
# runs: the footer's state, the hub's clock offset, the log's flag. A round that changed nothing
# a page shows keeps every stored page (kiosk.web.replay).
QUIET_KEYS = SYNC_STATE_KEYS + ("hub_offset", "wal_purge_pending")


def _watched_tables(db):
    """The ordinary tables a trigger can watch: not virtual (FTS), not their shadow tables."""
    rows = db.execute_sql("SELECT name, type FROM pragma_table_list WHERE schema = 'main'").fetchall()
    return sorted(name for name, kind in rows
                  if kind == "table" and not name.startswith("sqlite_") and name not in UNWATCHED)


def watch_changes(db):
    """On SQLite, every write to a watched table adds one to change_counter (triggers, made for
    the tables there are after each migration): what a stored page depends on, without the
    writes no page shows (UNWATCHED). Only where the counter exists (migration 0022)."""
    if not isinstance(db, SqliteDatabase):
        return
    if not db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'change_counter'").fetchone():
        return
    quiet = ", ".join(f"'{key}'" for key in QUIET_KEYS)
    with db.atomic():
        for table in _watched_tables(db):
            for op in ("insert", "update", "delete"):
                name = _TRIGGER.format(table=table, op=op)
                when = ""
                if table == "kiosk_state":
                    when = f'WHEN {"OLD" if op == "delete" else "NEW"}."key" NOT IN ({quiet}) '
                db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {op.upper()} ON "{table}" '
                               f"{when}BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END")


def unwatch_changes(db):
    if not isinstance(db, SqliteDatabase):
        return
    for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                  "AND name LIKE 'changes\\_%' ESCAPE '\\'").fetchall():
        db.execute_sql(f'DROP TRIGGER "{name}"')


def init_app(app):
    """Open a connection for each request and close it on teardown."""
    @app.before_request
    def _open():
        from flask import request
        if request.endpoint == "healthz":
            return   # it opens its own connection, so an unreachable database is a 503, not a 500
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()
