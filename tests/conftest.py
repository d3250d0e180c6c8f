"""Shared fixtures: apps on temp SQLite files, the demo catalog, real waitress servers."""
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from tests.helpers import log_problems

# Property tests: no wall-clock deadline (the machine is shared; speed is for benchmarks) and
# no example database in the work tree.
hypothesis_settings.register_profile("kiosk", deadline=None, database=None)
hypothesis_settings.load_profile("kiosk")

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "_artifacts"
LANGS = ("ja", "en", "zh", "ko", "tl")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1280, "height": 800}
LOG_FILES = []   # every server log of this run (server_logs_stay_clean reads what each test adds)


def pytest_sessionstart(session):
    # Compiled catalogs are build output (.gitignored); compile them so a bare `pytest` works too.
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    str(ROOT / "translations")], check=True, capture_output=True)


@pytest.fixture(autouse=True)
def server_logs_stay_clean():
    """No server this test started wrote personal data or a traceback to its log
    (tests/helpers.py, PERSONAL_MARKERS): the logs of the servers started during the test are
    read when it ends, so the check names the test whose servers wrote it. Servers that outlive
    one test (session and module fixtures) are not read here, since what they write meanwhile
    would be blamed on whichever test runs then; tests/privacy reads its own."""
    before = set(LOG_FILES)
    yield
    started = [path for path in LOG_FILES if path not in before]
    problems = log_problems(started, since={})
    assert problems == [], f"server logs hold what no log may: {problems}"


def make_app(db_path, **overrides):
    from kiosk import create_app
    settings = {"SECRET_KEY": "test-secret", "TESTING": True,
                "DATABASE_URL": f"sqlite:///{db_path}", "WTF_CSRF_ENABLED": False}
    settings.update(overrides)
    app = create_app(settings)
    from kiosk import db
    db.migrate()   # on purpose, as `kiosk migrate` does: the factory never migrates
    return app


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory):
    """A SQLite file with the demo catalog, built once per run; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    app = make_app(path)
    from kiosk.db import database
    from kiosk.demo.loader import load_demo
    with app.app_context(), database.connection_context():
        load_demo()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path):
    path = tmp_path / "kiosk.db"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture
def app(demo_db):
    return make_app(demo_db)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_conn(app):
    """A connection for tests that read or write models directly."""
    from kiosk.db import database
    with app.app_context():
        database.connect(reuse_if_open=True)
        yield database
        database.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(health):
    """A server answers its health check: 200, or a kiosk that serves but is not paired yet."""
    return health.status_code == 200 or (health.status_code == 503 and health.json().get("status") == "not_paired")


class Server:
    """A real `python -m kiosk serve` (waitress) process on a free loopback port."""

    def __init__(self, db, role="kiosk", env=None, log_dir=None, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.role = role
        db_url = db if str(db).startswith(("sqlite:", "postgres")) else f"sqlite:///{db}"
        self.env = dict(os.environ, KIOSK_ROLE=role, KIOSK_DATABASE_URL=db_url,
                        KIOSK_SECRET_KEY="test-secret", KIOSK_PORT=str(self.port), **(env or {}))
        log_dir = pathlib.Path(log_dir or (pathlib.Path(str(db)).parent if not str(db).startswith("postgres") else ARTIFACTS))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{role}-{self.port}.log"
        LOG_FILES.append(self.log_path)
        self.proc = None

    def start(self, timeout=20):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--port", str(self.port)],
                                     env=self.env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if ready(httpx.get(self.url + "/healthz", timeout=1)):
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.proc.kill()
        self.proc.wait(10)
        raise RuntimeError("server did not start: " + self.log_path.read_text()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc:
            self._log.close()

    def kill9(self):
        """A power cut: SIGKILL, no cleanup."""
        self.proc.kill()
        self.proc.wait(10)
        self._log.close()


@pytest.fixture
def kiosk_server(demo_db):
    server = Server(demo_db, env={"KIOSK_IDLE_SECONDS": "3", "KIOSK_IDLE_COUNTDOWN_SECONDS": "2"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright for Python (never `playwright install`)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
