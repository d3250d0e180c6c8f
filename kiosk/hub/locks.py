"""The hub's writers and their locks, for every hub process on one database.

Every writer takes ALL: ingest (kiosks' batches) shared, everything else (staff actions,
catalog publishing, schedules, compaction, visitors' cancellations) exclusively. Ingest also
takes its device and its sessions, and writes its feed entries last under FEED, so a kiosk's
cursor never skips an entry. SQLite has one writer at a time anyway: there the transaction is
the lock.
"""
import contextlib
import zlib

from ..db import database, is_sqlite

# PostgreSQL advisory lock keys. Every writer takes ALL: ingest shared, everything else
# (staff actions, catalog, schedules, compaction, visitors' cancellations) exclusively.
_ALL_KEY = 7274_0001
_FEED_KEY = 7274_0002
_EVENT_CLASS, _DEVICE_CLASS = 7274, 7275     # two-int keys: (class, crc32 of the uid)


@contextlib.contextmanager
def write_lock():
    """One writer at a time, across every hub process, for the rare writes: staff actions,
    catalog publishing, schedules, compaction and batches holding visitors' cancellations.

    SQLite: the IMMEDIATE transaction is the lock. PostgreSQL: a transaction-scoped advisory
    lock that ingest holds shared, so it waits for every ingest in flight and stops new ones.
    """
    with database.atomic() as txn:
        if not is_sqlite():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ALL_KEY,))
        yield txn


def _key(text):
    return zlib.crc32(str(text).encode()) - 2 ** 31      # into int4


@contextlib.contextmanager
def ingest_lock(device_id, event_uids):
    """The narrow locks of a batch of sign-ups and attendance (PostgreSQL; SQLite has one writer).

    ALL shared (no rare writer meanwhile), the sending device (a retry that overtakes its
    first attempt is answered "duplicate", not stored twice) and each session the batch signs
    up for, in one sorted order so two batches never wait on each other in a circle. Arrival
    numbers are drawn after these locks, so for every session they follow the order in which
    its seats were decided. Feed entries are written last, under feed_lock.
    """
    with database.atomic() as txn:
        if not is_sqlite():
            database.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (_ALL_KEY,))
            database.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (_DEVICE_CLASS, _key(device_id)))
            keys = sorted({_key(uid) for uid in event_uids})
            if keys:
                database.execute_sql("SELECT count(pg_advisory_xact_lock(%s, k)) FROM unnest(%s::int[]) AS k",
                                     (_EVENT_CLASS, keys))
        yield txn


def feed_lock():
    """Taken just before a batch writes its feed entries, held until it commits: entries become
    visible in sequence order, so a kiosk's cursor never skips one (kiosk.models.Feed)."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_FEED_KEY,))
