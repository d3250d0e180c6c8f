"""Benchmark of the hub's staff screens at 100,000 sign-ups and 100,000 attendance records
(issues 8 and 13), each against its floor in the same run: the screen's own bounded SELECT run
straight on PostgreSQL (no HTTP, no Flask, no template).

The hub runs as `kiosk serve` (waitress) on a PostgreSQL database filled with 100,000 sign-ups
(60 % session sign-ups, 25 % call-backs, 15 % volunteer registrations) and 100,000 attendance
records over the past year. Each screen is asked for 40 times after a warm-up; the medians are
compared. Run with `make bench`.
"""
import random
import statistics
import time
import uuid

import httpx
import psycopg2

from tests.conftest import ARTIFACTS, Server
from tests.helpers import staff_client
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


def timed(fn):
    samples = []
    for _ in range(5):
        fn()
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


SCREENS = [
    ("call-back queue, new, page 1", "/staff/queue/callback?state=new",
     "SELECT * FROM hub_signup WHERE kind = 'callback' AND desk_state = 'new' ORDER BY arrival DESC LIMIT 50"),
    ("call-back queue, page 40", "/staff/queue/callback?page=40",
     "SELECT * FROM hub_signup WHERE kind = 'callback' ORDER BY arrival DESC LIMIT 50 OFFSET 1950"),
    ("volunteer queue, search by phone", "/staff/queue/volunteer?q=090-0123",
     "SELECT * FROM hub_signup WHERE kind = 'volunteer' AND search_text LIKE '%%0900123%%' ORDER BY arrival DESC LIMIT 50"),
]


def main():
    with fresh_database() as db_url:
        prepare_hub(db_url)
        t0 = time.perf_counter()
        fill(db_url)
        print(f"filled {N} sign-ups in {time.perf_counter() - t0:.1f} s")
        hub = Server(db_url, role="hub", log_dir=ARTIFACTS).start()
        try:
            client, status = staff_client(hub.url)
            assert status == 303
            con = psycopg2.connect(db_url)
            with con.cursor() as cur:
                cur.execute("SELECT event_uid, count(*) FROM hub_signup WHERE event_uid IS NOT NULL "
                            "GROUP BY event_uid ORDER BY count(*) DESC LIMIT 1")
                busiest, people = cur.fetchone()
            month = time.strftime("%Y-%m")
            screens = SCREENS + [
                (f"session sign-ups, page 1 of {people}", f"/staff/events/{busiest}",
                 f"SELECT * FROM hub_signup WHERE event_uid = '{busiest}' ORDER BY arrival LIMIT 50"),
                ("overview (50 sessions a page)", "/staff/",
                 "SELECT event_uid, status, count(id) FROM hub_signup WHERE event_uid IN (SELECT uid FROM event "
                 "WHERE starts_at >= now() - interval '7 days' AND starts_at < now() + interval '60 days' "
                 "ORDER BY starts_at, uid LIMIT 50) GROUP BY event_uid, status"),
                ("attendance report, this month", f"/staff/reports/?month={month}",
                 f"SELECT site_slug, service_slug, kind, grp, sum(delta) FROM hub_attendance "
                 f"WHERE session_date >= '{month}-01' AND session_date <= '{month}-31' "
                 f"GROUP BY site_slug, service_slug, kind, grp"),
            ]
            print(f"{'screen':36} {'median':>9} {'floor':>8} {'ratio':>6}")
            for label, path, sql in screens:
                def screen():
                    r = client.get(path)
                    assert r.status_code == 200
                cur = con.cursor()

                def floor():
                    cur.execute(sql)
                    cur.fetchall()
                ms, base = timed(screen), timed(floor)
                print(f"{label:36} {ms:8.1f}ms {base:7.2f}ms {ms / base:5.1f}x")
            con.close()
            client.close()
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
