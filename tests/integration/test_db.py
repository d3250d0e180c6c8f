"""Database: durable SQLite pragmas, and one migration path from empty on SQLite and PostgreSQL."""
import sqlite3

from kiosk import db
from kiosk.models import Service
from tests.pg import fresh_database

TABLES = {"organization", "site", "service", "service_audience", "service_language",
          "service_site", "event", "translation", "kiosk_state"}


def test_sqlite_is_wal_full_sync_with_foreign_keys(tmp_path):
    database = db.make_database(f"sqlite:///{tmp_path}/k.db")
    with database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database._lock_type == "IMMEDIATE"


def test_migrate_from_empty_sqlite_then_idempotent(tmp_path):
    database = db.make_database(f"sqlite:///{tmp_path}/k.db")
    applied = db.migrate(database)
    assert applied and applied[0].startswith("0001")
    with database.connection_context():
        assert TABLES <= set(database.get_tables())
        assert "search_fts" in database.get_tables()
    assert db.migrate(database) == []


def with_a_probe_migration(tmp_path, monkeypatch):
    """The project's migrations and one more, 9999_probe, which adds a table ``probe``."""
    extra = tmp_path / "migrations"
    extra.mkdir()
    for f in db.MIGRATIONS_DIR.glob("*.py"):
        (extra / f.name).write_text(f.read_text())
    (extra / "9999_probe.py").write_text(
        "def up(migrator, db):\n    db.execute_sql('CREATE TABLE probe (id INTEGER)')\n")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", extra)


def test_migrate_copies_an_existing_database_aside(tmp_path, monkeypatch):
    path = tmp_path / "k.db"
    database = db.make_database(f"sqlite:///{path}")
    db.migrate(database)
    with_a_probe_migration(tmp_path, monkeypatch)
    assert db.migrate(database) == ["9999_probe"]
    backups = list(tmp_path.glob("k.db.*.bak"))
    assert len(backups) == 1
    names = {r[0] for r in sqlite3.connect(backups[0]).execute("SELECT name FROM sqlite_master")}
    assert "service" in names and "probe" not in names


def test_migrate_from_empty_postgresql():
    with fresh_database() as url:
        database = db.make_database(url)
        assert db.migrate(database)
        with database.connection_context():
            assert TABLES <= set(database.get_tables())
            with database.bind_ctx([Service]):
                assert Service.select().count() == 0
        assert db.migrate(database) == []
        database.close()


def _counter(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT n FROM change_counter").fetchone()[0]
    finally:
        con.close()


def test_every_table_a_page_may_show_counts_its_writes_and_demand_counts_do_not(tmp_path, monkeypatch):
    """change_counter (read by kiosk.web.replay) moves with a write to any ordinary table, a
    table a later migration adds included, and stays with the counts of what residents look for."""
    path = tmp_path / "k.db"
    database = db.make_database(f"sqlite:///{path}")
    db.migrate(database)
    con = sqlite3.connect(path)
    kinds = dict(con.execute("SELECT name, type FROM pragma_table_list WHERE schema = 'main'"))
    triggers = {name for (name,) in con.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                                "AND name LIKE 'changes%'")}
    ordinary = {t for t, kind in kinds.items() if kind == "table" and not t.startswith("sqlite_")}
    assert "search_fts" not in ordinary and {"event", "service", "outbox", "kiosk_state"} <= ordinary
    assert triggers == ordinary - {"change_counter", "demand_count", "schema_migration"}

    before = _counter(path)
    with con:
        con.execute("INSERT INTO demand_count (day, kind, language, key, n) VALUES ('2026-12-07', 'page', 'en', 'x', 1)")
        con.execute("UPDATE demand_count SET n = n + 1")
    assert _counter(path) == before
    with con:
        con.execute("INSERT INTO kiosk_state (key, value) VALUES ('probe', '1')")
    assert _counter(path) == before + 1
    with con:
        con.execute("UPDATE kiosk_state SET value = '2' WHERE key = 'probe'")
        con.execute("DELETE FROM kiosk_state WHERE key = 'probe'")
    assert _counter(path) == before + 3
    con.close()

    with_a_probe_migration(tmp_path, monkeypatch)
    db.migrate(database, backup=False)
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO probe (id) VALUES (1)")
    con.close()
    assert _counter(path) == before + 4
