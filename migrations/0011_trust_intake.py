"""Trusting each kiosk only as far as its role.

- security_event.count: repeats of one refusal from one address within a minute add to one row
  (a flood of refused requests no longer pushes real events off the staff screen).
- signup_status.ref_hash (kiosk): other sites' sign-ups arrive from the hub's feed with a hash of
  their reference code instead of the code; the status look-up hashes what the visitor typed.
- hub_cancel (ref_code, outcome): the hub counts wrong digits per reference code before each
  cancellation; with this index that count reads only the few failed ones, not every attempt.

Device secrets: new kiosks' signing keys are derived from the hub's DEVICE_KEY (or SECRET_KEY)
and the device id, so the device row stores none (kiosk.hub.intake.auth.device_key). A kiosk enrolled
before keeps its stored secret (it is the key the kiosk signs with, and no migration can change
what the kiosk holds); re-enrol it with a new code to leave no secret in the database.
"""
from peewee import CharField, IntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('security_event', 'count', IntegerField(default=1)),
        migrator.add_column('signup_status', 'ref_hash', CharField(default='', max_length=64)),
        migrator.add_index('signup_status', ('ref_hash',), False),
        migrator.add_index('hub_cancel', ('ref_code', 'outcome'), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('hub_cancel', 'hub_cancel_ref_code_outcome'),
        migrator.drop_index('signup_status', 'signup_status_ref_hash'),
        migrator.drop_column('signup_status', 'ref_hash'),
        migrator.drop_column('security_event', 'count'),
    )
