"""Install it at a site and at the ward.

- The wheel carries config, migrations, static files and compiled translations: installed into a
  fresh virtual environment outside the checkout, `kiosk serve` with a KIOSK_CONFIG file serves
  the kiosk (styles and Japanese included).
- Migrations run on purpose, under a lock: two hub processes started at once on an empty
  PostgreSQL end with one applied schema; the app factory never migrates.
- `kiosk demo` and `make run` stop their child processes on SIGTERM, as on Ctrl-C.
- /healthz answers a monitor with JSON and a status code it can act on.
"""
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time

import httpx
import pytest

from tests.conftest import ROOT, Server, free_port
from tests.helpers import answering
from tests.pg import fresh_database


def gone(url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            time.sleep(0.2)
        except httpx.HTTPError:
            return True
    return False


def test_the_wheel_serves_a_kiosk_from_a_fresh_venv_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    # Built by `pip wheel` from a copy of the files git tracks or would track (new files not
    # ignored), so the build leaves nothing in the checkout, and what git ignores (the compiled
    # catalogs) is not in the source: the build hook (setup.py) compiles the catalogs itself.
    source = tmp_path / "source"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True, text=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    assert not list(source.rglob("*.mo"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    assert not list((source / "translations").rglob("*.mo"))     # compiled in build/, not the source
    # A copy has no git metadata, so the version is pyproject's fallback (tests/install/test_versions.py
    # builds from clones).
    wheel = next(wheels.glob("ward_kiosk-0.1.dev0-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "--no-deps", "-q", str(wheel)], check=True,
                   capture_output=True)
    # Third-party dependencies come from the test environment; ward-kiosk only from the wheel.
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run([venv / "bin" / "python", "-c", "import kiosk; print(kiosk.__file__)"],
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert str(venv) in where and str(ROOT) not in where
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    config = site_dir / "kiosk.toml"
    port = free_port()
    config.write_text(f'ROLE = "kiosk"\nDATABASE_URL = "sqlite:///{site_dir}/kiosk.db"\n'
                      f'SECRET_KEY = "wheel-test"\nPORT = {port}\nHOST = "127.0.0.1"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_") and k != "PYTHONPATH"}
    env["KIOSK_CONFIG"] = str(config)
    subprocess.run([venv / "bin" / "kiosk", "load-demo"], cwd=site_dir, env=env, check=True, capture_output=True)
    proc = subprocess.Popen([venv / "bin" / "kiosk", "serve"], cwd=site_dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        assert answering(base + "/healthz", proc=proc).json()["status"] == "not_paired"
        home = httpx.get(base + "/ja/")
        assert home.status_code == 200 and "相談" in home.text        # compiled translations
        assert httpx.get(base + "/static/css/kiosk.css").status_code == 200
        assert "街かどケアカフェ" in httpx.get(base + "/ja/services?q=カフェ").text
        assert (site_dir / "kiosk.db").exists()
    finally:
        proc.terminate()
        proc.wait(10)
    reported = subprocess.run([venv / "bin" / "kiosk", "migrate"], cwd=site_dir, env=env, check=True,
                              capture_output=True, text=True).stdout
    assert "nothing pending" in reported


def test_two_hub_processes_starting_together_apply_the_schema_once(tmp_path):
    with fresh_database() as url:
        first, second = (Server(url, role="hub", log_dir=tmp_path) for _ in range(2))
        first.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(first.port)],
                                      env=first.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        second.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(second.port)],
                                       env=second.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for s in (first, second):
                r = answering(s.url + "/healthz", proc=s.proc)
                assert r.status_code == 200 and r.json()["database"] is True
            import psycopg2
            con = psycopg2.connect(url)
            with con.cursor() as cur:
                cur.execute("SELECT name, count(*) FROM schema_migration GROUP BY name")
                counts = dict(cur.fetchall())
            con.close()
            names = sorted(p.stem for p in (ROOT / "migrations").glob("0*.py"))
            assert counts == {n: 1 for n in names}
        finally:
            for s in (first, second):
                s.proc.terminate()
                s.proc.wait(10)


def test_the_app_factory_does_not_migrate(tmp_path):
    from kiosk import create_app, db
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/k.db", "SECRET_KEY": "x"})
    assert db.pending_migrations()            # nothing applied by the factory
    assert db.migrate() and db.pending_migrations() == []
    assert db.migrate() == []


def _demo_env(tmp_path, kiosk_port, hub_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_DATA_DIR=str(tmp_path), KIOSK_PORT=str(kiosk_port), HUB_PORT=str(hub_port),
               HUB_DATABASE_URL=f"sqlite:///{tmp_path}/hub.db")
    return env


@pytest.mark.parametrize("how", ["kiosk demo", "make run"])
def test_sigterm_stops_the_hub_and_the_kiosk(tmp_path, how):
    kiosk_port, hub_port = free_port(), free_port()
    env = _demo_env(tmp_path, kiosk_port, hub_port)
    cmd = ([sys.executable, "-m", "kiosk", "demo", "--port", str(kiosk_port), "--hub-port", str(hub_port)]
           if how == "kiosk demo" else ["make", "-s", "run"])
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert answering(f"http://127.0.0.1:{hub_port}/healthz", timeout=120, proc=proc).status_code == 200
        assert answering(f"http://127.0.0.1:{kiosk_port}/healthz", timeout=120, proc=proc).status_code == 200
        assert (tmp_path / "hub.db").exists() and (tmp_path / "var" / "kiosk.db").exists()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        assert gone(f"http://127.0.0.1:{kiosk_port}/healthz") and gone(f"http://127.0.0.1:{hub_port}/healthz")
    finally:
        if proc.poll() is None:
            proc.kill()
        subprocess.run(["pkill", "-f", f"--port {kiosk_port}"], check=False)
        subprocess.run(["pkill", "-f", f"--port {hub_port}"], check=False)


def test_healthz_reports_backlog_sync_and_loop(tmp_path, demo_db):
    server = Server(demo_db, env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"}).start()
    try:
        r = httpx.get(server.url + "/healthz")
        body = r.json()
        # Serving, but a kiosk that is not paired takes sign-ups that never reach the ward.
        assert r.status_code == 503 and body["status"] == "not_paired" and "kiosk pair" in body["reason"]
        assert body["role"] == "kiosk" and body["ok"] is False and body["version"]
        assert body["backlog"] == 0 and body["paired"] is False and "sync_loop_alive" in body
    finally:
        server.stop()


def test_hub_healthz_is_503_when_its_database_is_gone(tmp_path):
    with fresh_database() as url:
        hub = Server(url, role="hub", log_dir=tmp_path).start()
        try:
            body = httpx.get(hub.url + "/healthz").json()
            assert body.pop("version")
            # The serve process runs maintenance in the background, each job once at the start.
            assert body.pop("maintenance") == {"loop": "alive", "overdue": []}
            assert body == {"role": "hub", "ok": True, "status": "ok", "database": True, "kiosks": 0,
                            "kiosks_stale": 0, "kiosks_never_seen": 0, "stale_minutes": 60}
        except BaseException:
            hub.stop()
            raise
    # fresh_database dropped the database (WITH FORCE) under the running hub.
    try:
        r = httpx.get(hub.url + "/healthz")
        assert r.status_code == 503 and r.json()["database"] is False
    finally:
        hub.stop()


def test_a_hub_whose_database_is_down_says_so_in_one_line(tmp_path):
    env = dict(os.environ, KIOSK_ROLE="hub", KIOSK_SECRET_KEY="x",
               KIOSK_DATABASE_URL="postgresql://postgres@127.0.0.1:9/ward_hub")   # nothing listens on 9
    proc = subprocess.run([sys.executable, "-m", "kiosk", "serve", "--port", str(free_port())], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr and len(lines) == 1, lines
    assert lines[0].startswith("Error: cannot reach the database 127.0.0.1:9/ward_hub")
