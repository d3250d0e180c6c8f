"""Helpers for tests of the hub's staff screens through Flask's test client."""


def in_db(app, fn):
    """``fn()`` inside the app's context with a database connection open."""
    from kiosk.db import database
    with app.app_context(), database.connection_context():
        return fn()


def login(app, username, password):
    """A test client signed in as ``username``, its screens in English."""
    c = app.test_client()
    assert c.post("/staff/login", data={"username": username, "password": password}).status_code == 303
    c.get("/language/en", query_string={"next": "/staff/"})
    return c
