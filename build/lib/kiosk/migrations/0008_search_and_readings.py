"""Search and reading: the search index's vocabulary as a table (FTS5's fts5vocab, for one-letter
typo matching), and staff corrections of furigana readings (carried to kiosks by the feed)."""
from peewee import *


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")

    class ReadingCorrection(Model):
        surface = CharField(unique=True, max_length=64)
        reading = CharField(max_length=128)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'reading_correction'

    db.create_tables([ReadingCorrection])
