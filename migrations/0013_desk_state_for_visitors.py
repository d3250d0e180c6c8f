"""A visitor's status pages follow the ward's desk: each kiosk keeps the desk state of the
sign-ups it can look up (called back, could not reach, closed...), from the feed."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('signup_status', 'desk_state', CharField(default='', max_length=16)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('signup_status', 'desk_state'))
