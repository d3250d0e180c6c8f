"""A kiosk keeps more than one batch in flight: the hub notes how far each kiosk's outbox is
stored, so a batch that overtakes the one before it waits for it (kiosk.hub.intake.ingest)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('device', 'outbox_seq', BigIntegerField(default=0)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('device', 'outbox_seq'))
