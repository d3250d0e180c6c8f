"""Command line: `kiosk <command>` (or `flask --app kiosk <command>`).

Set the role with KIOSK_ROLE=hub or `kiosk --role hub <command>`.
"""
import os
import pathlib
import subprocess
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

ROOT = pathlib.Path(__file__).resolve().parent.parent


@click.command("serve")
@click.option("--port", type=int, default=None, help="Port (default: PORT setting).")
@click.option("--host", default=None, help="Address to listen on (default: HOST setting).")
@with_appcontext
def serve_command(port, host):
    """Serve this role with waitress (the only server we run)."""
    import waitress
    app = current_app._get_current_object()
    port = port or int(app.config["PORT"])
    host = host or app.config["HOST"]
    click.echo(f"{app.config['ROLE']} serving on http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=int(app.config["THREADS"]),
                   ident="ward-kiosk", clear_untrusted_proxy_headers=True)


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending migrations (the app also does this when it starts)."""
    from . import db
    applied = db.migrate()
    click.echo("applied: " + (", ".join(applied) if applied else "nothing pending"))


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalog has services.")
@with_appcontext
def load_demo_command(if_empty):
    """Load the demo catalog (real ward programs, demo sites, events over the next 4 weeks)."""
    from .demo import loader
    from .db import database
    with database.connection_context():
        if if_empty and not loader.catalog_is_empty():
            click.echo("catalog already loaded")
            return
        counts = loader.load_demo(tz=current_app.config["TIMEZONE"])
    click.echo("loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.command("load-synthetic")
@click.option("--services", type=int, default=5000)
@with_appcontext
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
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
             "-o", "translations/messages.pot", ".")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching")


@translations_group.command("compile")
def compile_command():
    """Compile every catalog to .mo (done by make run / make test)."""
    _pybabel("compile", "-d", "translations", "--statistics")


def init_app(app):
    for command in (serve_command, migrate_command, load_demo_command, load_synthetic_command,
                    translations_group):
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
