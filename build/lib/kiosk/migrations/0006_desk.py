"""The ward's desk: work states on requests with their history, staff roles and desks, login
throttling, idle staff sessions, an audit trail and security events (all in the hub database,
so every hub process agrees)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('hub_signup', 'desk_state', CharField(default='new', max_length=16)),
        migrator.add_column('hub_signup', 'owner_id', IntegerField(null=True)),
        migrator.add_column('hub_signup', 'attempts', IntegerField(default=0)),
        migrator.add_column('hub_signup', 'state_changed_at', DateTimeField(null=True)),
        migrator.add_column('hub_signup', 'search_text', TextField(default='')),
        migrator.add_index('hub_signup', ('kind', 'desk_state', 'arrival'), False),
        migrator.add_column('staff_user', 'role', CharField(default='admin', max_length=16)),
        migrator.add_column('staff_user', 'desks', TextField(default='')),
        migrator.add_column('staff_user', 'disabled', BooleanField(default=False)),
        migrator.add_column('staff_session', 'last_seen_at', DateTimeField(null=True)),
        migrator.add_column('device', 'software_version', CharField(default='', max_length=32)),
        migrator.add_column('device', 'protocol_version', IntegerField(default=0)),
    )

    class RequestHistory(Model):
        signup_id = CharField(index=True, max_length=36)
        staff_id = IntegerField(null=True)
        staff_name = CharField(default='', max_length=64)
        action = CharField(max_length=32)
        from_state = CharField(default='', max_length=16)
        to_state = CharField(default='', max_length=16)
        note = TextField(default='')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'request_history'

    class AuditLog(Model):
        at = DateTimeField(index=True)
        staff_id = IntegerField(null=True)
        staff_name = CharField(default='', max_length=64)
        action = CharField(max_length=32)
        target = CharField(default='', max_length=96)
        detail = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_log'

    class SecurityEvent(Model):
        at = DateTimeField(index=True)
        device_id = CharField(default='', max_length=64)
        reason = CharField(max_length=32)
        path = CharField(default='', max_length=128)
        address = CharField(default='', max_length=64)
        class Meta:
            database = db
            table_name = 'security_event'

    class LoginFailure(Model):
        at = DateTimeField(index=True)
        username = CharField(index=True, max_length=64)
        address = CharField(index=True, max_length=64)
        class Meta:
            database = db
            table_name = 'login_failure'
    db.create_tables([RequestHistory, AuditLog, SecurityEvent, LoginFailure])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table('login_failure'), migrator.drop_table('security_event'),
        migrator.drop_table('audit_log'), migrator.drop_table('request_history'),
        migrator.drop_column('staff_session', 'last_seen_at'),
        migrator.drop_column('device', 'protocol_version'), migrator.drop_column('device', 'software_version'),
        migrator.drop_column('staff_user', 'disabled'), migrator.drop_column('staff_user', 'desks'),
        migrator.drop_column('staff_user', 'role'),
        migrator.drop_index('hub_signup', 'hub_signup_kind_desk_state_arrival'),
        migrator.drop_column('hub_signup', 'search_text'),
        migrator.drop_column('hub_signup', 'state_changed_at'), migrator.drop_column('hub_signup', 'attempts'),
        migrator.drop_column('hub_signup', 'owner_id'), migrator.drop_column('hub_signup', 'desk_state'),
    )
