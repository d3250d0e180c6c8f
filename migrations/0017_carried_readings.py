"""A Japanese catalog text keeps its furigana beside it: the hub reads it when it publishes (with
its dictionary and the staff's corrections), and a kiosk shows that reading rather than its own."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('translation', 'reading', TextField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('translation', 'reading'))
