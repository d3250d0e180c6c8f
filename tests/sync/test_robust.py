"""One bad value never stops the ward's records, with real hubs on PostgreSQL and
SQLite and real kiosk processes: bad values through the sync API and through the forms, a record
the hub keeps failing on, a kiosk whose database is locked, read-only or fed a page it cannot
apply, and a form sent twice or again after kill -9."""
import json
import re
import shutil
import socket
import subprocess
import time
import uuid

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.sync import protocol
from kiosk.sync.contract import REF_RE
from tests.conftest import LANDSCAPE, PORTRAIT, Server
from tests.e2e.journey import Journey, exact, ui
from tests.helpers import creds, csrf_token, post, staff_login, wait_for
from tests.records import attendance, signup
from tests.sync.conftest import Hub, Kiosk, enqueue, run_cli
from tests.sync.proxy import FaultProxy

FAST = {"KIOSK_SYNC_INTERVAL_SECONDS": "0.5", "KIOSK_SYNC_MAX_BACKOFF_SECONDS": "1"}


def post_raw(hub, device_id, secret, data, **header_changes):
    return post(hub, device_id, secret, data, headers=header_changes, timeout=30)[0]


def nested(depth, leaf="x"):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_each_bad_value_is_refused_beside_good_records(hub, make_kiosk):
    device_id, secret = creds(make_kiosk(env={"KIOSK_SITE_SLUG": "cafe-toyotama"}))   # attendance()'s site
    uid, _ = hub.event_with_seats(2)
    good = [signup(event=uid), attendance(), signup(event=uid)]
    bad = {
        "nul_in_name": signup(event=uid, person={"name": "Nul\x00Name", "phone": "090-1111-2222"}),
        "control_in_note": signup(event=uid, person={"name": "Ok", "phone": "090", "note": "\x1b[2J"}),
        "lone_surrogate": signup(event=uid, person={"name": "\ud83d", "phone": "090"}),
        "nul_in_language": signup(event=uid, language="j\x00"),
        "seq_beyond_64_bits": attendance(seq=2 ** 70),
        "seq_beyond_32_bits": attendance(seq=2 ** 40),
        "delta_true": attendance(delta=True),
        "year_1_with_offset": signup(event=uid, created_at="0001-01-01T00:00:00+01:00"),
        "year_9999_with_offset": attendance(created_at="9999-12-31T23:59:59-14:00"),
        "nested_200_deep": signup(event=uid, person={"name": "Deep", "phone": "090", "note": nested(200)}),
        "nul_in_attendance_text": attendance(kind="note", group=None, delta=0, text="a\x00b"),
    }
    records = [good[0]] + list(bad.values())[:6] + [good[1]] + list(bad.values())[6:] + [good[2]]
    r, _ = post(hub, device_id, secret, {"records": records})
    assert r.status_code == 200, r.text
    answers = {a["id"]: a for a in r.json()["results"]}
    assert all(answers[g["id"]]["result"] == "accepted" for g in good)
    for name, rec in bad.items():
        assert answers[rec["id"]]["result"] == "rejected", name
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 2
    assert hub.query("SELECT count(*) FROM hub_attendance")[0][0] == 1
    assert hub.query("SELECT count(*) FROM rejected_record")[0][0] == len(bad)
    # Staff see them, and the page still renders.
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        page = staff.get("/staff/")
        assert page.status_code == 200 and bad["seq_beyond_64_bits"]["id"] in page.text


