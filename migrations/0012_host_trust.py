"""Host mode worth its PIN: host sessions held in the kiosk's database (the browser keeps only a
random token), the host PIN lockouts a kiosk records, and on the hub the lockouts each kiosk
reports for the fleet view.

Date defaults live in kiosk.models.attendance."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('device', 'pin_lockouts', IntegerField(default=0)),
        migrator.add_column('device', 'pin_lockout_at', DateTimeField(null=True)),
    )

    class HostSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        boot = CharField(max_length=32)
        created_at = DateTimeField()
        last_used_at = DateTimeField()
        ended_at = DateTimeField(null=True, index=True)
        ended_by = CharField(default='', max_length=16)
        class Meta:
            database = db
            table_name = 'host_session'

    class HostPinLockout(Model):
        at = DateTimeField(index=True)
        seconds = IntegerField()
        class Meta:
            database = db
            table_name = 'host_pin_lockout'
    db.create_tables([HostSession, HostPinLockout])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table('host_pin_lockout'), migrator.drop_table('host_session'),
        migrator.drop_column('device', 'pin_lockout_at'), migrator.drop_column('device', 'pin_lockouts'),
    )
