"""Benchmark of the hub's staff screens at 100,000 sign-ups and 100,000 attendance records,
each against all the SQL that screen sends, measured in the same run.

The hub runs as `kiosk serve` (waitress) on a PostgreSQL database filled with 100,000 sign-ups
(60 % session sign-ups, 25 % call-backs, 15 % volunteer registrations) and 100,000 attendance
records over the past year, then VACUUM ANALYZE (what autovacuum does after a bulk load). wrk
asks for each screen over one keep-alive connection, signed in as a staff member.

The floor is what the screen itself sends: the same hub code in this process renders the screen
once to warm up and once more with every statement its database cursor executes recorded (the
sign-in check, the audit row and its transaction included), and those statements are replayed
as they were, with their parameters, on a plain psycopg2 connection to the same database, each
result fetched. Screen and replay take turns (2 s of wrk, then 40 replays; two rounds). Run
alone with `python -m tests.perf.bench_desk`; `make bench` runs it with the others.
"""
import contextlib
import os
import random
import time
import uuid

import psycopg2

from tests.conftest import ARTIFACTS, Server
from tests.helpers import staff_client, staff_login
from tests.perf import load
from tests.pg import fresh_database
from tests.sync.conftest import bound, prepare_hub

N = 100_000
ROUNDS = 40


def fill(db_url):
    """100,000 sign-ups with realistic names and states, inserted in bulk."""
    from kiosk.hub.desk import queues
    from kiosk.hub.intake.ingest import bulk_insert
    from kiosk.models import Event, HubSignup
    from kiosk.models.catalog import utcnow
    rng = random.Random(8)
    with bound(db_url):
        events = [e.uid for e in Event.select(Event.uid)]
        now = utcnow()
        rows = []
        for i in range(N):
            kind = "event" if i % 20 < 12 else ("callback" if i % 20 < 17 else "volunteer")
            name, phone = f"Name{i} テスト{i % 997}", f"090-{i % 10000:04d}-{rng.randrange(10000):04d}"
            ref = f"{uuid.uuid4().hex[:4].upper()}-{i:04d}"[-9:]
            rows.append(dict(id=str(uuid.uuid4()), device_id="bench", payload_hash="x" * 64, ref_code=ref, kind=kind,
                             service_slug={"event": "machikado-care-cafe", "callback": "gaikokujin-sodan",
                                           "volunteer": "nerries"}[kind],
                             event_uid=rng.choice(events) if kind == "event" else None, language="ja",
                             status="confirmed", reason="", kiosk_created_at=now, received_at=now, arrival=i + 1,
                             adults=1, children=0, name=name, name_kana=None, phone=phone, email=None,
                             age_band=None, preferred_language="tl" if kind == "callback" else None,
                             preferred_time=None, note=None, desk_state=rng.choice(["new", "new", "closed"]),
                             attempts=0, search_text=queues.search_text({"name": name, "phone": phone}, ref)))
            if len(rows) == 2000:
                bulk_insert(HubSignup, rows)
                rows = []
        bulk_insert(HubSignup, rows)
        fill_attendance(rng, now)
        from kiosk.db import database
        # What autovacuum does after a bulk load on a live hub (visibility map, statistics).
        database.execute_sql("VACUUM ANALYZE hub_signup")
        database.execute_sql("VACUUM ANALYZE hub_attendance")


def fill_attendance(rng, now):
    """100,000 host records over the last year: counts by group, check-ins, a few corrections."""
    import datetime

    from kiosk.hub.intake.ingest import bulk_insert
    from kiosk.models import HubAttendance, Service, Site
    services = [s.slug for s in Service.select(Service.slug)]
    sites = [s.slug for s in Site.select(Site.slug)]
    rows = []
    for i in range(N):
        day = (now - datetime.timedelta(days=rng.randrange(365))).date().isoformat()
        kind = "checkin" if i % 5 == 0 else "count"
        rows.append(dict(id=str(uuid.uuid4()), device_id="bench", payload_hash="x" * 64,
                         session_key=f"s-{i % 4000}", service_slug=rng.choice(services), site_slug=rng.choice(sites),
                         session_date=day, kind=kind, grp=None if kind == "checkin" else rng.choice(["adult", "child", "senior"]),
                         delta=-1 if i % 50 == 0 else 1, ref=None, text=None, seq=i,
                         kiosk_created_at=now, received_at=now))
        if len(rows) == 2000:
            bulk_insert(HubAttendance, rows)
            rows = []
    bulk_insert(HubAttendance, rows)


