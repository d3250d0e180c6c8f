"""Command line: `kiosk <command>` (or `flask --app kiosk <command>`).

Set the role with KIOSK_ROLE=hub or `kiosk --role hub <command>`.
"""
import contextlib
import functools
import os
import pathlib
import subprocess
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

ROOT = pathlib.Path(__file__).resolve().parent.parent


def announce_database():
    """Say which database a command acts on when that is not plainly the site's: another one
    than the settings file names (an environment variable overrides it), or, for an installed
    package, any database at all when no settings file was found."""
    from .config import INSTALLED, system_config_dir
    from .db import describe_url
    config = current_app.config
    used = config["DATABASE_URL"]
    if config["CONFIGURED_DATABASE_URL"] and config["CONFIGURED_DATABASE_URL"] != used:
        click.echo(f"note: this command uses the database {describe_url(used)}, not "
                   f"{describe_url(config['CONFIGURED_DATABASE_URL'])} named in {config['CONFIG_FILE']}", err=True)
    elif INSTALLED and not config["CONFIG_FILE"]:
        click.echo(f"note: no settings file ({system_config_dir() / (config['ROLE'] + '.toml')} or KIOSK_CONFIG); "
                   f"this command uses the database {describe_url(used)}", err=True)


def apply_migrations():
    """Apply pending migrations under the migration lock (kiosk.db.migrate); an unreachable
    database is one clear line and a non-zero exit, not a driver's traceback."""
    import peewee
    from . import db
    announce_database()
    try:
        return db.migrate()
    except peewee.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise click.ClickException(f"cannot reach the database {db.describe_url(current_app.config['DATABASE_URL'])}: "
                                   f"{reason}") from None


def with_schema(command):
    """Commands that use the database apply pending migrations first, so a fresh machine needs
    no separate step; the app factory never does."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        applied = apply_migrations()
        if applied:
            click.echo("applied migrations: " + ", ".join(applied), err=True)
        return command(*args, **kwargs)
    return wrapper


@click.command("serve")
@click.option("--port", type=int, default=None, help="Port (default: PORT setting).")
@click.option("--host", default=None, help="Address to listen on (default: HOST setting).")
@with_appcontext
@with_schema
def serve_command(port, host):
    """Serve this role with waitress (the only server we run)."""
    from .catalogs_check import missing_catalogs
    from .config import RESOURCES
    # Without its .mo files the kiosk would quietly show English to everyone: refuse instead.
    missing = missing_catalogs(current_app.config["LANGUAGES"], RESOURCES / "translations")
    if missing:
        raise click.ClickException(f"the compiled translations are missing ({', '.join(map(str, missing))}): build "
                                   "the wheel with its build hook, or run `kiosk translations compile`")
    from . import serving
    app = current_app._get_current_object()
    port = port or int(app.config["PORT"])
    host = host or app.config["HOST"]
    lock = contextlib.nullcontext()
    if app.config["ROLE"] == "kiosk":
        serving.limit_malloc_arenas()   # before the sync loop and waitress start their threads
        from .web.i18n import slim_locale_data
        slim_locale_data([lang["babel"] for lang in app.config["LANGUAGES"]])   # before a page loads a locale
        from .search import terms
        from .site.sync.client import start_loop
        if serving.sqlite_path(app.config["DATABASE_URL"]):
            from .backup import BackupError, serving_lock
            lock = serving_lock(serving.sqlite_path(app.config["DATABASE_URL"]))   # restore waits for it
            try:
                lock.__enter__()
            except BackupError as exc:
                raise click.ClickException(str(exc)) from None
        if app.config.get("ANALYSER_PROCESS", True):
            terms.use_helper_process()   # its dictionary is read on the other core as the kiosk starts
        terms.warm_up()   # not on a visitor's first keystroke
        start_loop(app)   # in the background of this process; never inside a visitor's request
    else:
        from .hub import maintenance
        maintenance.start_loop(app)   # what is due now, then in the background; never in a request
    try:
        serving.run(app, host, port)
    finally:
        lock.__exit__(None, None, None)


def _sqlite_path(app):
    from .serving import sqlite_path
    return sqlite_path(app.config["DATABASE_URL"])


@click.command("backup")
@click.option("--dir", "dest", default=None, help="Where to keep backups (default: BACKUP_DIR).")
@click.option("--keep", type=int, default=None, help="How many to keep (default: BACKUP_KEEP).")
@with_appcontext
def backup_command(dest, keep):
    """Kiosk: a consistent, checked copy of the running database (SQLite's online backup)."""
    from . import backup
    from .config import data_root
    announce_database()
    path = _sqlite_path(current_app)
    if not path:
        raise click.ClickException("backups here are of a kiosk's SQLite database; on the hub use pg_dump")
    dest = pathlib.Path(dest or current_app.config["BACKUP_DIR"])
    if not dest.is_absolute():
        dest = data_root(current_app.config) / dest
    try:
        made = backup.take(path, dest, keep or int(current_app.config["BACKUP_KEEP"]))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(made))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--undo", is_flag=True, help="Put back the database the last restore set aside.")
