"""Real hubs (waitress, on PostgreSQL and on SQLite) and real kiosks (waitress + sync loop)."""
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid

import psycopg2
import pytest

from tests.conftest import ROOT, Server
from tests.pg import fresh_database

HUB_BACKENDS = ["postgresql", "sqlite"]
# A test module that sets TWO_HUB_PROCESSES = True also runs against two hub processes on one
# PostgreSQL, behind a proxy that hands requests to them in turn.
TWO_PROCESSES = "postgresql-2procs"


def pytest_generate_tests(metafunc):
    if "hub_db_url" not in metafunc.fixturenames:
        return
    if any(m.args and m.args[0] == "hub_db_url" for m in metafunc.definition.iter_markers("parametrize")):
        return
    backends = HUB_BACKENDS + ([TWO_PROCESSES] if getattr(metafunc.module, "TWO_HUB_PROCESSES", False) else [])
    metafunc.parametrize("hub_db_url", backends, indirect=True)


def run_cli(db_url, role, *args, env=None, check=True):
    """`python -m kiosk <args>` for a role and database; returns stdout."""
    full_env = dict(os.environ, KIOSK_ROLE=role, KIOSK_DATABASE_URL=db_url,
                    KIOSK_SECRET_KEY="test-secret", **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "kiosk", *args], env=full_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"kiosk {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
    return proc.stdout


def query(db_url, sql, params=()):
    """Rows from a hub or kiosk database, read with a plain driver (not our code)."""
    if db_url.startswith("sqlite:///"):
        con = sqlite3.connect(db_url[len("sqlite:///"):], timeout=30)
        try:
            rows = con.execute(sql.replace("%s", "?"), params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()
    con = psycopg2.connect(db_url)
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        con.commit()
        con.close()


def prepare_hub(db_url):
    """Migrate, load and publish the demo catalog, and create a staff user."""
    run_cli(db_url, "hub", "load-demo")
    run_cli(db_url, "hub", "create-staff", "staff", "--password", "staff-pass-1")


class Hub:
    """One hub process, or several on one database behind a proxy that takes them in turn
    (kiosks and staff see one address; a restart keeps every port)."""

    def __init__(self, db_url, tmp_path, env=None, processes=1):
        self.db_url, self.tmp_path = db_url, tmp_path
        self.env = env or {}
        self.server, self.servers, self.proxy = None, [], None
        self.ports = [None] * processes
        self.port = None

    def start(self):
        self.servers = [Server(self.db_url, role="hub", log_dir=self.tmp_path, env=self.env, port=port)
                        for port in self.ports]
        for server in self.servers:
            server.start()
        self.ports = [server.port for server in self.servers]
        self.server = self.servers[0]
        if len(self.servers) == 1:
            self.port, self.url = self.server.port, self.server.url
        else:
            from tests.sync.proxy import FaultProxy
            self.proxy = self.proxy or FaultProxy(self.ports)
            self.port, self.url = self.proxy.port, self.proxy.url
        return self

    def stop(self):
        for server in self.servers:
            server.stop()

    def close(self):
        self.stop()
        if self.proxy:
            self.proxy.close()

    def code(self, site="plaza-nerima"):
        return run_cli(self.db_url, "hub", "enroll-code", "--site", site).strip()

    def query(self, sql, params=()):
        return query(self.db_url, sql, params)

    def event_with_seats(self, min_capacity=1):
        return self.query("SELECT uid, capacity FROM event WHERE capacity >= %s AND cancelled = %s "
                          "ORDER BY starts_at, uid LIMIT 1", (min_capacity, False))[0]


class Kiosk:
    def __init__(self, path, hub_url, code, env=None):
        self.path, self.db_url = path, f"sqlite:///{path}"
        self.env = dict(env or {})
        run_cli(self.db_url, "kiosk", "migrate", env=self.env)
        run_cli(self.db_url, "kiosk", "pair", "--hub", hub_url, "--code", code, "--name", path.stem,
                env=self.env)
        self.server = None

    def sync(self, check=True):
        return run_cli(self.db_url, "kiosk", "sync", env=self.env, check=check)

    def start(self, **env):
        self.server = Server(self.path, env={**self.env, **env}).start()
        self.url = self.server.url
        return self

    def stop(self):
        if self.server:
            self.server.stop()

    def query(self, sql, params=()):
        return query(self.db_url, sql, params)

    def device_id(self):
        return self.query("SELECT value FROM kiosk_state WHERE key = 'device_id'")[0][0]


@contextlib.contextmanager
def bound(db_url):
    """Our models bound to a database in this process (to create records as the views do)."""
    from kiosk import db
    database = db.make_database(db_url)
    db.database.initialize(database)
    with database.connection_context():
        yield database
    database.close_all()


def enqueue(db_url, n, event_uid=None, kind="event", service="machikado-care-cafe", prefix="Test",
            clock_offset=0):
    """Create ``n`` sign-ups on a kiosk database through the outbox, as the sign-up view does
    (with that kiosk's clock offset, if it has a wrong clock)."""
    from kiosk import clock
    from kiosk.site.sync import outbox
    clock.set_offset(clock_offset)
    try:
        with bound(db_url):
            return [outbox.enqueue_signup(kind=kind, service_slug=service, event_uid=event_uid,
                                          language="ja", name=f"{prefix} {i} {uuid.uuid4().hex[:6]}",
                                          phone="090-1234-5678").id for i in range(n)]
    finally:
        clock.set_offset(0)


@pytest.fixture(scope="session")
def hub_templates(tmp_path_factory):
    """A prepared hub database per backend, built once; each test gets a copy."""
    made = {}

    def get(backend):
        if backend not in made:
            if backend == "sqlite":
                path = tmp_path_factory.mktemp("hubtpl") / "hub.db"
                prepare_hub(f"sqlite:///{path}")
                made[backend] = path
            else:
                stack = contextlib.ExitStack()
                url = stack.enter_context(fresh_database())
                prepare_hub(url)
                made[backend] = (url.rsplit("/", 1)[1], stack)
        return made[backend]
    yield get
    for value in made.values():
        if isinstance(value, tuple):
            value[1].close()


def _hub_copy(backend, hub_templates, tmp_path):
    template = hub_templates(backend)
    if backend == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(template, path)
        return contextlib.nullcontext(f"sqlite:///{path}")
    return fresh_database(template=template[0])


@pytest.fixture
def hub_db_url(request, tmp_path, hub_templates):
    with _hub_copy(request.param.split("-")[0], hub_templates, tmp_path) as url:
        yield url


@pytest.fixture
def pg_hub_db_url(tmp_path, hub_templates):
    with _hub_copy("postgresql", hub_templates, tmp_path) as url:
        yield url


@pytest.fixture
def hub(request, hub_db_url, tmp_path):
    backend = request.node.callspec.params.get("hub_db_url", "")
    h = Hub(hub_db_url, tmp_path, processes=2 if backend == TWO_PROCESSES else 1).start()
    yield h
    h.close()


@pytest.fixture
def make_kiosk(hub, tmp_path, demo_db_template):
    kiosks = []

    def factory(name="kiosk", env=None, sync=True):
        path = tmp_path / f"{name}.db"
        shutil.copy(demo_db_template, path)
        # Enrolled for the site it serves: the hub takes a kiosk's attendance only for its site.
        k = Kiosk(path, hub.url, hub.code((env or {}).get("KIOSK_SITE_SLUG", "plaza-nerima")), env=env)
        if sync:
            k.sync()
        kiosks.append(k)
        return k
    yield factory
    for k in kiosks:
        k.stop()
