"""Catalog tables (HSDS-shaped), translation rows, kiosk state, and the search index."""
import datetime

from peewee import (BooleanField, CharField, DateTimeField, FloatField, ForeignKeyField,
                    IntegerField, Model, SqliteDatabase, TextField)


def up(migrator, db):
    # Frozen copies of the models as they were at this migration, independent of kiosk.models.
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class KioskState(Base):
        key = CharField(primary_key=True, max_length=64)
        value = TextField()

    class Organization(Base):
        slug = CharField(unique=True, max_length=64)
        url = CharField(default="")

    class Site(Base):
        slug = CharField(unique=True, max_length=64)
        kind = CharField(max_length=16)
        area = CharField(max_length=32, index=True)
        postal_code = CharField(default="", max_length=16)
        phone = CharField(default="", max_length=32)
        latitude = FloatField(null=True)
        longitude = FloatField(null=True)

    class Service(Base):
        slug = CharField(unique=True, max_length=96)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        category = CharField(max_length=32, index=True)
        free = BooleanField(default=True)
        phone = CharField(default="", max_length=32)
        email = CharField(default="", max_length=128)
        url = CharField(default="", max_length=255)
        active = BooleanField(default=True)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

    class ServiceAudience(Base):
        service = ForeignKeyField(Service, on_delete="CASCADE")
        audience = CharField(max_length=32, index=True)

        class Meta:
            indexes = ((("service", "audience"), True),)

    class ServiceLanguage(Base):
        service = ForeignKeyField(Service, on_delete="CASCADE")
        language = CharField(max_length=16)

        class Meta:
            indexes = ((("service", "language"), True),)

    class ServiceSite(Base):
        service = ForeignKeyField(Service, on_delete="CASCADE")
        site = ForeignKeyField(Site, on_delete="CASCADE")

        class Meta:
            indexes = ((("service", "site"), True),)

    class Event(Base):
        uid = CharField(unique=True, max_length=36)
        service = ForeignKeyField(Service, on_delete="CASCADE")
        site = ForeignKeyField(Site, on_delete="CASCADE")
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        capacity = IntegerField(default=0)
        seats_taken = IntegerField(default=0)
        cancelled = BooleanField(default=False)

    class Translation(Base):
        owner = CharField(max_length=16)
        owner_id = IntegerField()
        field = CharField(max_length=32)
        language = CharField(max_length=16)
        text = TextField()

        class Meta:
            indexes = ((("owner", "owner_id", "field", "language"), True),)

    db.create_tables([KioskState, Organization, Site, Service, ServiceAudience, ServiceLanguage,
                      ServiceSite, Event, Translation])

    if isinstance(db, SqliteDatabase):
        # Search index of pre-tokenised terms (see kiosk/search/terms.py): unicode61 only splits
        # on the spaces we put between unigrams, bigrams, words and romaji.
        db.execute_sql(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "service_id UNINDEXED, language UNINDEXED, head UNINDEXED, name, body, "
            "tokenize = 'unicode61 remove_diacritics 2')")
        # ORDER BY rank: bm25 with a name hit worth ten body hits.
        db.execute_sql("INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(0, 0, 0, 10.0, 1.0)')")
