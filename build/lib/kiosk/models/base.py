"""Base model bound to the shared database proxy, and the kiosk's small key-value state."""
from peewee import CharField, Model, TextField

from ..db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class KioskState(BaseModel):
    """Small named values a site keeps (last sync time, catalog cursor...)."""
    key = CharField(primary_key=True, max_length=64)
    value = TextField()

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return row.value if row else default

    @classmethod
    def set_value(cls, key, value):
        cls.insert(key=key, value=str(value)).on_conflict(
            conflict_target=[cls.key], update={cls.value: str(value)}).execute()
