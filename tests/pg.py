"""The real PostgreSQL at 127.0.0.1:5432 (trust auth): a fresh database per test, dropped after.

If PostgreSQL is unreachable the test fails loudly; it never skips.
"""
import contextlib
import uuid

import psycopg2
import pytest

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def url_of(name):
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


@contextlib.contextmanager
def fresh_database(template=None):
    """Yield a postgresql:// URL of a new database (empty, or a copy of ``template``)."""
    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(PG_DSN, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is unreachable: {exc}", pytrace=False)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield url_of(name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
