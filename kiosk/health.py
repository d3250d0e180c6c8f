"""/healthz for monitoring: what a monitor needs to decide, as JSON with a status code.

Both say which software version answers. Kiosk: the backlog (records not yet acknowledged by
the hub, and those set aside), the last successful sync, and whether the sync loop is alive.
503 when the database cannot be read, when the kiosk is not paired with a hub (it would take
sign-ups that never reach the ward), or when the loop of a paired, serving kiosk has died;
"status": "degraded" (still 200) when it has not synced for FLEET_STALE_MINUTES, since a kiosk
is meant to keep working offline.

Hub: database reachability, the kiosks that have not synced within FLEET_STALE_MINUTES, those
enrolled but never seen, and maintenance (its loop, and jobs overdue by three intervals). 503 when the
database cannot be reached; "degraded" with stale kiosks.
"""
import datetime

from flask import current_app

from .models.catalog import utcnow
from .sync.protocol import software_version


def _stale_before():
    return utcnow() - datetime.timedelta(minutes=int(current_app.config["FLEET_STALE_MINUTES"]))


def kiosk():
    from .db import database
    from .models import KioskState, Outbox
    from .site.sync import outbox
    from .site.sync.client import credentials
    from .sync.protocol import parse_time
    loop = current_app.extensions.get("sync_loop")
    body = {"role": "kiosk", "version": software_version(), "ok": True, "status": "ok"}
    try:
        with database.connection_context():
            body["backlog"] = Outbox.select().count()
            body["held"] = outbox.held_count()
            last = KioskState.get_value("last_sync_at")
            paired = credentials() is not None
            error = KioskState.get_value("sync_error") or ""
    except Exception as exc:   # noqa: BLE001 - a monitor must get an answer, not a 500
        return {"role": "kiosk", "version": software_version(), "ok": False, "status": "database_unreachable",
                "error": type(exc).__name__}
    last_at = parse_time(last) if last else None
    body.update(paired=paired, last_sync_at=last,
                sync_loop_alive=bool(loop and loop.is_alive()),
                sync_error=(loop.error if loop else error) or "")
    if not paired:
        body.update(ok=False, status="not_paired",
                    reason="this kiosk is not paired with a ward hub: run `kiosk pair` with a code from staff")
    elif loop is not None and not loop.is_alive():
        body.update(ok=False, status="sync_loop_dead")
    elif (last_at is None or last_at < _stale_before()):
        body["status"] = "degraded"
    return body


def hub():
    from .db import database
    from .hub import maintenance
    from .hub.intake import devices
    try:
        with database.connection_context():
            database.execute_sql("SELECT 1")
            # The fleet screen's states (devices.fleet_state), so the two never disagree.
            fleet = devices.fleet_counts(_stale_before())
            stale, never_seen, total = fleet["stale"], fleet["never_seen"], fleet["active"]
            overdue = maintenance.overdue(current_app.config)
    except Exception as exc:   # noqa: BLE001
        return {"role": "hub", "version": software_version(), "ok": False, "status": "database_unreachable",
                "database": False,
                "error": type(exc).__name__}
    loop = current_app.extensions.get("maintenance_loop")
    loop_dead = loop is not None and not loop.is_alive()
    return {"role": "hub", "version": software_version(), "ok": True,
            "status": "degraded" if stale or loop_dead else "ok",
            "database": True, "kiosks": total, "kiosks_stale": stale, "kiosks_never_seen": never_seen,
            "stale_minutes": int(current_app.config["FLEET_STALE_MINUTES"]),
            # Maintenance (retention, compaction, nonces, schedules ahead): the serve process's
            # loop, or a timer running `kiosk --role hub maintain` where the loop is off.
            "maintenance": {"loop": None if loop is None else ("alive" if loop.is_alive() else "dead"),
                            "overdue": overdue}}
