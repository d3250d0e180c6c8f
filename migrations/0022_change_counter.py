"""A count of the writes a kiosk's pages may show (change_counter, one row): on SQLite, triggers
on every table but the ones no page shows add one to it (kiosk.db.watch_changes, run after every
migration). The page replay (kiosk.web.replay) reads it, so that the counts of what residents look
for, written every second, no longer throw away every stored answer."""
from peewee import *


def up(migrator, db):
    class ChangeCounter(Model):
        id = IntegerField(primary_key=True)
        n = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = 'change_counter'
    db.create_tables([ChangeCounter])
    ChangeCounter.insert(id=1, n=0).execute()


def down(migrator, db):
    from kiosk.db import unwatch_changes
    unwatch_changes(db)
    migrator.migrate(migrator.drop_table('change_counter'))