@with_appcontext
def restore_command(file, undo):
    """Kiosk, stopped: replace the database with a backup. The current database, write-ahead
    log included, is first copied aside and verified; `--undo` puts it back."""
    from . import backup
    announce_database()
    path = _sqlite_path(current_app)
    if not path:
        raise click.ClickException("restore is for a kiosk's SQLite database; on the hub use pg_restore")
    if bool(file) == undo:
        raise click.UsageError("name a backup FILE, or give --undo")
    try:
        if undo:
            back, kept = backup.undo(path)
            click.echo(f"put back the database set aside as {back}" + (f"; the one it replaced is kept as {kept}" if kept else ""))
            return
        kept = backup.restore(file, path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {file}" + (f"; the previous database is kept as {kept} (`kiosk restore --undo` puts it back)"
                                     if kept else ""))


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending migrations, under a lock (`kiosk serve` does this too before it listens)."""
    applied = apply_migrations()
    click.echo("applied: " + (", ".join(applied) if applied else "nothing pending"))


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalog has services.")
@with_appcontext
@with_schema
def load_demo_command(if_empty):
    """Load the demo catalog (real ward programs, demo sites, their recurring sessions)."""
    from .demo import loader
    from .db import database
    with database.connection_context():
        if if_empty and not loader.catalog_is_empty():
            click.echo("catalog already loaded")
            return
        counts = loader.load_demo(tz=current_app.config["TIMEZONE"],
                                  weeks=int(current_app.config["SCHEDULE_WEEKS_AHEAD"]))
        if current_app.config["ROLE"] == "hub":
            from .hub.intake.ingest import publish_catalog
            publish_catalog(by="load-demo")
    click.echo("loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.command("load-synthetic")
@click.option("--services", type=int, default=5000)
@with_appcontext
@with_schema
def load_synthetic_command(services):
    """Load the demo catalog plus synthetic services (for benchmarks) into an empty database."""
    from .demo import synthetic
    from .db import database
    with database.connection_context():
        total = synthetic.load_synthetic(services)
    click.echo(f"catalog has {total} services")


@click.group("translations")
def translations_group():
    """Extract, update and compile the UI message catalogs (pybabel)."""


def _pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translations_group.command("extract")
def extract_command():
    """Extract messages to translations/messages.pot and update every catalog."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "_lp:1c,2", "--no-location", "--sort-output",
             "-o", "translations/messages.pot", ".")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching")
    for lang in _own_domains():
        # A language with its own catalog file in another language's locale (やさしい日本語).
        po = ROOT / "translations" / lang["babel"] / "LC_MESSAGES" / f"{lang['domain']}.po"
        verb = "update" if po.exists() else "init"
        _pybabel(verb, "-i", "translations/messages.pot", "-d", "translations", "-D", lang["domain"],
                 "-l", lang["babel"], *(["--no-fuzzy-matching"] if verb == "update" else []))


def _own_domains():
    from .config import load_config
    return [lang for lang in load_config()["LANGUAGES"] if lang.get("domain", "messages") != "messages"]