def test_whole_requests_that_cannot_be_read_are_clear_refusals(hub, make_kiosk):
    device_id, secret = creds(make_kiosk())
    deep = b'{"records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    r = post_raw(hub, device_id, secret, deep)
    assert r.status_code == 400 and r.json()["error"] == "too_deep"
    r = post_raw(hub, device_id, secret, b'{"records": [')
    assert r.status_code == 400 and r.json()["error"] == "bad_json"
    for ts in ("nan", "inf", "-inf", "1e999"):
        body = b'{"records": []}'
        headers = protocol.signed_headers(device_id, secret, "POST", "/api/v1/records", body, 0)
        headers[protocol.H_TIMESTAMP] = ts
        headers[protocol.H_SIGNATURE] = protocol.sign(secret, "POST", "/api/v1/records", ts,
                                                      headers[protocol.H_NONCE], body)
        r = httpx.post(hub.url + "/api/v1/records", content=body, headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "bad_timestamp", ts
    r = httpx.get(hub.url + "/api/v1/feed?since=99999999999999999999999", headers={
        protocol.H_PROTOCOL: "1", protocol.H_DEVICE: "\xe9".encode("latin-1") * 36})
    assert r.status_code in (400, 401)
    assert hub.query("SELECT count(*) FROM hub_signup")[0][0] == 0


def test_an_old_kiosks_bad_record_does_not_hold_up_its_queue(hub, make_kiosk):
    """Records queued before this version, with values the forms now refuse, go through as a
    per-record refusal, and everything queued behind them reaches the ward."""
    kiosk = make_kiosk(env=FAST)
    uid, _ = hub.event_with_seats(1)
    before = enqueue(kiosk.db_url, 3, event_uid=uid)
    poisoned = enqueue(kiosk.db_url, 1, event_uid=uid)[0]
    payload = json.loads(kiosk.query("SELECT payload FROM outbox WHERE record_id = ?", (poisoned,))[0][0])
    payload["person"]["name"] = "Old\x00kiosk"
    kiosk.query("UPDATE outbox SET payload = ? WHERE record_id = ?", (json.dumps(payload), poisoned))
    after = enqueue(kiosk.db_url, 3, event_uid=uid)
    kiosk.start()
    wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0)
    stored = {r[0] for r in hub.query("SELECT id FROM hub_signup")}
    assert set(before + after) <= stored and poisoned not in stored
    assert hub.query("SELECT reason FROM rejected_record WHERE record_id = %s", (poisoned,)) == [("bad_text",)]
    assert kiosk.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id WHERE signup.id = ?", (poisoned,)) == [("rejected",)]


def form_fields(page):
    token = csrf_token(page)
    submission = re.search(r'name="submission"[^>]*value="([^"]+)"', page)
    return {"csrf_token": token, "submission": submission.group(1) if submission else ""}


def test_bad_characters_in_a_form_are_shown_next_to_the_field_and_kept(hub, make_kiosk):
    kiosk = make_kiosk(env=FAST).start()
    uid, _ = hub.event_with_seats(2)
    with httpx.Client(base_url=kiosk.url) as c:
        url = f"/en/signup/event/{uid}"
        data = dict(form_fields(c.get(url).text), name="Zero\x00Width", phone="090-2222-3333",
                    age_band="65-74", consent="y")
        r = c.post(url, data=data, follow_redirects=True)
        assert r.history[0].status_code == 303 and r.url.path == url     # the form again, by GET
        assert "characters that cannot be saved" in r.text
        assert 'value="090-2222-3333"' in r.text               # nothing typed is lost
        data["name"] = "Fixed Name"
        assert c.post(url, data=data).status_code == 303
        cb = "/en/signup/callback/gaikokujin-sodan"
        fields = form_fields(c.get(cb).text)
        r = c.post(cb, data=dict(fields, name="Maria", phone="090-2222-3333", preferred_language="tl",
                                 preferred_time="morning", note="hello\x07", consent="y"),
                   follow_redirects=True)
        assert r.url.path == cb and "characters that cannot be saved" in r.text
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup")[0][0] == 1)
    wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0)
    assert hub.query("SELECT name FROM hub_signup") == [("Fixed Name",)]


def staff_page(hub, path):
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        staff.get("/language/en", params={"next": path})
        return staff.get(path).text


def host_page(kiosk, path, post_path=None):
    """A page of host mode, entered with the PIN as a host would (optionally after a POST)."""
    with httpx.Client(base_url=kiosk.url) as c:
        fields = form_fields(c.get("/en/host/").text)
        assert c.post("/en/host/", data={"csrf_token": fields["csrf_token"], "pin": "604817"}).status_code == 303
        page = c.get(path).text
        if post_path:
            c.post(post_path, data={"csrf_token": form_fields(page)["csrf_token"]})
            page = c.get(path).text
        return page


def host_sees_held_records(browser, kiosk, marked_id):
    """A host opens host mode by touch (both tablet sizes) and meets the records set aside;
    axe and the control checks run on the screen, and its screenshot is saved."""
    for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(kiosk.url + "/")
        j = Journey(page, f"held-records-{name}")
        j.touch(page.get_by_role("link", name=exact(ui("ja", "Hosts"))))
        page.get_by_label(ui("ja", "PIN")).fill("604817")
        j.touch(page.get_by_role("button", name=exact(ui("ja", "Open host mode"))))
        heading = page.get_by_role("heading", name=re.compile(re.escape(
            ui("ja", "%(num)d record needs attention").replace("%(num)d", "1"))))
        heading.wait_for()
        assert marked_id[:8] in page.locator("section.attention").inner_text()
        j.state("host-today-held")
        context.close()


