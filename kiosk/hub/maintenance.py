"""The hub's housekeeping in one place, never inside a request.

Four jobs, each at its own interval (seconds, in the settings):

- retention (HUB_RETENTION_INTERVAL_SECONDS): personal details past their retention blanked
  (kiosk.hub.intake.retention);
- compaction (HUB_COMPACTION_INTERVAL_SECONDS): feed entries no kiosk needs removed
  (kiosk.hub.intake.compaction);
- nonces (HUB_NONCE_PRUNE_INTERVAL_SECONDS): nonces too old to be replayed forgotten;
- schedules (HUB_KEEP_AHEAD_INTERVAL_SECONDS): recurring sessions kept SCHEDULE_WEEKS_AHEAD
  ahead (kiosk.hub.catalog.schedules).

Every hub process runs `run_due` before it serves and then every
HUB_MAINTENANCE_INTERVAL_SECONDS in a background thread (`start_loop`); `kiosk --role hub
maintain` runs it once, for a timer. Several processes on one database do each job once: when
a job last ran is kept in the database (KioskState), and a process takes a job with a
conditional update ("last run before now minus the interval") in the job's own transaction,
under the job's lock. Of two processes, the second finds the job already taken; a job that
fails rolls its claim back with its work, so it is due again at the next pass.
"""
import collections
import datetime
import logging
import threading

from ..db import database
from ..models import KioskState, SeenNonce
from ..models.catalog import utcnow
from ..sync import protocol
from .catalog import schedules
from .intake import compaction, retention
from .locks import write_lock

log = logging.getLogger("kiosk.hub.maintenance")

Job = collections.namedtuple("Job", "name interval_key lock work says")

_STAMP = "%Y-%m-%dT%H:%M:%S.%f"      # fixed width: stamps compare as strings in SQL


def _retention(config):
    return retention.blank_expired(
        int(config["HUB_RETENTION_DAYS_CALLBACK"]), int(config["HUB_RETENTION_DAYS_VOLUNTEER"]),
        int(config["HUB_RETENTION_DAYS_EVENT"]), days_rejected=config.get("HUB_RETENTION_DAYS_REJECTED"),
        days_cancel=config.get("HUB_RETENTION_DAYS_CANCEL"),
        days_cancel_pending=config.get("HUB_RETENTION_DAYS_CANCEL_PENDING"))


def _compaction(config):
    return compaction.compact(int(config.get("FEED_PAST_DAYS", 14)), int(config.get("FEED_REQUEST_DAYS", 90)))


def forget_old_nonces(config=None):
    """Nonces older than twice the timestamp window can never be replayed successfully (the
    request's timestamp is refused first): drop them."""
    cutoff = utcnow() - datetime.timedelta(seconds=2 * protocol.TIMESTAMP_WINDOW_SECONDS)
    return SeenNonce.delete().where(SeenNonce.seen_at < cutoff).execute()


def _keep_ahead(config):
    # Forced: the claim already says it is due; expanding twice never makes a session twice.
    return schedules.keep_ahead(config, force=True)


# Retention, compaction and the schedules write what staff and kiosks' batches also write:
# the hub's write lock, as every such writer. Forgetting nonces touches nothing a lock guards.
JOBS = (
    Job("retention", "HUB_RETENTION_INTERVAL_SECONDS", write_lock, _retention,
        "the personal details of {} requests blanked"),
    Job("compaction", "HUB_COMPACTION_INTERVAL_SECONDS", write_lock, _compaction,
        "{} feed entries no kiosk needs removed"),
    Job("nonces", "HUB_NONCE_PRUNE_INTERVAL_SECONDS", database.atomic, forget_old_nonces,
        "{} used nonces forgotten"),
    Job("schedules", "HUB_KEEP_AHEAD_INTERVAL_SECONDS", write_lock, _keep_ahead,
        "{} sessions created"),
)


def last_run_key(name):
    """The KioskState key holding when a job last ran (a stamp in UTC, by the hub's clock)."""
    return f"maintenance_{name}_at"


def _stamp(moment):
    return moment.strftime(_STAMP)


def _due(interval, now):
    """Last run before now minus the interval, or never; or more than an interval in the future
    (the clock was set back: the job must not wait for the old time to come round again)."""
    interval = datetime.timedelta(seconds=interval)
    return (KioskState.value < _stamp(now - interval)) | (KioskState.value > _stamp(now + interval))


