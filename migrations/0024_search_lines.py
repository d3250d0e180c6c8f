"""A ranked search row no longer looks up its row of search_row (kiosk/search/index.py).

Ranking the candidates of a query read each one's service, language and folded names from
search_row, whose rows hold their whole text: a page read per row, which cost more than the row's
bm25. A row's service and language are now its rowid (the service's id times 64 plus a slot fixed
per language), and whether the query is one of its names or search words, or starts its name, is
read once per query from search_line (each folded name, search word and official name of each row,
with the row it belongs to), by the line. The rows are written again when the kiosk starts (the
index version is cleared here)."""
from peewee import *


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql("CREATE TABLE search_line (line TEXT NOT NULL, row INTEGER NOT NULL, "
                   "first INTEGER NOT NULL, PRIMARY KEY (line, row)) WITHOUT ROWID")
    db.execute_sql("CREATE INDEX search_line_row ON search_line (row)")
    db.execute_sql("DELETE FROM kiosk_state WHERE key = 'search_index_version'")


def down(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql("DROP TABLE IF EXISTS search_line")
    db.execute_sql("DELETE FROM kiosk_state WHERE key = 'search_index_version'")
