"""Two hub processes on one PostgreSQL behave as one hub (all state in the database)."""
import json
import time

import httpx
import pytest

from kiosk.sync import protocol
from tests.conftest import Server
from tests.helpers import creds, csrf_token, staff_client, staff_login
from tests.records import record


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_replay_to_a_second_hub_process_is_refused(tmp_path, make_kiosk, hub):
    second = Server(hub.db_url, role="hub", log_dir=tmp_path).start()
    try:
        device_id, secret = creds(make_kiosk())
        uid, _ = hub.event_with_seats()
        data = json.dumps({"records": [record(uid)]}).encode()
        headers = protocol.signed_headers(device_id, secret, "POST", "/api/v1/records", data, time.time())
        first = httpx.post(hub.url + "/api/v1/records", content=data, headers=headers)
        assert first.status_code == 200 and first.json()["results"][0]["result"] == "accepted"
        replay = httpx.post(second.url + "/api/v1/records", content=data, headers=headers)
        assert replay.status_code == 401 and replay.json()["error"] == "replay"
        assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 1
        # A staff session made by one process is honoured by the other, and ended everywhere.
        with httpx.Client(base_url=hub.url) as a:
            staff_login(a)
            cookies = {"session": a.cookies["session"]}
            assert httpx.get(second.url + "/staff/", cookies=cookies).status_code == 200
            token = csrf_token(a.get("/staff/").text)
            assert a.post("/staff/logout", data={"csrf_token": token}).status_code == 303
            assert httpx.get(second.url + "/staff/", cookies=cookies).status_code == 302
    finally:
        second.stop()


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_two_hub_processes_agree_on_login_throttling_and_a_requests_state(tmp_path, make_kiosk, hub_db_url):
    from tests.sync.conftest import Hub, enqueue
    env = {"KIOSK_STAFF_LOGIN_MAX_FAILURES": "5", "KIOSK_STAFF_LOGIN_WINDOW_SECONDS": "60"}
    one, two = Hub(hub_db_url, tmp_path, env=env).start(), Hub(hub_db_url, tmp_path, env=env).start()
    try:
        # Wrong passwords spread over both processes: the account locks in both.
        for i in range(5):
            assert staff_client((one if i % 2 else two).url, password=f"wrong-{i}")[1] == 401
        assert staff_client(one.url)[1] == 429 and staff_client(two.url)[1] == 429
        one.query("DELETE FROM login_failure")
        # A call-back arrives; staff on process one take it; process two sees it taken and
        # refuses the same move.
        kiosk = make_kiosk()
        enqueue(kiosk.db_url, 1, kind="callback", service="gaikokujin-sodan", prefix="Two Hubs")
        kiosk.sync()
        rid = one.query("SELECT id FROM hub_signup WHERE kind = 'callback'")[0][0]
        a, _ = staff_client(one.url)
        b, _ = staff_client(two.url)

        def move(client, action):
            page = client.get(f"/staff/requests/{rid}").text
            token = csrf_token(page)
            return client.post(f"/staff/requests/{rid}/move", data={"csrf_token": token, "action": action})
        page_b = b.get(f"/staff/requests/{rid}").text          # B looks at it while it is new
        assert move(a, "take").status_code == 303
        token = csrf_token(page_b)
        late = b.post(f"/staff/requests/{rid}/move", data={"csrf_token": token, "action": "called_back"})
        assert late.status_code == 303                            # from in_progress: allowed
        assert move(b, "take").status_code == 409                 # already taken
        assert one.query("SELECT desk_state FROM hub_signup WHERE id = %s", (rid,)) == [("called_back",)]
        assert [r[0] for r in one.query("SELECT to_state FROM request_history WHERE signup_id = %s ORDER BY id", (rid,))] == ["in_progress", "called_back"]
    finally:
        one.stop()
        two.stop()


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_arrival_order_seats_and_feed_exact_across_two_hub_processes(tmp_path, hub_db_url):
    """Twelve kiosks push at once to two hub processes on one PostgreSQL (each alternating
    between them): sign-ups for three small sessions with parties of one to three, and
    call-back requests. The hub must decide every session's seats in its arrival order, keep
    each kiosk's own order, and three feed readers paging along meanwhile must each see every
    status entry (no cursor skips one)."""
    import random
    import threading
    import uuid

    from tests.sync.conftest import Hub, bound
    one, two = Hub(hub_db_url, tmp_path).start(), Hub(hub_db_url, tmp_path).start()
    urls = [one.url, two.url]
    try:
        uids = [r[0] for r in one.query("SELECT uid FROM event WHERE capacity > 0 AND cancelled = %s "
                                        "ORDER BY starts_at, uid LIMIT 3", (False,))]
        capacity = dict(zip(uids, (25, 40, 9)))
        for uid, cap in capacity.items():
            one.query("UPDATE event SET capacity = %s, seats_taken = 0 WHERE uid = %s", (cap, uid))
        with bound(hub_db_url):
            from kiosk.hub.intake.devices import issue_code
            codes = [issue_code("", 1) for _ in range(13)]
        devices = [httpx.post(urls[i % 2] + "/api/v1/enroll", json={"code": c, "name": f"order{i}", "protocol": 2}).json()
                   for i, c in enumerate(codes)]
        reader, pushers = devices[0], devices[1:]
        rng = random.Random(13)
        sent, failures, done = {}, [], threading.Event()

        def batch(n, sessions):
            out = []
            for _ in range(n):
                uid = rng.choice(sessions)
                rec = {"id": str(uuid.uuid4()), "type": "signup", "kind": "event" if uid else "callback",
                       "ref_code": "ABCD-2345", "service": "machikado-care-cafe" if uid else "gaikokujin-sodan",
                       "event": uid, "language": "en", "created_at": "2026-11-22T01:00:00+00:00",
                       "person": {"name": "Order Test", "phone": "090-1111-2222"}}
                if uid:
                    rec["party"] = {"adults": rng.randint(1, 2), "children": rng.randint(0, 1)}
                out.append(rec)
            return out

        # Half the kiosks sign up for the three sessions (they contend for seats), the other
        # half take call-back requests (no seats: their batches run side by side).
        batches = {d["device_id"]: [batch(10, uids + [None] if n < 6 else [None]) for _ in range(20)]
                   for n, d in enumerate(pushers)}

        def push(n, device):
            with httpx.Client(timeout=60) as http:
                for i, recs in enumerate(batches[device["device_id"]]):
                    body = json.dumps({"records": recs}).encode()
                    headers = protocol.signed_headers(device["device_id"], device["secret"], "POST",
                                                      "/api/v1/records", body, time.time())
                    r = http.post(urls[(n + i) % 2] + "/api/v1/records", content=body, headers=headers)
                    if r.status_code != 200 or any(x["result"] != "accepted" for x in r.json()["results"]):
                        failures.append((r.status_code, r.text[:200]))
                    sent.setdefault(device["device_id"], []).extend(rec["id"] for rec in recs)

        seen = {}

        def read_feed(n):
            cursor, turn = 0, 0
            with httpx.Client(timeout=60) as http:
                while True:
                    finished = done.is_set()
                    path = f"/api/v1/feed?since={cursor}&limit=40"
                    headers = protocol.signed_headers(reader["device_id"], reader["secret"], "GET", path, b"", time.time())
                    entries = http.get(urls[turn % 2] + path, headers=headers).json()["entries"]
                    turn += 1
                    seen.setdefault(n, []).extend((e["seq"], e["kind"], e["key"]) for e in entries)
                    cursor = entries[-1]["seq"] if entries else cursor
                    if finished and not entries:
                        return

        readers = [threading.Thread(target=read_feed, args=(n,)) for n in range(3)]
        for t in readers:
            t.start()
        threads = [threading.Thread(target=push, args=(n, d)) for n, d in enumerate(pushers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        for t in readers:
            t.join(120)
        assert not failures
        total = sum(len(ids) for ids in sent.values())
        rows = one.query("SELECT id, device_id, event_uid, status, adults + children, arrival FROM hub_signup "
                         "WHERE name = %s ORDER BY arrival", ("Order Test",))
        assert len(rows) == total == 12 * 20 * 10
        assert len({r[5] for r in rows}) == total                      # strict arrival numbers
        by_device = {}
        for rid, device, *_ in rows:
            by_device.setdefault(device, []).append(rid)
        assert by_device == sent                                        # each kiosk's own order kept
        for uid, cap in capacity.items():
            used = 0
            for rid, _, event, status, size, _ in rows:
                if event != uid:
                    continue
                expected = "confirmed" if used + size <= cap else "waitlisted"
                assert status == expected, (uid, rid, used, size, cap)
                used += size if expected == "confirmed" else 0
            assert one.query("SELECT seats_taken FROM event WHERE uid = %s", (uid,))[0][0] == used <= cap
        for entries in seen.values():
            seqs = [s for s, _, _ in entries]
            assert seqs == sorted(set(seqs))
            assert {k for _, kind, k in entries if kind == "status"} >= {r[0] for r in rows}
    finally:
        one.stop()
        two.stop()


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_a_slow_commit_never_lets_a_feed_cursor_skip_its_entry(tmp_path, hub_db_url):
    """A batch whose feed entry is slow to commit (a trigger in the database sleeps after that
    one insert, as a slow disk would) is overtaken by a later batch on the other hub process.
    A kiosk reading the feed meanwhile must not move its cursor past the slow entry: the later
    entry may only become visible after it."""
    import threading
    import uuid

    from tests.sync.conftest import Hub, bound, query
    one, two = Hub(hub_db_url, tmp_path).start(), Hub(hub_db_url, tmp_path).start()
    try:
        with bound(hub_db_url):
            from kiosk.hub.intake.devices import issue_code
            codes = [issue_code("", 1) for _ in range(3)]
        slow, fast, reader = [httpx.post(one.url + "/api/v1/enroll", json={"code": c, "name": f"skip{i}", "protocol": 2}).json()
                              for i, c in enumerate(codes)]
        marker = str(uuid.uuid4())
        query(hub_db_url, f"""
            CREATE FUNCTION slow_feed() RETURNS trigger AS $$
            BEGIN IF NEW.key = '{marker}' THEN PERFORM pg_sleep(3); END IF; RETURN NEW; END $$ LANGUAGE plpgsql""")
        query(hub_db_url, "CREATE TRIGGER slow_feed AFTER INSERT ON feed FOR EACH ROW EXECUTE FUNCTION slow_feed()")
        start = query(hub_db_url, "SELECT COALESCE(MAX(seq), 0) FROM feed")[0][0]

        def callback(rid=None):
            return {"id": rid or str(uuid.uuid4()), "type": "signup", "kind": "callback", "ref_code": "ABCD-2345",
                    "service": "gaikokujin-sodan", "event": None, "language": "en",
                    "created_at": "2026-11-22T01:00:00+00:00", "person": {"name": "Skip Test", "phone": "090-1111-2222"}}

        def push(url, device, records):
            body = json.dumps({"records": records}).encode()
            headers = protocol.signed_headers(device["device_id"], device["secret"], "POST", "/api/v1/records",
                                              body, time.time())
            return httpx.post(url + "/api/v1/records", content=body, headers=headers, timeout=30)

        def read(since):
            path = f"/api/v1/feed?since={since}&limit=100"
            headers = protocol.signed_headers(reader["device_id"], reader["secret"], "GET", path, b"", time.time())
            return httpx.get(two.url + path, headers=headers, timeout=30).json()["entries"]

        answers = {}
        first = threading.Thread(target=lambda: answers.setdefault("slow", push(one.url, slow, [callback(marker)])))
        first.start()
        time.sleep(0.7)                      # the slow batch is inside its feed insert now
        second = threading.Thread(target=lambda: answers.setdefault("fast", push(two.url, fast, [callback()])))
        second.start()
        time.sleep(0.7)
        cursor, seen = start, []
        for entries in iter(lambda: read(cursor), []):        # a kiosk syncs while both are in flight
            seen += [e["key"] for e in entries]
            cursor = entries[-1]["seq"]
        first.join(30)
        second.join(30)
        assert answers["slow"].status_code == answers["fast"].status_code == 200
        for entries in iter(lambda: read(cursor), []):        # and again once both are done
            seen += [e["key"] for e in entries]
            cursor = entries[-1]["seq"]
        assert marker in seen, "the kiosk's cursor moved past an entry that was not yet visible"
    finally:
        one.stop()
        two.stop()
