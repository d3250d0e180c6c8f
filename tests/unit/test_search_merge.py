"""The search index is read from one segment a table (kiosk/search/index.py, merge_index): a full
reindex ends merged; services reindexed one by one, as the feed does, leave segments that the
sync loop's merge folds into one once enough have changed, in steps within its time, and the
searches find the same after it."""
from kiosk.db import database
from kiosk.models import Service
from kiosk.search import index
from tests import relevance

TABLES = (index.NAMES, index.FULL)


def segments_to_merge(table):
    """Whether a merge of everything would find work in ``table`` (tried, then rolled back)."""
    with database.atomic() as transaction:
        worked = index.merge_step(table, 16)
        transaction.rollback()
    return worked


def answers():
    return [index.search_ids(q["q"], q["lang"]) for q in relevance.queries()[::7]]


def reindex_one_by_one(count):
    ids = [sid for (sid,) in Service.select(Service.id).order_by(Service.id).limit(count).tuples()]
    for sid in ids:
        index.reindex([sid])
    return len(ids)


def test_a_full_reindex_ends_merged(db_conn):
    index.reindex()
    assert not any(segments_to_merge(table) for table in TABLES)


def test_services_reindexed_by_the_feed_are_merged_once_enough_changed(db_conn, monkeypatch):
    monkeypatch.setattr(index, "_unmerged", 0)
    monkeypatch.setattr(index, "_short_of", 0)
    before = answers()
    changed = reindex_one_by_one(30)
    assert all(segments_to_merge(table) for table in TABLES)
    # Fewer than asked for: left as they are.
    assert index.merge_index(after=changed + 1) is True
    assert all(segments_to_merge(table) for table in TABLES)
    assert index.merge_index(after=changed) is True
    assert not any(segments_to_merge(table) for table in TABLES)
    assert answers() == before
    # Merged: nothing more to do until services change again.
    assert index._unmerged == 0
    for table in TABLES:
        database.execute_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


def test_a_merge_out_of_time_goes_on_at_the_next_round(db_conn, monkeypatch):
    monkeypatch.setattr(index, "_unmerged", 0)
    monkeypatch.setattr(index, "_short_of", 0)
    monkeypatch.setattr(index, "MERGE_PAGES", 2)    # small steps, so one is never the whole merge
    changed = reindex_one_by_one(30)
    assert index.merge_index(seconds=0, after=changed) is False
    assert index._unmerged == changed
    assert index.merge_index(after=changed) is True
    assert not any(segments_to_merge(table) for table in TABLES)
