"""What residents look for, counted on the kiosk: counts, never people (README "What residents
look for").

Each event is counted in memory and written to demand_count (the ward's local day, kind,
language, key) with the others of the same second, in one transaction (``_Buffer``): a kill -9
loses the counts not yet written (the last second's, or up to one sync round's when nothing else
is counted meanwhile). The views count before the page
cache (a page served from memory is counted like a rendered one), and only what a person did:
a search when its query is typed (page 1), a need's screen when tapped (not each narrowing of
it), a service page, a sign-up form opened blank, a sign-up sent.

Search as you type sends a search every pause, so a visit's search is counted only once it has
settled: a search that extends or shortens it ("caf", "cafe") replaces it, and it is written
when the visit searches something else or when it has rested DEMAND_SETTLE_SECONDS (checked at
every count and every sync round). Until then it is kept in this process's memory only, so
nothing typed half-way (the start of an e-mail address before its @) is ever written; a kill
loses at most the searches of that last moment.

When a day is over (DAY_GRACE after midnight), the sync round (kiosk.site.sync.client) puts
that day's counts in the outbox as one record, whose id is made from the device and the day,
and removes them here, in one transaction: the hub stores the day exactly once.
"""
import collections
import contextlib
import datetime
import functools
import hashlib
import json
import logging
import threading
import time
import unicodedata
import uuid

from flask import current_app, request, session

from .. import clock
from ..db import database, is_sqlite
from ..models import DemandCount, KioskState, Outbox
from ..search import demand as searched
from ..sync import contract, protocol
from ..web import replay
from ..web.visit import VISIT_KEY

DAY_GRACE = datetime.timedelta(minutes=5)   # a request begun before midnight counts on its day
CLOSED_KEY = "demand_closed_through"        # the last day whose counts went into the outbox
log = logging.getLogger(__name__)
_NAMESPACE = uuid.UUID("4b0e9a52-8f7d-4d36-9a4e-2f1f6c0d7a31")


def _today():
    return clock.ward_today(current_app.config["TIMEZONE"]).isoformat()


def _add(day, kind, language, key, n=1):
    """One UPSERT: add ``n`` to a count."""
    (DemandCount.insert(day=day, kind=kind, language=language, key=key[:64], n=n)
     .on_conflict(conflict_target=[DemandCount.day, DemandCount.kind, DemandCount.language, DemandCount.key],
                  update={DemandCount.n: DemandCount.n + n})
     .execute())


class _Buffer:
    """Counts not yet written, in this process's memory: a write of its own for every page a
    visitor opens would cost each page a commit (half a millisecond of fsync, twice what Flask
    takes to answer). They are written together, in one transaction: by the first request that
    counts FLUSH_SECONDS after the first of them or with a search that settled, by the sync
    loop's round, and when the kiosk stops. A kill -9 loses what is not written yet."""

    def __init__(self):
        self._counts = collections.Counter()
        self._lock = threading.Lock()
        self._since = None

    def add(self, day, kind, language, key, n=1):
        with self._lock:
            self._counts[(day, kind, language, key[:64])] += n
            if self._since is None:
                self._since = time.monotonic()

    def due(self):
        since = self._since
        return since is not None and time.monotonic() - since >= FLUSH_SECONDS

    def take(self):
        with self._lock:
            counts, self._counts, self._since = self._counts, collections.Counter(), None
            return counts

    def give_back(self, counts):
        with self._lock:
            self._counts.update(counts)
            if self._since is None:
                self._since = time.monotonic()


FLUSH_SECONDS = 1.0


def _buffer():
    return current_app.extensions["demand_buffer"]


def flush():
    """Write the searches that have settled and every count waiting in memory (one transaction)."""
    flush_settled()
    buffer = current_app.extensions.get("demand_buffer")
    if buffer is None:
        return
    counts = buffer.take()
    if not counts:
        return
    try:
        with database.atomic():
            for (day, kind, language, key), n in sorted(counts.items()):
                _add(day, kind, language, key, n)
    except Exception as exc:   # noqa: BLE001 - a count must never cost a visitor her page
        buffer.give_back(counts)
        log.warning("demand: %d counts could not be written yet (%s)", len(counts), type(exc).__name__)


def count(kind, language, key):
    """Count one event today (a need tapped, a page opened, a sign-up started or sent)."""
    try:
        _buffer().add(_today(), kind, language, key)
        _write(_settled_now())
        if _buffer().due():
            with _connected():
                flush()
    except Exception as exc:   # noqa: BLE001 - a count must never cost a visitor her page
        log.warning("demand: a %s could not be counted (%s)", kind, type(exc).__name__)


