"""Party size on sign-ups (adults and children, counted against capacity) and visitors'
cancellations (a record of their own, on the kiosk and on the hub)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('signup', 'adults', IntegerField(default=1)),
        migrator.add_column('signup', 'children', IntegerField(default=0)),
        migrator.add_column('hub_signup', 'adults', IntegerField(default=1)),
        migrator.add_column('hub_signup', 'children', IntegerField(default=0)),
    )

    class Cancellation(Model):
        id = CharField(primary_key=True, max_length=36)
        ref_code = CharField(index=True, max_length=16)
        phone_last4 = CharField(max_length=4)
        outcome = CharField(default='sent', max_length=16)
        created_at = DateTimeField()
        acked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'cancellation'

    class HubCancel(Model):
        id = CharField(primary_key=True, max_length=36)
        device_id = CharField(max_length=36, index=True)
        payload_hash = CharField(max_length=64)
        ref_code = CharField(index=True, max_length=16)
        phone_last4 = CharField(max_length=4)
        kiosk_created_at = DateTimeField()
        received_at = DateTimeField()
        applied_at = DateTimeField(null=True, index=True)
        outcome = CharField(default='pending', max_length=16)
        class Meta:
            database = db
            table_name = 'hub_cancel'
    db.create_tables([Cancellation, HubCancel])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table('hub_cancel'), migrator.drop_table('cancellation'),
        migrator.drop_column('hub_signup', 'children'), migrator.drop_column('hub_signup', 'adults'),
        migrator.drop_column('signup', 'children'), migrator.drop_column('signup', 'adults'),
    )
