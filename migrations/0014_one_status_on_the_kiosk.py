"""A kiosk keeps one status per sign-up: its own sign-ups' status moves from the signup table
into signup_status, where every other sign-up's already is (kiosk.site.sync.statuses)."""
from peewee import *


def up(migrator, db):
    db.execute_sql(
        "INSERT INTO signup_status (record_id, ref_code, ref_hash, event_uid, service_slug, status, reason, "
        "desk_state, updated_at) "
        "SELECT id, ref_code, '', event_uid, service_slug, status, status_reason, '', created_at FROM signup "
        "WHERE id NOT IN (SELECT record_id FROM signup_status)")
    migrator.migrate(
        migrator.drop_column('signup', 'status'),
        migrator.drop_column('signup', 'status_reason'),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.add_column('signup', 'status', CharField(default='provisional', max_length=16)),
        migrator.add_column('signup', 'status_reason', CharField(default='', max_length=64)),
    )
    db.execute_sql("UPDATE signup SET status = (SELECT s.status FROM signup_status s WHERE s.record_id = signup.id), "
                   "status_reason = (SELECT s.reason FROM signup_status s WHERE s.record_id = signup.id) "
                   "WHERE id IN (SELECT record_id FROM signup_status)")