def _connected():
    """The request's connection, or one of its own for a count made outside a request."""
    return database.connection_context() if database.is_closed() else contextlib.nullcontext()


def count_outside(app, kind, language, key, _session=None):
    """count() for a page answered without Flask (kiosk.web.replay): the same count."""
    with app.app_context():
        count(kind, language, key)


# --- searches ---------------------------------------------------------------------------------

Searched = collections.namedtuple("Searched", "day language outcome query at")


def _continues(old, new):
    """Is ``new`` the same search still being typed (or corrected) as ``old``?"""
    return (old.day == new.day and old.language == new.language
            and (new.query.startswith(old.query) or old.query.startswith(new.query)))


class _Settling:
    """Each visit's search still being typed, in this process's memory only (bounded), until
    it settles: replaced by a search that goes on from it, or written when the visit searches
    something else, or when it has rested ``seconds``."""

    def __init__(self, seconds, size=512):
        self.seconds, self.size = seconds, size
        self._data = collections.OrderedDict()      # visit -> Searched, oldest first
        self._lock = threading.Lock()

    def put(self, visit, new):
        """The searches that have settled now that ``visit`` searched ``new``."""
        with self._lock:
            due = []
            old = self._data.pop(visit, None)
            if old is not None and (new.at - old.at > self.seconds or not _continues(old, new)):
                due.append(old)
            self._data[visit] = new
            return due + self._take(new.at)

    def settled(self, now):
        with self._lock:
            return self._take(now)

    def _take(self, now):
        due = []
        while self._data:
            visit, oldest = next(iter(self._data.items()))
            if now - oldest.at <= self.seconds and len(self._data) <= self.size:
                break
            due.append(self._data.pop(visit))
        return due


def configure(app):
    """This app's searches still settling, with the settle time configured
    (DEMAND_SETTLE_SECONDS)."""
    app.extensions["demand_settling"] = _Settling(float(app.config.get("DEMAND_SETTLE_SECONDS", 20)))
    app.extensions["demand_buffer"] = _Buffer()


def _settling():
    return current_app.extensions["demand_settling"]


def _visit(visitor=None):
    """A key for this visit in memory (a hash: the visit's id is the session's own), of the
    request's session or of ``visitor``'s (a session's data)."""
    visit = (session if visitor is None else visitor).get(VISIT_KEY)
    return hashlib.sha256(visit.encode()).hexdigest()[:16] if visit else None


def count_search(query, language, found):
    """Count a visitor's search that found ``found`` services, once it has settled (see the
    module's docstring); a request without a visit (a link) counts at once."""
    folded = " ".join(unicodedata.normalize("NFKC", query or "").casefold().split())
    if not folded:
        return
    _count_search(_visit(), query, language, found)
    # The same search answered again without Flask counts as this one did.
    replay.also(functools.partial(_count_search_outside, current_app._get_current_object(), query, language, found))


def _count_search(visit, query, language, found):
    new = Searched(_today(), language, searched.outcome(found), query, time.monotonic())
    _write(_settling().put(visit, new) if visit else [new])
    if _buffer().due():
        flush()


def _count_search_outside(app, query, language, found, visitor):
    """count_search() for a search answered without Flask, for the visitor whose session data
    that is (a settled search's words are checked against the catalog: a connection)."""
    with app.app_context(), database.connection_context():
        try:
            _count_search(_visit(visitor), query, language, found)
        except Exception as exc:   # noqa: BLE001 - a count must never cost a visitor her page
            log.warning("demand: a search could not be counted (%s)", type(exc).__name__)


def flush_settled(now=None):
    """Count the searches that have rested long enough (flush() then writes them); with ``now``
    (monotonic seconds) a moment to judge them at."""
    _write(_settled_now(now))


def _settled_now(now=None):
    settling = current_app.extensions.get("demand_settling")
    return settling.settled(time.monotonic() if now is None else now) if settling is not None else []


