"""The kiosk's side of sync: a signed HTTP client, one sync round, and the background loop.

No visitor request ever waits on this: views write locally (record + outbox) and at most wake
the loop. Personal data is never logged here; only counts and error kinds are.
"""
import concurrent.futures
import json
import logging
import random
import threading

import httpx

from .. import clock
from ..db import database
from ..models import KioskState
from . import feed, outbox, protocol

log = logging.getLogger(__name__)


class HubRefused(Exception):
    """The hub answered with a refusal that retrying will not fix by itself."""

    def __init__(self, status, error, detail=None):
        super().__init__(f"{status} {error}")
        self.status, self.error, self.detail = status, error, detail or {}


class HubClient:
    """Signs every request; learns the hub's clock so a kiosk with a wrong clock still syncs."""

    def __init__(self, base_url, device_id, secret, offset=0.0, timeout=10.0, transport=None):
        self.base_url = base_url.rstrip("/")
        self.device_id, self.secret = device_id, secret
        self.offset = offset          # hub clock minus kiosk clock, seconds
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                 transport=transport)

    def close(self):
        self.http.close()

    def _learn_clock(self, response):
        hub_time = response.headers.get(protocol.H_HUB_TIME)
        if hub_time:
            try:
                self.offset = float(hub_time) - clock.timestamp()
            except ValueError:
                pass

    def request(self, method, path, body=None, params=None, extra_headers=None):
        """JSON answer of a signed request; one retry after learning the hub's clock."""
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        url_path = path
        if params:
            url_path = path + "?" + "&".join(f"{k}={v}" for k, v in params.items())
        for attempt in (1, 2):
            headers = protocol.signed_headers(self.device_id, self.secret, method, url_path, data,
                                              clock.timestamp() + self.offset)
            headers.update(extra_headers or {})
            response = self.http.request(method, self.base_url + url_path, content=data, headers=headers)
            self._learn_clock(response)
            if response.status_code == 200:
                return response.json()
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            error = answer.get("error", "")
            if attempt == 1 and error == "clock_skew":
                continue
            if response.status_code >= 500 or response.status_code == 429:
                response.raise_for_status()
            raise HubRefused(response.status_code, error or str(response.status_code), answer)


def enroll(base_url, code, name, timeout=10.0):
    """Exchange a one-time code for this kiosk's device id and secret."""
    r = httpx.post(base_url.rstrip("/") + "/api/v1/enroll", timeout=timeout,
                   json={"code": code, "name": name, "protocol": protocol.PROTOCOL_VERSION})
    if r.status_code != 200:
        try:
            error = r.json().get("error", r.status_code)
        except ValueError:
            error = r.status_code
        raise HubRefused(r.status_code, str(error))
    return r.json()


def credentials():
    """(hub_url, device_id, secret) if this kiosk is paired, else None."""
    values = [KioskState.get_value(k) for k in ("hub_url", "device_id", "device_secret")]
    return tuple(values) if all(values) else None