class RecordingCursor:
    """A database cursor that notes every statement and its parameters before running it."""

    def __init__(self, cursor, statements):
        self._cursor, self._statements = cursor, statements

    def execute(self, sql, params=None):
        self._statements.append((sql, params))
        return self._cursor.execute(sql, params)

    def executemany(self, sql, seq):
        seq = list(seq)
        self._statements.extend((sql, params) for params in seq)
        return self._cursor.executemany(sql, seq)

    def __iter__(self):
        return iter(self._cursor)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


@contextlib.contextmanager
def recording(database):
    """Every statement ``database`` (a peewee database) executes meanwhile, in order: peewee
    sends all of them, BEGIN and COMMIT included, through its cursor() method."""
    statements, original = [], database.cursor
    database.cursor = lambda *args, **kwargs: RecordingCursor(original(*args, **kwargs), statements)
    try:
        yield statements
    finally:
        del database.cursor


def screen_sql(db_url, paths):
    """{path: [(sql, params), ...]}: what the hub's own code sends to render each screen once
    (its second rendering in this process, after one to fill the process's caches)."""
    from kiosk import create_app
    from kiosk.db import database
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench"}, role="hub")
    client = staff_login(app.test_client())
    out = {}
    for path in paths:
        assert client.get(path).status_code == 200, path
        with recording(database.obj) as statements:
            assert client.get(path).status_code == 200, path
        out[path] = statements
    database.obj.close_all()
    return out


def replay(con, statements):
    """Run ``statements`` on a psycopg2 connection as they were sent, fetching every result."""
    with con.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            if cur.description:
                cur.fetchall()


def timed(fn, rounds=ROUNDS):
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def summary(statements):
    """The statements in brief: "BEGIN; SELECT … FROM staff_session …; …"."""
    def brief(sql):
        words = sql.split()
        tables = [words[i + 1].strip('"') for i, w in enumerate(words[:-1])
                  if w.upper() in ("FROM", "INTO", "UPDATE") and not words[i + 1].startswith("(")]
        return f"{words[0].lstrip('(')} {tables[0]}" if tables else words[0]
    return "; ".join(brief(sql) for sql, _ in statements)


SCREENS = [
    ("desk queue: call-backs, new, page 1", "/staff/queue/callback?state=new"),
    ("desk queue: call-backs, page 40", "/staff/queue/callback?page=40"),
    ("desk queue: volunteers, search by phone", "/staff/queue/volunteer?q=090-0123"),
]


def main():
    load.wrk_binary()
    with fresh_database() as db_url:
        prepare_hub(db_url)
        t0 = time.perf_counter()
        fill(db_url)
        print(f"filled {N:,} sign-ups and {N:,} attendance records in {time.perf_counter() - t0:.1f} s", flush=True)
        con = psycopg2.connect(db_url)
        con.autocommit = True      # as peewee runs it: its own BEGIN and COMMIT
        with con.cursor() as cur:
            cur.execute("SELECT event_uid, count(*) FROM hub_signup WHERE event_uid IS NOT NULL "
                        "GROUP BY event_uid ORDER BY count(*) DESC LIMIT 1")
            busiest, people = cur.fetchone()
        screens = SCREENS + [
            (f"session page: a session's sign-ups, page 1 of {people}", f"/staff/events/{busiest}"),
            ("overview (sessions of the window, 50 a page)", "/staff/"),
            ("attendance report, this month", f"/staff/reports/?month={time.strftime('%Y-%m')}"),
        ]
        captured = screen_sql(db_url, [path for _, path in screens])
        hub = Server(db_url, role="hub", log_dir=ARTIFACTS).start()
        rows = []
        try:
            client, status = staff_client(hub.url)
            assert status == 303
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            client.close()
            for label, path in screens:
                statements = captured[path]
                line = f"{path}\tCookie: {cookie}"
                load.wrk(hub.url, [line], seconds=1)              # warm up
                timed(lambda: replay(con, statements), 5)
                ms, floor = [], []
                for _ in range(2):
                    ms += load.wrk(hub.url, [line], seconds=2).ms
                    floor += timed(lambda: replay(con, statements))
                print(f"  {label}: {len(statements)} statements: {summary(statements)}")
                rows.append(load.latency_row(f"staff {label}", ms, floor, target_ratio=5, with_p95=True,
                                             floor=f"all its SQL ({len(statements)} statements, replayed)",
                                             target_text="within 5× of all its SQL"))
        finally:
            hub.stop()
            con.close()
    load.emit(rows, f"Staff screens at {N:,} sign-ups and {N:,} attendance records, PostgreSQL (wrk, one "
                    f"connection, 2 rounds of 2 s against {ROUNDS} replays of the screen's SQL; load average "
                    f"{os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