def _write(searches):
    """Write settled searches: the outcome, and the words (scrubbed here, before anything is
    stored) only of those that found little or nothing. Returns how many there were."""
    if not searches:
        return 0
    try:
        # Scrubbed before the write transaction: the analyser's time is not the database's.
        phrases = [searched.scrub(s.query, known=catalog_knows) if searched.keeps_words(s.outcome) else ""
                   for s in searches]
        buffer = _buffer()
        for s, phrase in zip(searches, phrases):
            buffer.add(s.day, "search", s.language, s.outcome)
            if phrase:
                buffer.add(s.day, "word", s.language, phrase)
    except Exception as exc:   # noqa: BLE001 - a count must never cost a visitor her page
        # The exception's name only: its message or traceback could quote what was typed.
        log.warning("demand: %d searches could not be counted (%s)", len(searches), type(exc).__name__)
    return len(searches)


def catalog_knows(word):
    """Do the catalog's names or search words hold ``word`` (normalised)? A Latin word as a
    whole word, other scripts anywhere in a name (練馬 in 練馬区)."""
    if not word or not is_sqlite():
        return False
    # search_line holds each folded name, search word and official name of the index's rows, one
    # a row (kiosk.search.index): a scan of it reads none of search_row's descriptions.
    if word.isascii():
        sql = "SELECT 1 FROM search_line WHERE instr(' ' || line || ' ', ?) > 0 LIMIT 1"
        return bool(database.execute_sql(sql, (f" {word} ",)).fetchone())
    return bool(database.execute_sql("SELECT 1 FROM search_line WHERE instr(line, ?) > 0 LIMIT 1",
                                     (word,)).fetchone())


# --- views ------------------------------------------------------------------------------------

def counted(kind, key_of, when=lambda: True):
    """Count a view's page when it answers 200 to a GET (``key_of(**view_args)``: the count's
    key; ``when``: whether this request counts). Put above the page cache's decorator, so a
    page served from memory is counted too."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            counts = request.method == "GET" and when()     # asked before the view runs
            response = current_app.make_response(view(*args, **kwargs))
            if counts and response.status_code == 200:
                key = key_of(**kwargs)
                if key:
                    count(kind, kwargs.get("lang", ""), key)
                    # The same page answered again without Flask counts again.
                    replay.also(functools.partial(count_outside, current_app._get_current_object(),
                                                  kind, kwargs.get("lang", ""), key))
            return response
        return wrapper
    return decorate


# --- closing a day ----------------------------------------------------------------------------

def record_id(device_id, day):
    """The id of a device's record of a day: the same every time it is made."""
    return str(uuid.uuid5(_NAMESPACE, f"{device_id}/{day}"))


def day_payload(rid, day, rows):
    return {"id": rid, "type": "demand", "day": day, "created_at": protocol.format_time(clock.now()),
            "counts": [{"kind": r.kind, "language": r.language, "key": r.key, "n": r.n} for r in rows]}


def _bounded(counts):
    """A day's counts within what one record may carry: the rarest words left out first."""
    if len(counts) <= contract.DEMAND_COUNTS_MAX:
        return counts
    others = [c for c in counts if c.kind != "word"]
    words = sorted((c for c in counts if c.kind == "word"), key=lambda c: -c.n)
    return others + words[:max(contract.DEMAND_COUNTS_MAX - len(others), 0)]


def close_days(timezone):
    """Put the counts of each day that is over into the outbox, one record a day, and remove
    them here, in one transaction. Returns the number of records made. A kiosk not yet
    enrolled keeps counting until it is. (Counts for a day already sent, which only a clock
    set back can bring, are dropped: their record has gone.)"""
    flush()
    device_id = KioskState.get_value("device_id")
    if not device_id:
        return 0
    open_day = (clock.ward_time(clock.now(), timezone) - DAY_GRACE).date().isoformat()
    made = 0
    with database.atomic():
        closed = KioskState.get_value(CLOSED_KEY, "")
        rows = list(DemandCount.select().where(DemandCount.day < open_day)
                    .order_by(DemandCount.day, DemandCount.kind, DemandCount.language, DemandCount.key))
        if not rows:
            return 0
        by_day = collections.defaultdict(list)
        for r in rows:
            if r.n > 0 and r.day > closed:
                by_day[r.day].append(r)
        for day, counts in sorted(by_day.items()):
            counts = _bounded(counts)
            rid = record_id(device_id, day)
            Outbox.create(record_id=rid, kind="demand", created_at=clock.now(),
                          payload=json.dumps(day_payload(rid, day, counts), ensure_ascii=False))
            made += 1
        DemandCount.delete().where(DemandCount.day < open_day).execute()
        last = max(r.day for r in rows)
        if last > closed:
            KioskState.set_value(CLOSED_KEY, last)
    return made
