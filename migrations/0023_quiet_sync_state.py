"""The kiosk_state keys every sync round writes (the footer's state, the hub's clock offset) no
longer count as changes a page may show: pages read them from the sync loop's memory, and a
paired kiosk's rounds, every few seconds, dropped every page kept for its visitors. The
kiosk_state triggers are made again, with kiosk.db.QUIET_KEYS left out, by kiosk.db.watch_changes
after this migration."""


def _drop(db):
    for op in ("insert", "update", "delete"):
        db.execute_sql(f'DROP TRIGGER IF EXISTS "changes_kiosk_state_{op}"')


def up(migrator, db):
    from peewee import SqliteDatabase
    if isinstance(db, SqliteDatabase):
        _drop(db)


def down(migrator, db):
    from peewee import SqliteDatabase
    if isinstance(db, SqliteDatabase):
        _drop(db)
        for op in ("insert", "update", "delete"):     # as 0022 made them: every key counts
            db.execute_sql(f'CREATE TRIGGER "changes_kiosk_state_{op}" AFTER {op.upper()} ON "kiosk_state" '
                           "BEGIN UPDATE change_counter SET n = n + 1 WHERE id = 1; END")
