"""`kiosk demo`: the whole system on one machine — a ward hub and a kiosk paired with it.

The hub runs as a child process (its own waitress, its own SQLite file); the kiosk runs in this
process with its sync loop. Ctrl-C stops both.
"""
import os
import subprocess
import sys
import time

import click
import httpx

from ..config import ROOT

DEMO_STAFF = ("staff", "nerima-demo")
DEMO_HOST_PIN = "2580"


def _cli(role, *args, env):
    result = subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, text=True,
                            env=dict(env, KIOSK_ROLE=role), capture_output=True)
    if result.returncode != 0:
        raise click.ClickException(f"{role} {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip()


def run_demo(kiosk_port, hub_port):
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_ROLE", "KIOSK_DATABASE_URL", "KIOSK_PORT")}
    hub_env = dict(env, KIOSK_DATABASE_URL=os.environ.get("HUB_DATABASE_URL", "sqlite:///var/hub.db"))
    kiosk_env = dict(env, KIOSK_PUBLIC_BASE_URL=os.environ.get("KIOSK_PUBLIC_BASE_URL", f"http://localhost:{hub_port}/p"))
    click.echo("preparing the ward hub (migrations, demo catalog, demo staff user)")
    _cli("hub", "load-demo", "--if-empty", env=hub_env)
    _cli("hub", "create-staff", DEMO_STAFF[0], "--password", DEMO_STAFF[1], env=hub_env)
    hub = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(hub_port)], cwd=ROOT,
                           env=dict(hub_env, KIOSK_ROLE="hub"))
    try:
        hub_url = f"http://127.0.0.1:{hub_port}"
        for _ in range(100):
            try:
                httpx.get(hub_url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        click.echo("preparing the kiosk")
        _cli("kiosk", "load-demo", "--if-empty", env=kiosk_env)
        from ..db import database
        from ..sync.client import credentials
        with database.connection_context():
            paired = credentials() is not None
        if not paired:
            code = _cli("hub", "enroll-code", "--site", "plaza-nerima", env=hub_env)
            click.echo(_cli("kiosk", "pair", "--hub", hub_url, "--code", code, env=kiosk_env))
            _cli("kiosk", "set-host-pin", "--pin", DEMO_HOST_PIN, env=kiosk_env)
        click.echo(f"\n  kiosk:     http://localhost:{kiosk_port}/\n"
                   f"  host mode: the 'Hosts' link at the bottom of the kiosk, PIN {DEMO_HOST_PIN}\n"
                   f"  ward hub:  http://localhost:{hub_port}/staff/  (user {DEMO_STAFF[0]}, password {DEMO_STAFF[1]})\n")
        subprocess.run([sys.executable, "-m", "kiosk", "serve", "--port", str(kiosk_port)], cwd=ROOT,
                       env=dict(kiosk_env, KIOSK_ROLE="kiosk"))
    finally:
        hub.terminate()
        hub.wait(10)
