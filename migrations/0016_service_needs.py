"""The needs each service answers (food, money, care for an older person...), so a visitor who has
no word for a program can be led to it by what she needs."""
from peewee import *


def up(migrator, db):
    class Service(Model):
        class Meta:
            database = db
            table_name = 'service'

    class ServiceNeed(Model):
        service = ForeignKeyField(Service, on_delete='CASCADE')
        need = CharField(max_length=32, index=True)
        class Meta:
            database = db
            table_name = 'service_need'
            indexes = ((('service', 'need'), True),)
    db.create_tables([ServiceNeed])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('service_need'))
