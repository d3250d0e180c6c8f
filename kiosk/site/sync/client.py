"""The kiosk's side of sync: a signed HTTP client, one sync round, and the background loop.

No visitor request ever waits on this: views write locally (record + outbox) and at most wake
the loop. Personal data is never logged here; only counts and error kinds are.
"""
import collections
import concurrent.futures
import json
import logging
import random
import sqlite3
import sys
import threading

# httpx imports its command-line tool with itself (rich and pygments: 2.5 MB of a kiosk's
# memory) unless that import fails; a kiosk never runs it.
sys.modules.setdefault("httpx._main", None)
import httpx  # noqa: E402
import peewee
from flask import current_app

from ... import clock, serving
from ...db import database
from ...models import KioskState
from ...search import index
from . import feed_apply, outbox
from .. import demand
from ..status import Board
from ...sync import protocol

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
        self.report = {}              # headers telling the hub this kiosk's sync state
        self.counts = {}              # and its backlog (records waiting, records set aside)
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

    def request(self, method, path, body=None, params=None, extra_headers=None, data=None):
        """JSON answer of a signed request; one retry after learning the hub's clock.
        ``data``: the body already encoded as JSON (instead of ``body``)."""
        if data is None:
            data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        url_path = path
        if params:
            url_path = path + "?" + "&".join(f"{k}={v}" for k, v in params.items())
        for attempt in (1, 2):
            headers = protocol.signed_headers(self.device_id, self.secret, method, url_path, data,
                                              clock.timestamp() + self.offset)
            headers.update(self.counts)
            headers.update(self.report)
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


