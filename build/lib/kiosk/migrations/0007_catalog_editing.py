"""The ward keeps its catalog: recurrence rules (HSDS schedules) expanded into dated sessions,
drafts and published versions with history, an official Japanese name, translation dates for
the "needs review" mark, and why a session was cancelled or moved."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('service', 'official_name', CharField(default='', max_length=255)),
        migrator.add_column('translation', 'updated_at', DateTimeField(null=True)),
        migrator.add_column('event', 'schedule_uid', CharField(null=True, max_length=36)),
        migrator.add_column('event', 'change_reason', CharField(default='', max_length=32)),
        migrator.add_column('event', 'moved_from', DateTimeField(null=True)),
        migrator.add_index('event', ('schedule_uid',), False),
    )

    class Schedule(Model):
        uid = CharField(unique=True, max_length=36)
        service_id = IntegerField(index=True)
        site_id = IntegerField()
        freq = CharField(default='', max_length=8)
        interval = IntegerField(default=1)
        byday = CharField(default='', max_length=64)
        bymonthday = CharField(default='', max_length=64)
        opens_at = CharField(max_length=5)
        closes_at = CharField(max_length=5)
        valid_from = DateField()
        valid_to = DateField(null=True)
        capacity = IntegerField(default=0)
        skip_holidays = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'schedule'

    class CatalogDraft(Model):
        kind = CharField(max_length=16)
        key = CharField(max_length=96)
        data = TextField()
        base_version = IntegerField(default=0)
        updated_by = CharField(default='', max_length=64)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'catalog_draft'
            indexes = ((('kind', 'key'), True),)

    class CatalogVersion(Model):
        kind = CharField(max_length=16)
        key = CharField(max_length=96)
        version = IntegerField()
        data = TextField()
        published_by = CharField(default='', max_length=64)
        published_at = DateTimeField()
        note = CharField(default='', max_length=255)
        class Meta:
            database = db
            table_name = 'catalog_version'
            indexes = ((('kind', 'key', 'version'), True),)

    db.create_tables([Schedule, CatalogDraft, CatalogVersion])