class SyncEngine:
    """One sync round: push the outbox in bounded batches, pull the feed, purge personal data."""

    def __init__(self, client, batch_size=100, retention_seconds=86400):
        self.client, self.batch_size, self.retention_seconds = client, batch_size, retention_seconds

    def push(self):
        """Send the outbox oldest first in bounded batches; one request is in flight while the
        answer to the previous one is applied (the network and the hub work meanwhile)."""
        sent, last_seq, in_flight = 0, 0, None
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sync-push") as pool:
            while True:
                with database.connection_context():
                    batch = outbox.pending_batch(self.batch_size, after=last_seq)
                    pending = outbox.pending_count()
                upcoming = None
                if batch:
                    last_seq = batch[-1].seq
                    records = [json.loads(e.payload) for e in batch]
                    upcoming = pool.submit(self.client.request, "POST", "/api/v1/records",
                                           {"records": records},
                                           extra_headers={protocol.H_PENDING: str(pending)})
                if in_flight is not None:
                    try:
                        answer = in_flight.result()
                    except BaseException:
                        if upcoming is not None:
                            upcoming.cancel()
                        raise
                    with database.connection_context():
                        done = outbox.record_results(answer.get("results", []))
                    sent += done
                    if done == 0:   # nothing final came back: try again next round, do not spin
                        if upcoming is not None:
                            upcoming.cancel()
                        return sent
                if upcoming is None:
                    return sent
                in_flight = upcoming

    def pull(self):
        applied = 0
        while True:
            with database.connection_context():
                since = feed.cursor()
            answer = self.client.request("GET", "/api/v1/feed", params={"since": since, "limit": 500})
            entries = answer.get("entries", [])
            if not entries:
                return applied
            with database.connection_context():
                applied += feed.apply_page(entries)

    def run_once(self):
        pushed = self.push()
        pulled = self.pull()
        with database.connection_context():
            purged = outbox.purge_personal_data(self.retention_seconds)
            outbox.set_state(online="1", last_sync_at=protocol.format_time(clock.now()),
                             revoked="0", hub_offset=round(self.client.offset))
        return {"pushed": pushed, "pulled": pulled, "purged": purged}


def backoff_delay(failures, base=1.0, cap=300.0, rng=random.random):
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    return rng() * min(cap, base * (2 ** min(failures, 20)))


class SyncLoop(threading.Thread):
    """Runs sync rounds in the background of the kiosk process, forever, by itself."""

    def __init__(self, app, interval=10.0):
        super().__init__(name="sync-loop", daemon=True)
        self.app, self.interval = app, interval
        self._wake, self._stop = threading.Event(), threading.Event()
        self.failures = 0

    def wake(self):
        """A new record is waiting: push it now rather than at the next interval."""
        self._wake.set()

    def stop(self):
        self._stop.set()
        self._wake.set()

    def _sleep(self, seconds):
        self._wake.wait(seconds)
        self._wake.clear()

    def run(self):
        client = None
        while not self._stop.is_set():
            with self.app.app_context():
                creds = None
                with database.connection_context():
                    creds = credentials()
                if creds is None:
                    self._sleep(5)
                    continue
                if client is None or client.device_id != creds[1]:
                    client = HubClient(creds[0], creds[1], creds[2],
                                       timeout=float(self.app.config["SYNC_TIMEOUT_SECONDS"]))
                engine = SyncEngine(client, int(self.app.config["SYNC_BATCH_SIZE"]),
                                    int(self.app.config["PERSONAL_DATA_RETENTION_SECONDS"]))
                try:
                    counts = engine.run_once()
                    self.failures = 0
                    if counts["pushed"] or counts["pulled"]:
                        log.info("sync: pushed %(pushed)d, pulled %(pulled)d, purged %(purged)d", counts)
                    delay = self.interval
                except HubRefused as exc:
                    self.failures += 1
                    with database.connection_context():
                        outbox.set_state(online="1" if exc.status < 500 else "0",
                                         revoked="1" if exc.error == "revoked" else "0",
                                         last_error=exc.error)
                    log.warning("sync refused by hub: %s", exc.error)
                    delay = 600.0 if exc.error == "revoked" else backoff_delay(self.failures, cap=float(self.app.config["SYNC_MAX_BACKOFF_SECONDS"]))
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    self.failures += 1
                    with database.connection_context():
                        outbox.set_state(online="0", last_error=type(exc).__name__)
                    delay = backoff_delay(self.failures, cap=float(self.app.config["SYNC_MAX_BACKOFF_SECONDS"]))
                    log.info("sync: hub unreachable (%s), next try in %.1f s", type(exc).__name__, delay)
            if self.failures:
                # While failing, only the backoff decides: a wake must not turn into a hammer.
                self._stop.wait(delay)
            else:
                self._sleep(delay)
        if client:
            client.close()


def start_loop(app):
    loop = SyncLoop(app, interval=float(app.config["SYNC_INTERVAL_SECONDS"]))
    app.extensions["sync_loop"] = loop
    loop.start()
    return loop
