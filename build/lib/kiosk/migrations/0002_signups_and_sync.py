"""Sign-ups and outbox (kiosk); devices, nonces, hub sign-ups, rejected records, feed, staff (hub).

Date defaults live in the models (kiosk.models.signups, kiosk.models.hub)."""
from peewee import *


def up(migrator, db):
    class Device(Model):
        device_id = CharField(unique=True, max_length=36)
        name = CharField(max_length=128)
        site_slug = CharField(max_length=64, default='')
        secret = CharField(max_length=128)
        enrolled_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        last_seen_at = DateTimeField(null=True)
        pending_reported = IntegerField(default=0)
        clock_skew_seconds = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'device'
    db.create_tables([Device])

    class EnrollmentCode(Model):
        code_hash = CharField(unique=True, max_length=128)
        site_slug = CharField(max_length=64, default='')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        device = ForeignKeyField(Device, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'enrollment_code'
    db.create_tables([EnrollmentCode])

    class Feed(Model):
        seq = BigAutoField()
        kind = CharField(max_length=16)
        key = CharField(max_length=96)
        deleted = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'feed'
    db.create_tables([Feed])

    class HubSignup(Model):
        id = CharField(primary_key=True, max_length=36)
        device_id = CharField(index=True, max_length=36)
        payload_hash = CharField(max_length=64)
        ref_code = CharField(index=True, max_length=16)
        kind = CharField(max_length=16)
        service_slug = CharField(index=True, max_length=96)
        event_uid = CharField(index=True, null=True, max_length=36)
        language = CharField(max_length=16)
        status = CharField(max_length=16)
        reason = CharField(max_length=64, default='')
        kiosk_created_at = DateTimeField()
        received_at = DateTimeField()
        arrival = BigIntegerField(index=True)
        name = TextField(null=True)
        name_kana = TextField(null=True)
        phone = CharField(null=True, max_length=32)
        email = CharField(null=True, max_length=254)
        age_band = CharField(null=True, max_length=16)
        preferred_language = CharField(null=True, max_length=16)
        preferred_time = CharField(null=True, max_length=16)
        note = TextField(null=True)
        class Meta:
            database = db
            table_name = 'hub_signup'
    db.create_tables([HubSignup])

    class Outbox(Model):
        seq = AutoField()
        record_id = CharField(unique=True, max_length=36)
        kind = CharField(max_length=16)
        payload = TextField()
        created_at = DateTimeField()
        attempts = IntegerField(default=0)
        last_error = CharField(default='')
        class Meta:
            database = db
            table_name = 'outbox'
    db.create_tables([Outbox])

    class RejectedRecord(Model):
        record_id = CharField(index=True, max_length=64)
        device_id = CharField(max_length=36)
        reason = CharField(max_length=64)
        detail = TextField(default='')
        payload = TextField()
        received_at = DateTimeField()
        resolved = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'rejected_record'
    db.create_tables([RejectedRecord])

    class SeenNonce(Model):
        device_id = CharField(max_length=36)
        nonce = CharField(max_length=64)
        seen_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'seen_nonce'
            indexes = ((('device_id', 'nonce'), True),)
    db.create_tables([SeenNonce])

    class Signup(Model):
        id = CharField(primary_key=True, max_length=36)
        ref_code = CharField(unique=True, max_length=16)
        kind = CharField(max_length=16)
        service_slug = CharField(max_length=96)
        event_uid = CharField(index=True, null=True, max_length=36)
        language = CharField(max_length=16)
        status = CharField(max_length=16, default='provisional')
        status_reason = CharField(max_length=64, default='')
        created_at = DateTimeField()
        acked_at = DateTimeField(index=True, null=True)
        purged_at = DateTimeField(null=True)
        name = TextField(null=True)
        name_kana = TextField(null=True)
        phone = CharField(null=True, max_length=32)
        email = CharField(null=True, max_length=254)
        age_band = CharField(null=True, max_length=16)
        preferred_language = CharField(null=True, max_length=16)
        preferred_time = CharField(null=True, max_length=16)
        note = TextField(null=True)
        class Meta:
            database = db
            table_name = 'signup'
    db.create_tables([Signup])

    class SignupStatus(Model):
        record_id = CharField(primary_key=True, max_length=36)
        ref_code = CharField(index=True, max_length=16)
        event_uid = CharField(null=True, max_length=36)
        service_slug = CharField(max_length=96)
        status = CharField(max_length=16)
        reason = CharField(max_length=64, default='')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'signup_status'
    db.create_tables([SignupStatus])

    class StaffUser(Model):
        username = CharField(unique=True, max_length=64)
        password_hash = CharField()
        display_name = CharField(max_length=128, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'staff_user'
    db.create_tables([StaffUser])

    class StaffSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        user = ForeignKeyField(StaffUser, on_delete='CASCADE')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'staff_session'
    db.create_tables([StaffSession])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('staff_session'))
    migrator.migrate(migrator.drop_table('staff_user'))
    migrator.migrate(migrator.drop_table('signup_status'))
    migrator.migrate(migrator.drop_table('signup'))
    migrator.migrate(migrator.drop_table('seen_nonce'))
    migrator.migrate(migrator.drop_table('rejected_record'))
    migrator.migrate(migrator.drop_table('outbox'))
    migrator.migrate(migrator.drop_table('hub_signup'))
    migrator.migrate(migrator.drop_table('feed'))
    migrator.migrate(migrator.drop_table('enrollment_code'))
    migrator.migrate(migrator.drop_table('device'))
