"""What residents look for, as counts: a kiosk's counts per day (demand_count), and on the hub
each kiosk's day exactly once (hub_demand_day) with its counts (hub_demand_count)."""
from peewee import *


def up(migrator, db):
    class DemandCount(Model):
        day = CharField(max_length=10)
        kind = CharField(max_length=16)
        language = CharField(max_length=16)
        key = CharField(max_length=64)
        n = IntegerField(default=0)

        class Meta:
            database = db
            table_name = 'demand_count'
            primary_key = CompositeKey('day', 'kind', 'language', 'key')

    class HubDemandDay(Model):
        id = CharField(primary_key=True, max_length=36)
        device_id = CharField(max_length=36, index=True)
        site_slug = CharField(max_length=64, default='')
        day = CharField(max_length=10)
        payload_hash = CharField(max_length=64)
        received_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'hub_demand_day'

    class HubDemandCount(Model):
        demand_day = ForeignKeyField(HubDemandDay, on_delete='CASCADE', index=True)
        site_slug = CharField(max_length=64)
        day = CharField(max_length=10)
        week = CharField(max_length=10)
        month = CharField(max_length=7, index=True)
        kind = CharField(max_length=16)
        language = CharField(max_length=16)
        key = CharField(max_length=64)
        n = IntegerField()

        class Meta:
            database = db
            table_name = 'hub_demand_count'
            indexes = ((('month', 'kind'), False),)
    db.create_tables([DemandCount, HubDemandDay, HubDemandCount])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('hub_demand_count'), migrator.drop_table('hub_demand_day'),
                     migrator.drop_table('demand_count'))