@translations_group.command("compile")
def compile_command():
    """Compile every catalog to .mo (done by make run / make test)."""
    _pybabel("compile", "-d", "translations", "--statistics")
    for lang in _own_domains():
        _pybabel("compile", "-d", "translations", "-D", lang["domain"], "-l", lang["babel"], "--statistics")


@click.command("pair")
@click.option("--hub", "hub_url", required=True, help="The hub's base URL, e.g. http://hub.example:8081")
@click.option("--code", required=True, help="One-time enrolment code from ward staff.")
@click.option("--name", default="", help="A name staff will recognise (default: the site).")
@with_appcontext
@with_schema
def pair_command(hub_url, code, name):
    """Enrol this kiosk with a ward hub using a one-time code."""
    from .db import database
    from .demo import loader
    from .models import KioskState, Signup
    from .site.sync import client
    from .site.sync import feed_apply
    name = name or current_app.config["SITE_SLUG"]
    try:
        answer = client.enroll(hub_url, code, name)
    except client.HubRefused as exc:
        raise click.ClickException(f"the hub refused the code ({exc.error})")
    except Exception as exc:  # noqa: BLE001 - report any network failure plainly
        raise click.ClickException(f"cannot reach the hub at {hub_url}: {type(exc).__name__}")
    with database.connection_context():
        with database.atomic():
            if not Signup.select().exists():
                loader.clear_catalog()   # the hub's catalog is the one that counts
            for key, value in (("hub_url", hub_url.rstrip("/")), ("device_id", answer["device_id"]),
                               ("device_secret", answer["secret"]), ("revoked", "0"),
                               (feed_apply.CURSOR_KEY, "0")):
                KioskState.set_value(key, value)
    click.echo(f"paired with {hub_url} as device {answer['device_id']}")
    # The first visitor must find the ward's catalog, not "0 found": take it before returning,
    # so a kiosk started after pairing serves the catalog from its first page.
    with database.connection_context():
        creds = client.credentials()
    try:
        counts = _one_round(creds)
    except Exception as exc:  # noqa: BLE001 - paired all the same; the sync loop takes the catalog later
        click.echo(f"note: the catalog could not be taken yet ({type(exc).__name__}); the kiosk's sync loop "
                   "takes it as soon as the hub answers", err=True)
        return
    click.echo(f"took the ward's catalog ({counts['pulled']} changes)")


