"""Staff login on real hub processes behind a reverse proxy, on PostgreSQL.

The proxy's address is everyone's: with one trusted proxy hop configured, the per-address
lockout and rate limit see the client's own address (X-Forwarded-For), so guesses at made-up
user names lock out the guesser and never the ward's administrator; with none trusted, the
header is dropped, so a client cannot forge its way round the limit. Concurrent guesses on two
processes are checked at most as often as the lockout allows."""
import threading

import httpx
import pytest

from tests.helpers import csrf_token
from tests.sync.conftest import Hub

ATTACKER, ADMIN = "203.0.113.7", "198.51.100.20"


def client(url, address):
    """A browser behind the proxy: every request arrives from the loopback, carrying the
    client's address as the proxy adds it."""
    return httpx.Client(base_url=url, headers={"X-Forwarded-For": address}, timeout=30)


def csrf(c):
    return csrf_token(c.get("/staff/login").text)


def attempt(c, token, username, password):
    return c.post("/staff/login", data={"csrf_token": token, "username": username, "password": password}).status_code


def failures_from(hub, address):
    return hub.query("SELECT count(*) FROM login_failure WHERE address = %s", (address,))[0][0]


@pytest.mark.parametrize("hops", [1, 0])
def test_guesses_at_made_up_names_behind_the_proxy_lock_out_the_guesser_not_the_admin(tmp_path, pg_hub_db_url, hops):
    env = {"KIOSK_TRUSTED_PROXY_HOPS": str(hops), "KIOSK_STAFF_LOGIN_RATE": "1000 per minute"}
    hub = Hub(pg_hub_db_url, tmp_path, env=env, processes=2).start()
    try:
        with client(hub.url, ATTACKER) as attacker, client(hub.url, ADMIN) as admin:
            token = csrf(attacker)
            codes = [attempt(attacker, token, f"made-up-{i}", f"guess-{i}-000") for i in range(30)]
            assert codes == [401] * 30
            # The guessing address is locked out, even with the right password in hand.
            assert attempt(attacker, token, "staff", "staff-pass-1") == 429
            if hops:
                assert failures_from(hub, ATTACKER) == 30
                assert attempt(admin, csrf(admin), "staff", "staff-pass-1") == 303
                assert admin.get("/staff/").status_code == 200
            else:
                # No proxy trusted: the forged header is dropped, so every request is the
                # loopback's, and the lockout stops the administrator as well.
                assert failures_from(hub, ATTACKER) == 0
                assert attempt(admin, csrf(admin), "staff", "staff-pass-1") == 429
    finally:
        hub.close()


def test_the_rate_limit_behind_the_proxy_is_per_client(tmp_path, pg_hub_db_url):
    """Flask-Limiter's per-address limit (20 a minute by default) counts the client's address."""
    hub = Hub(pg_hub_db_url, tmp_path, env={"KIOSK_TRUSTED_PROXY_HOPS": "1"}).start()
    try:
        with client(hub.url, ATTACKER) as attacker, client(hub.url, ADMIN) as admin:
            token = csrf(attacker)
            codes = [attempt(attacker, token, f"made-up-{i}", f"guess-{i}-000") for i in range(25)]
            assert codes[:20] == [401] * 20 and codes[20:] == [429] * 5
            assert attempt(admin, csrf(admin), "staff", "staff-pass-1") == 303
    finally:
        hub.close()


def test_concurrent_guesses_on_two_processes_are_checked_at_most_the_limit(tmp_path, pg_hub_db_url):
    """38 wrong passwords for one account at once, on two hub processes: the lockout is checked
    and the attempt recorded in one locked step before any password is compared, so at most
    the limit (10) are compared (answered 401 and recorded); the rest are refused unchecked."""
    env = {"KIOSK_STAFF_LOGIN_MAX_FAILURES": "10", "KIOSK_STAFF_LOGIN_RATE": "1000 per minute",
           "KIOSK_THREADS": "8"}
    one, two = Hub(pg_hub_db_url, tmp_path, env=env).start(), Hub(pg_hub_db_url, tmp_path, env=env).start()
    try:
        clients = [httpx.Client(base_url=(one if i % 2 else two).url, timeout=60) for i in range(38)]
        tokens = [csrf(c) for c in clients]
        start, codes = threading.Barrier(len(clients)), [None] * len(clients)

        def guess(i):
            start.wait()
            codes[i] = attempt(clients[i], tokens[i], "staff", f"wrong-guess-{i:02d}")
        threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(clients))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        checked = codes.count(401)
        assert checked + codes.count(429) == 38, codes
        assert 1 <= checked <= 10, codes
        assert one.query("SELECT count(*) FROM login_failure WHERE username = 'staff'")[0][0] == checked
        assert attempt(clients[0], tokens[0], "staff", "staff-pass-1") == 429     # the account is locked
        for c in clients:
            c.close()
    finally:
        one.close()
        two.close()
