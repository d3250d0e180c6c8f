"""Robust sync: held outbox entries, one-time form submissions, the kiosk's reported failures."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('outbox', 'held_at', DateTimeField(null=True)),
        migrator.add_column('signup', 'submission_id', CharField(null=True, max_length=36)),
        migrator.add_index('signup', ('submission_id',), True),
        migrator.add_column('device', 'held_reported', IntegerField(default=0)),
        migrator.add_column('device', 'sync_error', CharField(default='', max_length=64)),
        migrator.add_column('device', 'sync_error_since', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('device', 'sync_error_since'),
        migrator.drop_column('device', 'sync_error'),
        migrator.drop_column('device', 'held_reported'),
        migrator.drop_index('signup', 'signup_submission_id'),
        migrator.drop_column('signup', 'submission_id'),
        migrator.drop_column('outbox', 'held_at'),
    )
