"""The README's installation guide, run as printed: from a build to a sign-up at the hub.

The blocks the README marks `<!-- guide: build -->`, `hub` and `site` are extracted and run by
bash, as root, in a scratch root that stands in for `/`: every system path of the installation
(/etc/ward-kiosk, /opt/ward-kiosk, /var/lib/ward-*, /etc/systemd/system) is moved under it, the
hub's public address becomes its first process, and the staff's enrolment code is the one the
hub block printed. The system users are real (`useradd`, `runuser`), the database is the real
PostgreSQL, the wheel is built by `python -m build` and installed with pip into a new virtual
environment from Debian's Python, and `systemctl` is `tests/install/units.py`, which starts
each unit's command as its user with its environment. Any change that breaks the guide breaks
this test.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import psycopg2
import pytest

from tests import helpers
from tests.conftest import ROOT
from tests.install.units import to_scratch
from tests.pg import PG_DSN
from tests.sync.faults_helpers import signup_via_http

HUB_PUBLIC = "https://hub.ward.example"
PORTS = (8080, 8081, 8082)
CODE_RE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", re.M)


def guide_blocks():
    text = (ROOT / "README.md").read_text()
    return dict(re.findall(r"<!-- guide: (\w+) -->\n```sh\n(.*?)```", text, re.S))


def pg(sql, dbname="postgres"):
    con = psycopg2.connect(PG_DSN.replace("dbname=postgres", f"dbname={dbname}"), connect_timeout=5)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        con.close()


def drop_hub_database():
    pg("DROP DATABASE IF EXISTS ward_hub WITH (FORCE)")
    pg("DROP ROLE IF EXISTS ward_hub")


def port_is_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def source_tree(dest):
    """The checkout as a release tree: its files as they are now (committed or not, ignored ones
    left out) and its git metadata, which the build reads its version from."""
    names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    for name in names:
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / ".git", dest / ".git")


@pytest.fixture
def scratch():
    """A scratch root that the service users can traverse (pytest's own tmp is root-only)."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="ward-guide-", dir="/var/tmp"))
    root.chmod(0o755)
    (root / "bin").mkdir()
    systemctl = root / "bin" / "systemctl"
    systemctl.write_text(f"#!/bin/sh\nexec {sys.executable} {ROOT / 'tests/install/units.py'} \"$@\"\n")
    systemctl.chmod(0o755)
    for path in ("etc/systemd/system", "opt", "var/lib"):
        (root / path).mkdir(parents=True)
    drop_hub_database()
    yield root
    for pidfile in (root / "run").glob("*.pid") if (root / "run").exists() else []:
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
    time.sleep(2)
    for pidfile in (root / "run").glob("*.pid") if (root / "run").exists() else []:
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass
    drop_hub_database()
    shutil.rmtree(root, ignore_errors=True)


def run_block(root, src, text, stdin=""):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KIOSK_", "VIRTUAL_ENV", "PYTHON", "PIP_REQUIRE"))}
    env.update(PATH=f"{root}/bin:" + env["PATH"], SCRATCH_ROOT=str(root), KIOSK_CONFIG_DIR=f"{root}/etc/ward-kiosk")
    script = "set -euxo pipefail\n" + to_scratch(text, root)
    proc = subprocess.run(["bash", "-c", script], cwd=src, env=env, input=stdin, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, f"the guide's block failed:\n{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}"
    return proc.stdout


def wait_for(check, timeout=90, what="condition"):
    """The toolbox's wait at the pace of started services: a refused connection or a database
    not there yet is "not yet"."""
    return helpers.wait_for(check, timeout=timeout, interval=0.5, what=what,
                            ignore=(httpx.HTTPError, psycopg2.Error))


def unit_log(root, name):
    path = root / "log" / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else "(no log)"


@pytest.mark.timeout(1500)
def test_the_installation_guide_works_as_printed(scratch):
    busy = [p for p in PORTS if not port_is_free(p)]
    assert not busy, f"the guide's ports {busy} are in use on this machine; stop what holds them"
    blocks = guide_blocks()
    assert set(blocks) == {"build", "hub", "site"}
    root, src = scratch, scratch / "src"
    source_tree(src)

    run_block(root, src, blocks["build"])
    assert len(list((src / "dist").glob("ward_kiosk-*.whl"))) == 1

    hub_text = blocks["hub"].replace(HUB_PUBLIC, "http://127.0.0.1:8081")
    printed = run_block(root, src, hub_text, stdin="Guide-test-pass-2026\nGuide-test-pass-2026\n")
    codes = CODE_RE.findall(printed)
    assert codes, printed
    # create-staff wrote into the configured PostgreSQL, not a stray SQLite file.
    assert pg("SELECT username FROM staff_user", "ward_hub") == [("admin",)]
    assert not list(root.glob("**/hub.db")) and not (src / "var").exists()
    for port in (8081, 8082):
        health = wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2),
                          what=f"hub on {port}: {unit_log(root, f'ward-hub@{port}.service')}")
        assert health.status_code == 200 and health.json()["version"] not in ("", "dev")

    site_text = blocks["site"].replace(HUB_PUBLIC, "http://127.0.0.1:8081").replace("XXXX-XXXX-XXXX", codes[-1])
    run_block(root, src, site_text, stdin="493817\n493817\n")
    health = wait_for(lambda: httpx.get("http://127.0.0.1:8080/healthz", timeout=2).json().get("last_sync_at"),
                      what="the kiosk's first sync: " + unit_log(root, "ward-kiosk.service"))
    body = httpx.get("http://127.0.0.1:8080/healthz").json()
    assert body["paired"] is True and body["status"] == "ok", body
    # The backup the guide started exists, as the service user's, and left nothing else behind.
    backups = root / "var/lib/ward-kiosk/var/backups"
    made = sorted(p.name for p in backups.iterdir())
    assert len(made) == 1 and made[0].endswith(".db"), made
    assert backups.stat().st_uid == pathlib.Path(root / "var/lib/ward-kiosk").stat().st_uid != 0

    # A visitor signs up at the kiosk; the sign-up reaches the hub's PostgreSQL.
    uid = pg("SELECT uid FROM event WHERE capacity > 0 AND NOT cancelled AND starts_at > now() + interval '1 day' "
             "ORDER BY starts_at LIMIT 1", "ward_hub")[0][0]
    assert signup_via_http("http://127.0.0.1:8080", uid, "Guide Testvisitor")
    wait_for(lambda: pg("SELECT count(*) FROM hub_signup WHERE name = 'Guide Testvisitor'", "ward_hub")[0][0] == 1,
             what="the sign-up at the hub")
    hub = httpx.get("http://127.0.0.1:8082/healthz").json()
    assert hub["kiosks"] == 1 and hub["kiosks_never_seen"] == 0 and hub["status"] == "ok"
    # The services' logs: a start line with the version, one access line per request, no traceback.
    log = unit_log(root, "ward-kiosk.service")
    assert re.search(r"ward-kiosk \S+ starting: kiosk", log) and '"GET /healthz HTTP/1.1" 200' in log
    assert "Traceback" not in log + unit_log(root, "ward-hub@8081.service")
