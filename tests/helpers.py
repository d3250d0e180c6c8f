"""The tests' toolbox: what many tests do the same way, in one place.

- waiting for a condition (real processes answer in their own time);
- a form's CSRF token, read from its page as a browser sends it back;
- signing in on the hub's staff screens;
- a paired kiosk's credentials, and sync requests signed as a kiosk signs them;
- what no server log may hold (personal data, a traceback).

The reference-code pattern is the contract's own: ``kiosk.sync.contract.REF_RE``. Records as a
kiosk sends them are built by tests/records.py.
"""
import json
import re
import time

import httpx

from kiosk.sync import protocol

# --- Waiting -------------------------------------------------------------------------------------


def wait_for(predicate, timeout=30, interval=0.2, what="condition", ignore=()):
    """Call ``predicate`` until it returns something true, and return that. An exception of a
    class in ``ignore`` counts as "not yet" (a server still starting). Fails after ``timeout``
    seconds, saying ``what`` it waited for (a string, or a function that tells it then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except ignore:
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def answering(url, timeout=60, proc=None, log=None):
    """The first answer of ``url``, whatever its status (the server serves), waiting while nothing
    listens there yet. Fails at once if ``proc``, the server's process, has exited; the end of
    its ``log`` file, if given, is in the failure."""
    def tail():
        return f"; its log ends: {log.read_text(errors='replace')[-2000:]}" if log else ""

    def answer():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}{tail()}")
        return httpx.get(url, timeout=2)
    return wait_for(answer, timeout=timeout, what=lambda: f"{url} to answer{tail()}", ignore=(httpx.HTTPError,))


# --- Forms ---------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(page):
    """The CSRF token of the first form in ``page`` (its HTML), as the browser sends it back."""
    found = _CSRF.search(page)
    assert found, "no csrf_token field in the page"
    return found.group(1)


# --- Staff on the hub ----------------------------------------------------------------------------

# The staff account every prepared test hub has (tests/sync/conftest.py, prepare_hub).
STAFF_USER, STAFF_PASSWORD = "staff", "staff-pass-1"


def staff_sign_in(client, username=STAFF_USER, password=STAFF_PASSWORD):
    """Sign in on the hub's login screen as a person does (the form, with its token) and return
    the hub's answer. ``client`` is an httpx client on a hub, or Flask's test client of one."""
    page = client.get("/staff/login").text
    return client.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username,
                                             "password": password})


def staff_login(client, username=STAFF_USER, password=STAFF_PASSWORD):
    """``client``, signed in (the hub answered 303)."""
    answer = staff_sign_in(client, username, password)
    assert answer.status_code == 303, answer.text
    return client


def staff_client(url, username=STAFF_USER, password=STAFF_PASSWORD):
    """A new httpx client on the hub at ``url`` after one sign-in: (client, the answer's status)."""
    client = httpx.Client(base_url=url)
    return client, staff_sign_in(client, username, password).status_code


# --- A kiosk's sync requests ---------------------------------------------------------------------


def creds(kiosk):
    """(device id, secret): what a paired kiosk keeps in its database to sign its requests."""
    rows = dict(kiosk.query("SELECT key, value FROM kiosk_state WHERE key IN ('device_id', 'device_secret')"))
    return rows["device_id"], rows["device_secret"]


def post(hub, device_id, secret, body, ts=None, nonce=None, signature=None, protocol_version=None,
         path="/api/v1/records", headers=None, timeout=30):
    """POST ``body`` (JSON-encoded, or bytes as they are) to the hub, signed as a kiosk signs
    (kiosk.sync.protocol), optionally with another time, nonce, signature or protocol version,
    and ``headers`` added after signing. Returns (answer, the headers sent)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = protocol.signed_headers(device_id, secret, "POST", path, data, ts or time.time())
    if nonce:
        sent[protocol.H_NONCE] = nonce
        sent[protocol.H_SIGNATURE] = protocol.sign(secret, "POST", path, sent[protocol.H_TIMESTAMP], nonce, data)
    if signature:
        sent[protocol.H_SIGNATURE] = signature
    if protocol_version:
        sent[protocol.H_PROTOCOL] = protocol_version
    sent.update(headers or {})
    return httpx.post(hub.url + path, content=data, headers=sent, timeout=timeout), sent


def push(hub, device_id, secret, records):
    """Records sent as a kiosk sends them; the hub's answer for each (it must answer 200)."""
    answer, _ = post(hub, device_id, secret, {"records": records})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def signed_get(hub, device_id, secret, path):
    """GET ``path`` (with its query) from the hub, signed as a kiosk signs."""
    headers = protocol.signed_headers(device_id, secret, "GET", path, b"", time.time())
    return httpx.get(hub.url + path, headers=headers)


# --- Server logs ---------------------------------------------------------------------------------

# Personal data the tests type into forms or send in records: no server log may hold any of it,
# nor a traceback (bad input gets a clear refusal, never an unhandled error).
PERSONAL_MARKERS = ["Privacymarker", "Killtest visitor", "Purgeme", "Maria Dela Cruz", "Auth Test",
                    "090-2222-", "090-1234-5678", "09012345678", "090-1111-2222"]
TRACEBACK = "Traceback (most recent call last)"


def log_problems(paths, since=None):
    """[(log file name, what it holds)] for each personal-data marker or traceback in the logs
    at ``paths``; with ``since`` ({path: size}), only in what each log gained after that size."""
    found = []
    for path in dict.fromkeys(paths):
        start = (since or {}).get(path, 0)
        if not path.exists() or path.stat().st_size == start:
            continue
        with open(path, "rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", errors="replace")
        found += [(path.name, m) for m in PERSONAL_MARKERS + [TRACEBACK] if m in text]
    return found
