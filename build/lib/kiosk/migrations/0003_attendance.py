"""Attendance records (kiosk and hub) and failed host PIN attempts.

Date defaults live in kiosk.models.attendance."""
from peewee import *


def up(migrator, db):
    class Attendance(Model):
        id = CharField(primary_key=True, max_length=36)
        session_key = CharField(index=True, max_length=36)
        service_slug = CharField(max_length=96)
        site_slug = CharField(max_length=64)
        session_date = CharField(max_length=10)
        kind = CharField(max_length=16)
        grp = CharField(null=True, max_length=32)
        delta = IntegerField(default=0)
        ref = CharField(null=True, max_length=16)
        text = TextField(null=True)
        seq = IntegerField()
        created_at = DateTimeField()
        acked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'attendance'
    db.create_tables([Attendance])

    class HostPinAttempt(Model):
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'host_pin_attempt'
    db.create_tables([HostPinAttempt])

    class HubAttendance(Model):
        id = CharField(primary_key=True, max_length=36)
        device_id = CharField(index=True, max_length=36)
        payload_hash = CharField(max_length=64)
        session_key = CharField(index=True, max_length=36)
        service_slug = CharField(index=True, max_length=96)
        site_slug = CharField(index=True, max_length=64)
        session_date = CharField(index=True, max_length=10)
        kind = CharField(max_length=16)
        grp = CharField(null=True, max_length=32)
        delta = IntegerField(default=0)
        ref = CharField(null=True, max_length=16)
        text = TextField(null=True)
        seq = IntegerField()
        kiosk_created_at = DateTimeField()
        received_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'hub_attendance'
    db.create_tables([HubAttendance])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('hub_attendance'))
    migrator.migrate(migrator.drop_table('host_pin_attempt'))
    migrator.migrate(migrator.drop_table('attendance'))
