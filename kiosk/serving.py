"""Serving a role with waitress: the start and stop lines, the access log, and a clean stop.

A service manager stops the process with SIGTERM. Python's default is to die on the spot,
which leaves a kiosk's write-ahead log beside the database (committed sign-ups may live only
there) and the sync loop cut mid-round. Here SIGTERM ends waitress's loop instead; the sync
loop (the hub's maintenance loop) is asked to stop and waited for, every pooled connection is
closed, and the write-ahead log is checkpointed into the database file and truncated, so the
file alone holds everything.
"""
import ctypes
import ctypes.util
import logging
import re
import signal
import sqlite3
import time
import urllib.parse

import waitress

from . import db
from .sync.protocol import software_version

log = logging.getLogger("kiosk.serve")
access_log = logging.getLogger("kiosk.access")


class AccessLog:
    """One line per request in the Common Log Format, written as the response starts.

    The path is logged without its query string: reference codes, search words and the
    status page's code travel there, and a log must hold no personal data."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def logging_start_response(status, headers, exc_info=None):
            length = next((v for k, v in headers if k.lower() == "content-length"), "-")
            access_log.info('%s - - [%s] "%s %s %s" %s %s', environ.get("REMOTE_ADDR", "-"),
                            time.strftime("%d/%b/%Y:%H:%M:%S %z"), environ.get("REQUEST_METHOD", "-"),
                            _path(environ), environ.get("SERVER_PROTOCOL", "-"),
                            status.split(" ", 1)[0], length)
            return start_response(status, headers, exc_info)

        # The app's own iterable goes back to waitress untouched (its file wrapper for static
        # files included); the line is written as the response starts.
        return self.app(environ, logging_start_response)


# The phone's status page carries a reference code in its path (/p/<lang>/status/<code>).
_CODE_IN_PATH = re.compile(r"(/status/)[^/]+")


def _path(environ):
    """The request's path (percent-encoded) without the query string or a reference code."""
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = urllib.parse.quote(raw.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~%") or "/"
    return _CODE_IN_PATH.sub(r"\1-", path)


def limit_malloc_arenas(arenas=2, mmap_from=64 * 1024):
    """Let glibc's malloc keep at most ``arenas`` pools of memory. By default each thread that
    allocates gets its own (up to 8 per core), and each keeps the memory it freed: a kiosk's
    waitress threads and its sync loop held tens of MB that way. Two arenas cost nothing
    measurable at a kiosk's load.

    Blocks of ``mmap_from`` bytes or more (a search's ranked rows as one text, a page's body)
    get pages of their own, given back when freed. By default glibc raises that threshold to
    the largest block freed so far, after which such blocks are carved from the pools and
    leave holes there: about 1 MB more after 10,000 mixed requests. (Elsewhere than glibc:
    nothing to do.)"""
    try:
        libc = _libc()
        libc.mallopt(-8, arenas)      # M_ARENA_MAX
        libc.mallopt(-3, mmap_from)   # M_MMAP_THRESHOLD (fixed: no longer raised as blocks are freed)
    except (OSError, AttributeError):
        pass


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def trim_memory():
    """Give the memory malloc holds free back to the system (glibc's malloc_trim): after a
    burst of searches, a kiosk's process otherwise keeps its peak. The sync loop calls it after
    each round. (Elsewhere than glibc: nothing to do.)"""
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _stop_on_sigterm(signum, frame):
    # waitress's loop treats SystemExit as "close the server", then returns to run().
    raise SystemExit(0)


def sqlite_path(url):
    """The file behind a sqlite:/// URL, or None for PostgreSQL and in-memory databases."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return url[len("sqlite:///"):]
    return None


def checkpoint(path):
    """Move every committed page from the write-ahead log into the database file and empty the
    log; returns (busy, log frames, frames checkpointed) as SQLite reports them."""
    con = sqlite3.connect(path, timeout=30)
    try:
        return con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()


def run(app, host, port):
    """Serve ``app`` until SIGTERM or Ctrl-C, then stop cleanly (see the module's docstring)."""
    role, version = app.config["ROLE"], software_version()
    log.info("ward-kiosk %s starting: %s on http://%s:%s/", version, role, host, port)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        # Forwarding headers are dropped unless a proxy is trusted (TRUSTED_PROXY_HOPS): then
        # the app's ProxyFix reads exactly the hops it trusts (kiosk/__init__.py).
        waitress.serve(AccessLog(app), host=host, port=port, threads=int(app.config["THREADS"]),
                       ident="ward-kiosk",
                       clear_untrusted_proxy_headers=not int(app.config.get("TRUSTED_PROXY_HOPS") or 0))
    finally:
        signal.signal(signal.SIGTERM, previous)
        _shut_down(app)
        log.info("ward-kiosk %s stopped: %s on port %s", version, role, port)


def _shut_down(app):
    # The kiosk's sync loop, or the hub's maintenance loop: a round or a job under way finishes.
    for name in ("sync_loop", "maintenance_loop"):
        loop = app.extensions.get(name)
        if loop is not None:
            loop.stop()
            loop.join(timeout=15)
    try:
        db.database.close_all()
    except Exception as exc:   # noqa: BLE001 - stopping must go on; say what failed
        log.warning("could not close the database connections: %s", type(exc).__name__)
    path = sqlite_path(app.config["DATABASE_URL"])
    if path:
        busy, frames, done = checkpoint(path)
        if busy:
            log.warning("the write-ahead log could not be checkpointed (busy); it is kept beside %s", path)
        else:
            log.info("write-ahead log checkpointed into %s (%d pages)", path, done)