def test_a_record_the_hub_fails_on_is_set_aside_and_the_rest_drain(hub, tmp_path, demo_db_template, browser):
    """A hub bug that one record triggers (a 500 for any push that holds it): the kiosk finds it
    by splitting the batch, sets it aside after three failures, sends everything else, shows it
    to the host and tells the hub; when the hub is fixed, it goes through."""
    proxy = FaultProxy(hub.port, mode="fail_marker")
    proxy.marker = b"Hubbugmarker"
    try:
        path = tmp_path / "kiosk.db"
        shutil.copy(demo_db_template, path)
        kiosk = Kiosk(path, proxy.url, hub.code(), env=FAST)
        run_cli(kiosk.db_url, "kiosk", "set-host-pin", "--pin", "604817")
        uid, _ = hub.event_with_seats()
        first = enqueue(kiosk.db_url, 40, event_uid=uid)
        marked = enqueue(kiosk.db_url, 1, event_uid=uid, prefix="Hubbugmarker")
        last = enqueue(kiosk.db_url, 40, event_uid=uid)
        kiosk.start(KIOSK_SYNC_HELD_RETRY_SECONDS="3600")
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 1, timeout=60)
        stored = {r[0] for r in hub.query("SELECT id FROM hub_signup")}
        assert set(first + last) <= stored and marked[0] not in stored
        wait_for(lambda: kiosk.query("SELECT held_at IS NOT NULL, attempts FROM outbox") == [(1, 3)])
        wait_for(lambda: hub.query("SELECT held_reported FROM device WHERE name = 'kiosk'") == [(1,)])
        assert "1 record needs attention" in staff_page(hub, "/staff/kiosks")
        page = host_page(kiosk, "/en/host/today")
        assert "1 record needs attention" in page and marked[0][:8] in page
        host_sees_held_records(browser, kiosk, marked[0])
        proxy.mode = "pass"                                   # the ward fixed its hub
        page = host_page(kiosk, "/en/host/today", post_path="/en/host/held/retry")
        wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0)
        assert marked[0] in {r[0] for r in hub.query("SELECT id FROM hub_signup")}
        wait_for(lambda: hub.query("SELECT held_reported FROM device WHERE name = 'kiosk'") == [(0,)])
        kiosk.stop()
    finally:
        proxy.close()


def device_state(hub):
    return hub.query("SELECT sync_error FROM device WHERE name = 'kiosk'")[0][0]


def footer(kiosk):
    return httpx.get(kiosk.url + "/en/", timeout=10).text


def footer_seen_in_chromium(browser, kiosk):
    """The failing state as a visitor's screen shows it (both sizes, axe, screenshot)."""
    for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(kiosk.url + "/")
        page.locator("#sync-status.failing").wait_for()
        assert "送信できていません" in page.locator("#sync-status").inner_text()
        Journey(page, f"footer-not-syncing-{name}").state("home")
        context.close()


def test_sync_resumes_by_itself_after_lock_read_only_and_a_feed_it_cannot_apply(
        pg_hub_db_url, tmp_path, demo_db_template, browser):
    hub = Hub(pg_hub_db_url, tmp_path).start()
    proxy = FaultProxy(hub.port, mode="pass")
    kiosk = None
    try:
        path = tmp_path / "kiosk.db"
        shutil.copy(demo_db_template, path)
        kiosk = Kiosk(path, proxy.url, hub.code(), env=FAST)
        kiosk.sync()
        kiosk.start()
        uid, _ = hub.event_with_seats()

        def delivered(n):
            ids = enqueue(kiosk.db_url, n, event_uid=uid)
            wait_for(lambda: set(ids) <= {r[0] for r in hub.query("SELECT id FROM hub_signup")}, timeout=60)

        delivered(2)
        # 1. Another process holds the database's write lock for 30 seconds.
        import sqlite3
        holder = sqlite3.connect(path, timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            wait_for(lambda: device_state(hub) == "database_locked", timeout=30)
            assert "Not syncing since" in footer(kiosk) and "storage is busy" in footer(kiosk)
            time.sleep(max(0, 30 - 12))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        wait_for(lambda: device_state(hub) == "", timeout=30)
        delivered(3)
        # 2. The database file and its log become read-only for a while (chattr +i: even root
        # cannot write to them).
        subprocess.run(["chattr", "+i", str(path), f"{path}-wal"], check=True)
        try:
            try:
                wait_for(lambda: device_state(hub) != "", timeout=60)
            except AssertionError:
                raise AssertionError("no failure reported while read-only; kiosk log: "
                                     + kiosk.server.log_path.read_text()[-3000:]) from None
            assert "Not syncing since" in footer(kiosk)
        finally:
            subprocess.run(["chattr", "-i", str(path), f"{path}-wal"], check=True)
        wait_for(lambda: device_state(hub) == "", timeout=30)
        delivered(3)
        # 3. The hub's feed sends a page that raises inside the kiosk's feed apply.
        proxy.mode = "corrupt_feed"
        wait_for(lambda: device_state(hub).startswith("error:"), timeout=30)
        assert "Not syncing since" in footer(kiosk)
        footer_seen_in_chromium(browser, kiosk)
        assert "1 record needs attention" not in staff_page(hub, "/staff/kiosks")
        assert "Not syncing since" in staff_page(hub, "/staff/kiosks")
        proxy.mode = "pass"
        wait_for(lambda: device_state(hub) == "", timeout=30)
        delivered(3)
        assert "Not syncing" not in footer(kiosk)
        assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
        log = kiosk.server.log_path.read_text()
        assert "Traceback" not in log and "sync round failed (database_locked)" in log
    finally:
        if kiosk is not None:
            kiosk.stop()
        proxy.close()
        hub.stop()


def raw_post_without_reading(port, path, data, cookies):
    """Send a form POST and never read the answer (the visitor's tablet lost it)."""
    body = httpx.QueryParams(data).__str__().encode()
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request)
    return sock


