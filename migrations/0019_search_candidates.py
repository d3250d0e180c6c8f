"""Search whose cost does not follow the catalog (kiosk/search/index.py).

The index's text moves to a plain table, search_row (one row per service and language: its
service, language, folded names, language token and index terms), indexed twice by FTS5 as
external content: search_names (names and search words only) and search_fts (names and
descriptions), both with prefix indexes for one and two characters, so a word being typed ("s",
"ka") reads one list instead of merging the lists of every word that starts with it. A row's
service and language are read from the plain table, never through FTS5 (which would load the
row's whole text for them). The words a typo may stand for move from search_vocab (fts5vocab
counts every word's documents to list them) to a plain table, search_word. The rows are written
again when the kiosk starts (the index version is cleared here)."""
from peewee import *

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2'"


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql("DROP TABLE IF EXISTS search_vocab")
    db.execute_sql("DROP TABLE IF EXISTS search_fts")
    # Small columns first: reading a row's service and head stops before its long text.
    db.execute_sql("CREATE TABLE search_row (rowid INTEGER PRIMARY KEY, service_id INTEGER NOT NULL, "
                   "language TEXT NOT NULL, head TEXT NOT NULL, lang TEXT NOT NULL, name TEXT NOT NULL, "
                   "body TEXT NOT NULL)")
    db.execute_sql("CREATE VIRTUAL TABLE search_names USING fts5(name, lang, content = 'search_row', "
                   f"content_rowid = 'rowid', {TOKENIZE})")
    db.execute_sql("CREATE VIRTUAL TABLE search_fts USING fts5(name, body, lang, content = 'search_row', "
                   f"content_rowid = 'rowid', {TOKENIZE})")
    db.execute_sql("CREATE TABLE search_word (term TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute_sql("DELETE FROM kiosk_state WHERE key = 'search_index_version'")
