"""Helpers for tests of the hub's staff screens through Flask's test client."""
import contextlib

from tests.helpers import staff_login
from tests.pg import fresh_database


@contextlib.contextmanager
def hub_app(backend, tmp_path):
    """A hub app on a fresh, migrated database: PostgreSQL (``backend`` "postgresql") or a
    SQLite file in ``tmp_path``."""
    from kiosk import create_app
    settings_ = {"SECRET_KEY": "t", "TESTING": True, "WTF_CSRF_ENABLED": False}
    from kiosk import db
    if backend == "sqlite":
        app = create_app(dict(settings_, DATABASE_URL=f"sqlite:///{tmp_path}/hub.db"), role="hub")
        db.migrate()
        yield app
        return
    with fresh_database() as url:
        app = create_app(dict(settings_, DATABASE_URL=url), role="hub")
        db.migrate()
        try:
            yield app
        finally:
            from kiosk.db import database
            database.close_all()


def in_db(app, fn):
    """``fn()`` inside the app's context with a database connection open."""
    from kiosk.db import database
    with app.app_context(), database.connection_context():
        return fn()


def login(app, username, password):
    """A test client signed in as ``username``, its screens in English."""
    c = staff_login(app.test_client(), username, password)
    c.get("/language/en", query_string={"next": "/staff/"})
    return c


@contextlib.contextmanager
def demo_hub(backend, tmp_path, username, password, tz="Asia/Tokyo"):
    """A hub app with the demo catalog published and one staff account, its app context pushed
    and its database connected for the test (every test-client request shares that context)."""
    with hub_app(backend, tmp_path) as app:
        from kiosk.db import database
        from kiosk.demo import loader
        from kiosk.hub.desk.staff_auth import set_password
        from kiosk.hub.intake import ingest
        with app.app_context(), database.connection_context():
            loader.load_demo(tz=tz, weeks=8)
            ingest.publish_catalog(by="load-demo")
            set_password(username, password)
        ctx = app.app_context()
        ctx.push()
        database.connect(reuse_if_open=True)
        try:
            yield app
        finally:
            database.close()
            ctx.pop()