def test_the_same_form_twice_and_again_after_kill_9_makes_one_signup(demo_db):
    server = Server(demo_db).start()
    count = lambda: Server_query(demo_db, "SELECT count(*) FROM signup")[0][0]  # noqa: E731
    uid = Server_query(demo_db, "SELECT uid FROM event WHERE capacity > 0 AND cancelled = 0 LIMIT 1")[0][0]
    url = f"/ja/signup/event/{uid}"
    try:
        with httpx.Client(base_url=server.url) as c:
            data = dict(form_fields(c.get(url).text), name="二重 送信", phone="090-3333-4444",
                        age_band="65-74", consent="y")
            first, second = c.post(url, data=data), c.post(url, data=data)
            assert first.status_code == second.status_code == 303
            assert count() == 1
            ref = REF_RE.search(c.get("/ja/signup/done").text).group()
            assert Server_query(demo_db, "SELECT ref_code FROM signup") == [(ref,)]

            data = dict(form_fields(c.get(url).text), name="停電 さん", phone="090-5555-6666",
                        age_band="65-74", consent="y")
            sock = raw_post_without_reading(server.port, url, data, dict(c.cookies))
            wait_for(lambda: count() == 2)
            server.kill9()                                   # the answer never reached her
            sock.close()
            server.start()
            again = c.post(url, data=data)                   # she presses Send again
            assert again.status_code == 303
            assert count() == 2
            page = c.get("/ja/signup/done").text
            ref2 = Server_query(demo_db, "SELECT ref_code FROM signup WHERE phone = '090-5555-6666'")[0][0]
            assert ref2 in page
    finally:
        server.stop()


def Server_query(path, sql, params=()):
    import sqlite3
    con = sqlite3.connect(path, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=10)


def test_property_no_bad_record_blocks_a_good_one(hub, make_kiosk):
    """Arbitrary values in any field of a record, sent beside a good one to a real hub: the hub
    answers 200 for the batch, stores the good record, and never answers 500."""
    device_id, secret = creds(make_kiosk(env={"KIOSK_SITE_SLUG": "cafe-toyotama"}))   # attendance()'s site
    uid, _ = hub.event_with_seats()
    sent_good = []

    @settings(max_examples=40, deadline=None, database=None)
    @given(kind=st.sampled_from(["signup", "attendance"]), data=st.data())
    def one_batch(kind, data):
        bad = signup(event=uid) if kind == "signup" else attendance()
        field = data.draw(st.sampled_from(sorted(bad) + ["person"]))
        value = data.draw(anything)
        if field == "person" and kind == "signup":
            bad["person"][data.draw(st.sampled_from(sorted(protocol.PERSON_FIELDS)))] = value
        else:
            bad[field] = value
        good = signup(event=uid) if data.draw(st.booleans()) else attendance(seq=len(sent_good) + 1)
        records = [bad, good] if data.draw(st.booleans()) else [good, bad]
        body = json.dumps({"records": records}, ensure_ascii=data.draw(st.booleans())).encode("utf-8", "surrogatepass")
        r = post_raw(hub, device_id, secret, body)
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            answers = {a["id"]: a for a in r.json()["results"]}
            assert answers[good["id"]]["result"] == "accepted"
            sent_good.append(good["id"])
    one_batch()
    assert sent_good
    stored = {r[0] for r in hub.query("SELECT id FROM hub_signup UNION SELECT id FROM hub_attendance")}
    assert set(sent_good) <= stored
