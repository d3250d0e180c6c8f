"""A dated session remembers when staff last cancelled or moved it, so restoring an older version
of a service can list (and, if staff ask, undo) the date changes made since that version."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('event', 'changed_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('event', 'changed_at'))