def is_due(name, interval, now=None):
    """A cheap look, without a lock or a write: the claim decides."""
    recent = KioskState.select().where((KioskState.key == last_run_key(name)) & ~_due(interval, now or utcnow()))
    return not recent.exists()


def overdue(config, now=None):
    """The jobs that have not run for three of their intervals (or never): a monitor's sign that
    neither the serve process's loop nor a timer is doing them."""
    now = now or utcnow()
    out = []
    for job in JOBS:
        interval = float(config[job.interval_key])
        if interval > 0 and is_due(job.name, 3 * interval, now):
            out.append(job.name)
    return out


def claim(name, interval, now=None, force=False):
    """Take a job for this pass: True when this process is the one to run it. Call inside the
    job's transaction, so the claim commits (or rolls back) with the work."""
    now = now or utcnow()
    key = last_run_key(name)
    KioskState.insert(key=key, value="").on_conflict_ignore().execute()
    where = KioskState.key == key
    if not force:
        where &= _due(interval, now)
    return KioskState.update(value=_stamp(now)).where(where).execute() == 1


def run_job(job, config, force=False):
    """Run one job if it is due (or ``force``) and this process claims it; returns its count,
    or None when it did not run here."""
    interval = float(config[job.interval_key])
    if not force and not is_due(job.name, interval):
        return None
    with job.lock():
        if not claim(job.name, interval, force=force):
            return None
        return job.work(config)


def run_due(app, only=None, force=False, stopping=None):
    """Run the jobs that are due (``only``: these names; ``force``: whether due or not);
    returns {name: count} of those that ran in this process, and {name: the exception} of those
    that failed: a failed job is logged and due again at the next pass, and the others still
    run. ``stopping``: an Event that ends the pass between two jobs (the server is stopping)."""
    ran = {}
    with app.app_context(), database.connection_context():
        for job in JOBS:
            if (only and job.name not in only) or (stopping is not None and stopping.is_set()):
                continue
            try:
                count = run_job(job, app.config, force=force)
            except Exception as exc:    # noqa: BLE001 - one job's failure must not stop the others
                log.exception("hub maintenance: %s failed; it is due again at the next pass", job.name)
                ran[job.name] = exc
                continue
            if count is not None:
                ran[job.name] = count
                if count:       # the journal keeps what changed, not every pass
                    log.info("hub maintenance: %s: %s", job.name, job.says.format(count))
    return ran


def failed(ran):
    """The jobs of a `run_due` answer that failed."""
    return [name for name, result in ran.items() if isinstance(result, Exception)]


def describe(job, ran):
    """One line for the command line: what a job did, that it failed, or that it was not due."""
    result = ran.get(job.name)
    if result is None:
        return f"{job.name}: not due"
    if isinstance(result, Exception):
        return f"{job.name}: failed ({type(result).__name__})"
    return f"{job.name}: " + job.says.format(result)


class MaintenanceLoop(threading.Thread):
    """Runs `run_due` in the background of a hub's serve process every ``interval`` seconds,
    until `stop`. No exception ends it: an unreachable database is logged, and the next pass
    tries again."""

    def __init__(self, app, interval):
        super().__init__(name="hub-maintenance", daemon=True)
        self.app, self.interval = app, interval
        self._stopping = threading.Event()
        self.passes = 0

    def stop(self):
        """Asked by the server as it shuts down; a job under way finishes, no new one starts."""
        self._stopping.set()

    def run_pass(self):
        try:
            run_due(self.app, stopping=self._stopping)
        except Exception as exc:    # noqa: BLE001 - the loop must outlive anything
            log.warning("hub maintenance pass failed (%s); next try in %.0f s", type(exc).__name__, self.interval)
        self.passes += 1

    def run(self):
        while not self._stopping.wait(self.interval):
            self.run_pass()


def start_loop(app):
    """What is due now, before the hub serves (a hub back after a long stop has its sessions
    ahead before a kiosk asks), then every HUB_MAINTENANCE_INTERVAL_SECONDS in the background.
    0: no maintenance in this process (run `kiosk --role hub maintain` from a timer instead)."""
    interval = float(app.config["HUB_MAINTENANCE_INTERVAL_SECONDS"])
    if interval <= 0:
        return None
    loop = MaintenanceLoop(app, interval)
    loop.run_pass()
    app.extensions["maintenance_loop"] = loop
    loop.start()
    return loop