def may_be_one_record(exc):
    """True when a failed push might be caused by one record in it rather than by the hub or
    the network: a 500, or a refusal of the request body as a whole."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 500
    if isinstance(exc, HubRefused):
        return exc.status == 413 or (exc.status == 400 and exc.error != "protocol_version")
    # A payload that cannot be encoded (or an answer that cannot be read: the empty push
    # that follows tells the two apart).
    return isinstance(exc, (ValueError, TypeError))


class SyncEngine:
    """One sync round: push the outbox in bounded batches, pull the feed, purge personal data.

    A batch the hub fails on as a whole is split in halves until the record that fails alone
    is found; that record is retried in later rounds and, after ``max_failures``, set aside as
    needing attention, so one bad record never holds up the records behind it."""

    def __init__(self, client, batch_size=100, retention_seconds=86400, max_failures=3,
                 held_retry_seconds=3600, timezone="Asia/Tokyo", window=2):
        self.client, self.batch_size, self.retention_seconds = client, batch_size, retention_seconds
        self.window = max(int(window), 1)
        self.max_failures, self.held_retry_seconds = max_failures, held_retry_seconds
        self.timezone = timezone

    @staticmethod
    def _encode(entries, after=0):
        """The push body for outbox entries: their stored payloads (already JSON) joined as they
        are, so nothing is decoded and encoded again, with where the batch stands in the outbox
        (``after``: the last number of the batch sent before it in this round, 0 for none)."""
        return ('{"records": [' + ", ".join(e.payload for e in entries) + "]"
                + (f', "after": {int(after)}, "last": {int(entries[-1].seq)}' if entries else "") + "}").encode()

    def _post(self, entries, data=None):
        return self.client.request("POST", "/api/v1/records", data=data or self._encode(entries))

    def _count(self):
        """Read the backlog; every request then tells the hub (its fleet view shows it)."""
        self.client.counts = {protocol.H_PENDING: str(outbox.pending_count()),
                              protocol.H_HELD: str(outbox.held_count())}

    def push(self):
        """Send the outbox oldest first in bounded batches, up to ``window`` of them in flight:
        the hub reads one while it stores the one before, and the kiosk applies answers in the
        order it sent the batches. Each batch names the one before it, and the hub stores a
        batch only after its predecessor (kiosk.hub.intake.ingest.wait_for_previous), so
        sign-ups are decided in the order visitors made them."""
        sent, last_seq, exhausted = 0, 0, False
        before = 0      # the batch in flight before the next one (0: none; the hub need not wait)
        in_flight = collections.deque()
        with concurrent.futures.ThreadPoolExecutor(self.window, thread_name_prefix="sync-push") as pool:
            while True:
                while not exhausted and len(in_flight) < self.window:
                    with database.connection_context():
                        batch = outbox.pending_batch(self.batch_size, after=last_seq)
                        self._count()
                    if not batch:
                        exhausted = True
                        break
                    # Encoded here: the workers only send. A payload that cannot be encoded
                    # fails in the worker instead, where the batch is split to find it like
                    # any batch that fails as a whole.
                    try:
                        data = self._encode(batch, after=before)
                    except (ValueError, TypeError):
                        data = None
                    last_seq = before = batch[-1].seq
                    in_flight.append((pool.submit(self._post, batch, data), batch))
                if not in_flight:
                    return sent
                future, entries = in_flight.popleft()
                try:
                    answer = future.result()
                except Exception as exc:
                    self._drop(in_flight)
                    if not may_be_one_record(exc):
                        raise
                    sent += self.isolate(entries)
                    # What was sent after the failed batch is sent again (a resend is
                    # answered "duplicate", never stored twice).
                    # isolate() waited for every answer: nothing is in flight before them.
                    last_seq, before, exhausted = entries[-1].seq, 0, False
                    continue
                with database.connection_context():
                    done = outbox.record_results(answer.get("results", []), {e.record_id: e.kind for e in entries})
                sent += done
                if done == 0:   # nothing final came back: try again next round, do not spin
                    self._drop(in_flight)
                    return sent

    @staticmethod
    def _drop(in_flight):
        """Forget the batches after one that failed: those not sent yet are not sent; those
        at the hub are answered there, and their records stay in the outbox until a later
        push hears "duplicate" for them."""
        for future, _entries in in_flight:
            future.cancel()
        in_flight.clear()

    def isolate(self, entries):
        """After a batch failed as a whole: send it in halves, down to single records."""
        try:
            answer = self._post(entries)
        except Exception as exc:
            if not may_be_one_record(exc):
                raise
            if len(entries) > 1:
                mid = len(entries) // 2
                return self.isolate(entries[:mid]) + self.isolate(entries[mid:])
            # One record fails alone. If an empty batch fails too, the hub is at fault, not it.
            self.client.request("POST", "/api/v1/records", {"records": []})
            with database.connection_context():
                if outbox.record_failure(entries[0], error_kind(exc), self.max_failures):
                    log.warning("sync: a %s record failed alone %d times; set aside for attention",
                                entries[0].kind, self.max_failures)
            return 0
        with database.connection_context():
            return outbox.record_results(answer.get("results", []))

    def pull(self):
        applied = 0
        while True:
            with database.connection_context():
                since = feed_apply.cursor()
            answer = self.client.request("GET", "/api/v1/feed", params={"since": since, "limit": 500})
            entries = answer.get("entries") if isinstance(answer, dict) else None
            if not isinstance(entries, list):
                raise ValueError("feed page without a list of entries")
            if not entries:
                return applied
            with database.connection_context():
                applied += feed_apply.apply_page(entries)

    @staticmethod
    def _merge_index():
        """The search index merged a step further after the feed changed much of it (never in
        the way of the round: the next one goes on)."""
        try:
            index.merge_index()
        except Exception as exc:    # noqa: BLE001
            log.warning("sync: search index not merged (%s)", type(exc).__name__)

    def run_once(self):
        with database.connection_context():
            outbox.release_held(self.held_retry_seconds, self.max_failures)
            demand.close_days(self.timezone)     # each day that is over, as one record
        pushed = self.push()
        with database.connection_context():
            self._count()
        pulled = self.pull()
        with database.connection_context():
            self._merge_index()
            purged = outbox.purge_personal_data(self.retention_seconds, self.timezone)
            outbox.set_state(online="1", last_sync_at=protocol.format_time(clock.now()),
                             revoked="0", hub_offset=round(self.client.offset))
        return {"pushed": pushed, "pulled": pulled, "purged": purged}


def engine_for(app, client):
    """A SyncEngine with this app's settings."""
    c = app.config
    return SyncEngine(client, int(c["SYNC_BATCH_SIZE"]), int(c["PERSONAL_DATA_RETENTION_SECONDS"]),
                      int(c["SYNC_MAX_RECORD_FAILURES"]), int(c["SYNC_HELD_RETRY_SECONDS"]),
                      c["TIMEZONE"], int(c.get("SYNC_BATCHES_IN_FLIGHT", 2)))


