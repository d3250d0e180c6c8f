"""What several sync tests share: a small session on the hub, a visitor's sign-up through the
kiosk's form, a hub with a long history, the API document, and a search of a whole database
for a marker (every table, every text column, with a plain driver)."""
import json
import sqlite3

import httpx
import psycopg2

from kiosk.sync.contract import REF_RE
from tests.conftest import ROOT
from tests.helpers import csrf_token

# The sync API as the repository documents it.
SPEC = json.loads((ROOT / "kiosk" / "sync" / "openapi.json").read_text())


def small_event(hub, capacity):
    """A session on the hub with ``capacity`` seats, none taken; its uid."""
    uid, _ = hub.event_with_seats()
    hub.query("UPDATE event SET capacity = %s, seats_taken = 0 WHERE uid = %s", (capacity, uid))
    return uid


def signup_by_form(base, uid, name, phone):
    """A visitor signs up for the session ``uid`` through the kiosk's English form; the
    reference code its confirmation shows."""
    with httpx.Client(base_url=base) as c:
        page = c.get(f"/en/signup/event/{uid}").text
        r = c.post(f"/en/signup/event/{uid}", data={"csrf_token": csrf_token(page), "name": name, "phone": phone,
                                                    "age_band": "65-74", "consent": "y"})
        assert r.status_code == 303, r.text
        done = c.get("/en/signup/done").text
        return REF_RE.search(done).group()


HISTORY = 100_000


def add_history(hub):
    """A ward's long past on a PostgreSQL hub: 100 sessions that ended 60 days ago with
    ``HISTORY`` sign-ups, each with its feed entries (a tenth with a later status change)."""
    hub.query("""
        INSERT INTO event (uid, service_id, site_id, starts_at, ends_at, capacity, seats_taken, cancelled,
                           change_reason)
        SELECT 'past-' || i, (SELECT min(id) FROM service), (SELECT min(id) FROM site),
               now() - interval '60 days', now() - interval '60 days' + interval '2 hours', 2000, 1000, false, ''
        FROM generate_series(0, 99) AS i""")
    hub.query("INSERT INTO feed (kind, key, deleted, created_at) "
              "SELECT 'event', uid, false, now() FROM event WHERE uid LIKE 'past-%%'")
    hub.query(f"""
        INSERT INTO hub_signup (id, device_id, payload_hash, ref_code, kind, service_slug, event_uid, language,
                                status, reason, kiosk_created_at, received_at, arrival, adults, children,
                                desk_state, attempts, search_text)
        SELECT md5(i::text)::uuid::text, 'dev-history', md5(i::text), 'HIST-' || lpad(i::text, 6, '0'),
               'event', 'machikado-care-cafe', 'past-' || mod(i, 100), 'ja', 'confirmed', '',
               now() - interval '61 days', now() - interval '61 days', 1000000 + i, 1, 0, 'new', 0, ''
        FROM generate_series(1, {HISTORY}) AS i""")
    # Each sign-up's status entry, and a second one for a tenth of them (a later status change).
    hub.query("INSERT INTO feed (kind, key, deleted, created_at) "
              "SELECT 'status', id, false, now() FROM hub_signup WHERE device_id = 'dev-history' ORDER BY arrival")
    hub.query("INSERT INTO feed (kind, key, deleted, created_at) SELECT 'status', id, false, now() "
              "FROM hub_signup WHERE device_id = 'dev-history' AND mod(arrival, 10) = 0")


def text_columns(db_url):
    """(table, column) of every text column of a database, from its own catalog."""
    if db_url.startswith("sqlite:///"):
        con = sqlite3.connect(db_url[len("sqlite:///"):])
        try:
            tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            # SQLite stores any value in any column: every column of every table is searched.
            return [(t, c[1]) for t in tables for c in con.execute(f'PRAGMA table_info("{t}")')]
        finally:
            con.close()
    con = psycopg2.connect(db_url)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character')")
            return cur.fetchall()
    finally:
        con.close()


def hits(db_url, needle, exact=False):
    """[(table, column, rows)] where ``needle`` occurs in a text column (or, ``exact``, is its
    whole value): every table, every row, with a plain driver."""
    found = []
    sqlite = db_url.startswith("sqlite:///")
    con = sqlite3.connect(db_url[len("sqlite:///"):]) if sqlite else psycopg2.connect(db_url)
    try:
        cur = con.cursor()
        for table, column in text_columns(db_url):
            if sqlite:
                test = f'CAST("{column}" AS TEXT) = ?' if exact else f'instr(CAST("{column}" AS TEXT), ?) > 0'
            else:
                test = f'"{column}" = %s' if exact else f'strpos("{column}", %s) > 0'
            cur.execute(f'SELECT count(*) FROM "{table}" WHERE {test}', (needle,))
            n = cur.fetchone()[0]
            if n:
                found.append((table, column, n))
    finally:
        con.close()
    return found
