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


def xlsx_rows(raw):
    """The first sheet of a workbook download as rows of openpyxl cells (values, types and
    number formats, as Excel would read them)."""
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(raw))
    try:
        return [list(row) for row in book.worksheets[0].iter_rows()]
    finally:
        book.close()


def upload_package(client, data, name="package.zip"):
    """Upload a datapackage zip on the catalog's import screen (Flask's test client): the answer."""
    import io
    return client.post("/staff/catalog/import", data={"package": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def form_fields(page, step):
    """The fields of the import page's form whose hidden "step" is ``step`` ("preview" or
    "apply"), as the browser would send them (hidden values, the selected option)."""
    import re
    for form in re.findall(r"<form\b.*?</form>", page, re.S):
        if f'name="step" value="{step}"' not in form:
            continue
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        for select, options in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected', options)
            fields[select] = chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', options).group(1)
        return fields
    raise AssertionError(f"no {step} form on the page")


def apply_import(client, preview, **choices):
    """Keep the previewed import as drafts as staff do: the apply form's fields, with
    ``choices`` (e.g. missing="hide"); returns the answer."""
    fields = dict(form_fields(preview.get_data(as_text=True), "apply"), **choices)
    return client.post("/staff/catalog/import", data=fields)


def editor_client(app, username="editor", password="editor-pass-123"):
    """Flask's test client on ``app`` signed in as the catalog editor, reading English screens.
    It signs in without showing the login page first: every request shares the app context the
    fixture pushed, and Flask-Babel keeps the first page's translations on it (Japanese)."""
    c = app.test_client()
    assert c.post("/staff/login", data={"username": username, "password": password}).status_code == 303
    c.get("/language/en")
    return c
