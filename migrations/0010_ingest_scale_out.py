"""Ingest that scales out across hub processes: arrival numbers from a database sequence (on
PostgreSQL), and the confirmed seats of a session counted through an index on (event_uid,
status), which also serves every lookup by session: the index on event_uid alone goes."""


from peewee import PostgresqlDatabase


def up(migrator, db):
    migrator.migrate(migrator.add_index('hub_signup', ('event_uid', 'status'), False),
                     migrator.drop_index('hub_signup', 'hubsignup_event_uid'))
    # The overview's "needs attention" list: the few sign-ups for a cancelled or unknown session,
    # newest first, without scanning every sign-up.
    db.execute_sql("CREATE INDEX IF NOT EXISTS hub_signup_attention ON hub_signup (arrival) "
                   "WHERE reason IN ('event_cancelled', 'unknown_event')")
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql('CREATE SEQUENCE IF NOT EXISTS hub_arrival_seq')
        db.execute_sql("SELECT setval('hub_arrival_seq', COALESCE((SELECT MAX(arrival) FROM hub_signup), 0) + 1, false)")
