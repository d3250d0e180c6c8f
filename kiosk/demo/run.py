"""`kiosk demo`: the whole system on one machine — a ward hub and a kiosk paired with it.

The hub and the kiosk run as child processes (each its own waitress and SQLite file). Ctrl-C
and SIGTERM (what a service manager sends) stop both; so does the death of whatever started
`kiosk demo` (make run), through Linux's parent-death signal.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

import click
import httpx


DEMO_STAFF = ("staff", "nerima-demo")
DEMO_HOST_PIN = "604817"


def _cli(role, *args, env):
    result = subprocess.run([sys.executable, "-m", "kiosk", *args], text=True,
                            env=dict(env, KIOSK_ROLE=role), capture_output=True)
    if result.returncode != 0:
        raise click.ClickException(f"{role} {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip()


PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Ask Linux to send this process SIGTERM when its parent dies (no-op elsewhere)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)   # unwinds through the finally that stops the children


def _stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_demo(kiosk_port, hub_port):
    _die_with_parent()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_ROLE", "KIOSK_DATABASE_URL", "KIOSK_PORT")}
    hub_env = dict(env, KIOSK_DATABASE_URL=os.environ.get("HUB_DATABASE_URL", "sqlite:///var/hub.db"))
    kiosk_env = dict(env, KIOSK_PUBLIC_BASE_URL=os.environ.get("KIOSK_PUBLIC_BASE_URL", f"http://localhost:{hub_port}/p"))
    click.echo("preparing the ward hub (migrations, demo catalog, demo staff user)")
    _cli("hub", "load-demo", "--if-empty", env=hub_env)
    _cli("hub", "create-staff", DEMO_STAFF[0], "--password", DEMO_STAFF[1], env=hub_env)
    hub = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(hub_port)],
                           env=dict(hub_env, KIOSK_ROLE="hub"), preexec_fn=_die_with_parent)
    kiosk = None
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
        from ..site.sync.client import credentials
        with database.connection_context():
            paired = credentials() is not None
        if not paired:
            code = _cli("hub", "enroll-code", "--site", "plaza-nerima", env=hub_env)
            click.echo(_cli("kiosk", "pair", "--hub", hub_url, "--code", code, env=kiosk_env))
            _cli("kiosk", "set-host-pin", "--pin", DEMO_HOST_PIN, env=kiosk_env)
        click.echo(f"\n  kiosk:     http://localhost:{kiosk_port}/\n"
                   f"  host mode: the 'Hosts' link at the bottom of the kiosk, PIN {DEMO_HOST_PIN}\n"
                   f"  ward hub:  http://localhost:{hub_port}/staff/  (user {DEMO_STAFF[0]}, password {DEMO_STAFF[1]})\n")
        kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(kiosk_port)],
                                 env=dict(kiosk_env, KIOSK_ROLE="kiosk"), preexec_fn=_die_with_parent)
        kiosk.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop(kiosk)
        _stop(hub)
