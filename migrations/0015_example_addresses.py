"""A place can be marked as having an example address (the demo's invented plazas and cafés), so
the kiosk labels it and nobody sets out for a street number that is not there."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('site', 'example_address', BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('site', 'example_address'))