@click.command("sync")
@with_appcontext
@with_schema
def sync_command():
    """Run one sync round now (push the outbox, pull the feed, purge personal data)."""
    from .db import database
    from .site.sync import client
    with database.connection_context():
        creds = client.credentials()
    if creds is None:
        raise click.ClickException("this kiosk is not paired with a hub (see `kiosk pair`)")
    try:
        counts = _one_round(creds)
    except client.HubRefused as exc:
        raise click.ClickException(f"the hub refused: {exc.error}")
    click.echo("sync: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _one_round(creds):
    """One sync round with these credentials; returns its counts."""
    from .site.sync import client
    hub = client.HubClient(*creds, timeout=float(current_app.config["SYNC_TIMEOUT_SECONDS"]))
    try:
        return client.engine_for(current_app, hub).run_once()
    finally:
        hub.close()


@click.command("enroll-code")
@click.option("--site", default="", help="Site slug the new kiosk will serve.")
@click.option("--hours", default=24, type=int, help="Hours before the code expires.")
@with_appcontext
@with_schema
def enroll_code_command(site, hours):
    """(hub) Issue a one-time enrolment code for a new kiosk; prints the code."""
    from .hub.intake.devices import issue_code
    from .db import database
    with database.connection_context():
        click.echo(issue_code(site, hours))


@click.command("create-staff")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@with_appcontext
@with_schema
def create_staff_command(username, password, name):
    """(hub) Create or reset a staff user (password stored hashed)."""
    from .hub.desk.staff_auth import WeakPassword, set_password
    from .db import database
    try:
        with database.connection_context():
            set_password(username, password, name)
    except WeakPassword as exc:     # too short, the user name, or a common password: says which
        raise click.ClickException(str(exc))
    click.echo(f"staff user {username} ready")


@click.command("hub-retention")
@with_appcontext
@with_schema
def hub_retention_command():
    """(hub) Blank the personal details that are past their retention, and compact the feed, now
    (both also happen by themselves: see `maintain`)."""
    from .hub import maintenance
    ran = maintenance.run_due(current_app._get_current_object(), only=("retention", "compaction"), force=True)
    if maintenance.failed(ran):
        raise click.ClickException(" and ".join(maintenance.failed(ran)) + " failed (see above)")
    click.echo(f"blanked the personal details of {ran['retention']} requests; "
               f"{ran['compaction']} feed entries no kiosk needs removed")


@click.command("maintain")
@with_appcontext
@with_schema
def maintain_command():
    """(hub) Do the hub's housekeeping that is due, once: retention, feed compaction, used
    nonces, recurring sessions kept ahead. Every `serve` process does it by itself every
    HUB_MAINTENANCE_INTERVAL_SECONDS; this is for a timer when that is 0."""
    from .hub import maintenance
    if current_app.config["ROLE"] != "hub":
        raise click.ClickException("maintain is a hub command: kiosk --role hub maintain")
    ran = maintenance.run_due(current_app._get_current_object())
    for job in maintenance.JOBS:
        click.echo(maintenance.describe(job, ran))
    if maintenance.failed(ran):
        raise click.ClickException(" and ".join(maintenance.failed(ran)) + " failed (see above)")


@click.command("keep-ahead")
@with_appcontext
@with_schema
def keep_ahead_command():
    """Hub: expand every recurring schedule into dated sessions SCHEDULE_WEEKS_AHEAD ahead now
    (the hub also does this by itself once a day)."""
    from .hub.catalog import schedules
    from .db import database
    with database.connection_context():
        created = schedules.keep_ahead(current_app.config, force=True)
    click.echo(f"sessions created: {created}")


@click.command("revoke")
@click.argument("device_id")
@with_appcontext
@with_schema
def revoke_command(device_id):
    """(hub) Revoke a kiosk: its requests are refused from now on."""
    from .hub.intake.devices import revoke
    from .db import database
    with database.connection_context():
        if not revoke(device_id):
            raise click.ClickException("no such device")
    click.echo(f"revoked {device_id}")


@click.command("set-host-pin")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
@with_schema
def set_host_pin_command(pin):
    """(kiosk) Set this site's host PIN (6 to 8 digits by default, not an easy guess; stored hashed)."""
    import unicodedata
    from .db import database
    from .site.host import pin_problem, set_pin
    pin = unicodedata.normalize("NFKC", pin).strip()
    problem = pin_problem(pin, current_app.config["HOST_PIN_MIN_DIGITS"])
    if problem:
        raise click.ClickException(problem)
    with database.connection_context():
        set_pin(pin)
    click.echo("host PIN set")


@click.command("demo")
@click.option("--port", type=int, default=lambda: int(os.environ.get("KIOSK_PORT", 8080)))
@click.option("--hub-port", type=int, default=lambda: int(os.environ.get("HUB_PORT", 8081)))
@with_appcontext
def demo_command(port, hub_port):
    """Run the whole demo: a ward hub and a kiosk paired with it (what `make run` does)."""
    from .demo.run import run_demo
    run_demo(port, hub_port)


def init_app(app):
    for command in (serve_command, migrate_command, load_demo_command, load_synthetic_command,
                    translations_group, pair_command, sync_command, enroll_code_command,
                    create_staff_command, revoke_command, demo_command,
                    set_host_pin_command, hub_retention_command, maintain_command, keep_ahead_command,
                    backup_command,
                    restore_command):
        app.cli.add_command(command)


def _create_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
@click.option("--role", type=click.Choice(["kiosk", "hub"]), default=None, expose_value=False,
              is_eager=True, callback=lambda ctx, param, value: value and os.environ.update(KIOSK_ROLE=value),
              help="kiosk (default) or hub.")
def main():
    """Ward community kiosk."""


main.add_command(translations_group)