# SQLite's messages for the local failures a kiosk meets; they carry no data, so they may be
# logged and shown. Anything else is named by its exception type only.
_SQLITE_ERRORS = {"database is locked": "database_locked",
                  "attempt to write a readonly database": "database_readonly",
                  "disk I/O error": "disk_io_error",
                  "database or disk is full": "disk_full",
                  "unable to open database file": "database_unavailable"}


def error_kind(exc):
    """A short code for why a round or a request failed (no personal data, no free text)."""
    if isinstance(exc, HubRefused):
        return "refused:" + (exc.error if isinstance(exc.error, str) else str(exc.status))[:40]
    if isinstance(exc, httpx.HTTPStatusError):
        return f"hub_error_{exc.response.status_code}"
    if isinstance(exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)):
        return "hub_unreachable"
    if isinstance(exc, (peewee.OperationalError, sqlite3.OperationalError)):
        message = str(exc).strip().lower()
        for text, code in _SQLITE_ERRORS.items():
            if message.startswith(text.lower()):
                return code
    return "error:" + type(exc).__name__[:50]


def backoff_delay(failures, base=1.0, cap=300.0, rng=random.random):
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    return rng() * min(cap, base * (2 ** min(failures, 20)))


class SyncLoop(threading.Thread):
    """Runs sync rounds in the background of the kiosk process, forever, by itself.

    No exception ends it: a failed round is logged by its kind, remembered (shown in the
    footer, and told to the hub for its fleet view), and retried with backoff."""

    def __init__(self, app, interval=10.0):
        super().__init__(name="sync-loop", daemon=True)
        self.app, self.interval = app, interval
        self._wake, self._stopping = threading.Event(), threading.Event()
        self.failures = 0
        self.error, self.failing_since = "", None     # the current failure, while rounds fail
        self.rounds = 0
        self.unpaired = False     # the last round found no pairing (so it sent nothing)
        self.client = None
        self.board = Board()      # the footer's state, from memory (kiosk.site.status)

    def wake(self):
        """A new record is waiting: push it now rather than at the next interval."""
        self._wake.set()

    def stop(self):
        self._stopping.set()
        self._wake.set()

    def _sleep(self, seconds):
        self._wake.wait(seconds)
        self._wake.clear()

    def run(self):
        while not self._stopping.is_set():
            try:
                delay = self._round()
            except Exception as exc:    # noqa: BLE001 - the loop must outlive anything
                delay = self._failed(exc)
            self.rounds += 1
            if not self.unpaired:
                # The round may have sent, set aside or released records: the footer's count is
                # read again, and pages kept in front of Flask (kiosk.web.replay) are dropped
                # only if it moved. (Unpaired, it sent nothing.)
                self._refresh_board()
            serving.trim_memory()    # what the last seconds' visitors freed goes back to the system
            if self.failures:
                # While failing, only the backoff decides: a wake must not turn into a hammer.
                self._stopping.wait(delay)
            else:
                self._sleep(delay)
        self._flush_counts()     # the kiosk is stopping: what visitors did is written first
        if self.client:
            self.client.close()

    def _refresh_board(self):
        try:
            with self.app.app_context(), database.connection_context():
                self.board.refresh()
        except Exception as exc:    # noqa: BLE001 - the database may be what failed the round
            log.info("sync: backlog not counted (%s)", error_kind(exc))
            self.board.recount()     # counted when a page next asks

    def _flush_counts(self):
        try:
            with self.app.app_context(), database.connection_context():
                demand.flush()
        except Exception as exc:    # noqa: BLE001 - never in the way of a stop or a round
            log.warning("sync: counts not written (%s)", type(exc).__name__)

    def _round(self):
        """One round; returns the seconds until the next one."""
        self.unpaired = False
        self._flush_counts()     # counts kept in memory are written at least every round
        with self.app.app_context():
            with database.connection_context():
                creds = credentials()
            if creds is None:
                self.unpaired = True
                return 5.0
            if self.client is None or self.client.device_id != creds[1]:
                self.client = HubClient(creds[0], creds[1], creds[2],
                                        timeout=float(self.app.config["SYNC_TIMEOUT_SECONDS"]))
            self.client.report = self._report()
            counts = engine_for(self.app, self.client).run_once()
            recovered = bool(self.error)
            self.failures, self.error, self.failing_since = 0, "", None
            self._save_state(sync_error="", sync_error_since="")
            if recovered:
                self._tell_hub()
            if counts["pushed"] or counts["pulled"]:
                log.info("sync: pushed %(pushed)d, pulled %(pulled)d, purged %(purged)d", counts)
            return self.interval

    def _failed(self, exc):
        """Remember and report a failed round; returns the backoff before the next one."""
        self.failures += 1
        kind = error_kind(exc)
        if isinstance(exc, (peewee.DatabaseError, sqlite3.Error)):
            # A connection opened while the file could not be written stays read-only: let
            # the next round open fresh ones.
            try:
                database.close_idle()
            except Exception:    # noqa: BLE001
                pass
        if kind != self.error or self.failing_since is None:
            self.failing_since = self.failing_since or clock.now()
        self.error = kind
        cap = float(self.app.config["SYNC_MAX_BACKOFF_SECONDS"])
        if isinstance(exc, HubRefused):
            log.warning("sync refused by hub: %s", exc.error)
            self._save_state(online="1" if exc.status < 500 else "0",
                             revoked="1" if exc.error == "revoked" else "0", last_error=exc.error)
            if exc.error == "revoked":
                return 600.0
        else:
            delay = backoff_delay(self.failures, cap=cap)
            log.warning("sync round failed (%s); next try in %.1f s", kind, delay)
            self._save_state(online="0" if kind == "hub_unreachable" or kind.startswith("hub_") else "1",
                             last_error=kind)
            if not kind.startswith("hub_"):
                self._tell_hub()     # the hub's fleet view shows a kiosk that cannot sync
            return delay
        return backoff_delay(self.failures, cap=cap)

    def _report(self):
        """Headers telling the hub this kiosk's state for its fleet view: why sync rounds fail,
        while they do, and the host PIN lockouts of the last 24 hours."""
        report = {}
        if self.error:
            report = {protocol.H_SYNC_ERROR: self.error.replace(" ", "_")[:64],
                      protocol.H_SYNC_ERROR_SINCE: protocol.format_time(self.failing_since)}
        try:
            import datetime
            from ...models.attendance import HostPinLockout
            now = clock.now()
            with database.connection_context():
                count, latest = HostPinLockout.recent(now - datetime.timedelta(hours=24))
            # Seconds since the latest, not its time: the hub places it on its own clock.
            report[protocol.H_PIN_LOCKOUTS] = (f"{count};{max(int((now - latest).total_seconds()), 0)}"
                                               if count else "0")
        except Exception as exc:    # noqa: BLE001 - the database may be what fails; only a report
            log.info("sync: could not read the host PIN lockouts (%s)", error_kind(exc))
        return report

    def _tell_hub(self):
        """Best effort: an empty push carries this kiosk's sync state to the hub."""
        if self.client is None:
            return
        try:
            self.client.report = self._report()
            self.client.request("POST", "/api/v1/records", {"records": []})
        except Exception as exc:    # noqa: BLE001 - only a report; the next round tries again
            log.info("sync: could not report state to the hub (%s)", error_kind(exc))

    def _save_state(self, **values):
        """Best effort: the database may be the very thing that fails."""
        if self.error:
            values.setdefault("sync_error", self.error)
            values.setdefault("sync_error_since", protocol.format_time(self.failing_since))
        try:
            with self.app.app_context(), database.connection_context():
                outbox.set_state(**values)
        except Exception as exc:    # noqa: BLE001
            log.info("sync: could not save its state (%s)", error_kind(exc))


def start_loop(app):
    loop = SyncLoop(app, interval=float(app.config["SYNC_INTERVAL_SECONDS"]))
    app.extensions["sync_loop"] = loop
    loop.start()
    return loop


def wake_sync():
    """A record was just written: wake this process's sync loop, if one runs, so it is pushed
    now rather than at the next interval (the views of sign-ups, cancellations and host mode)."""
    loop = current_app.extensions.get("sync_loop")
    if loop is not None:
        loop.board.recount()
        loop.wake()
