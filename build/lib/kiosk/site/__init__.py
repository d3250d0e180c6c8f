"""The kiosk's screens: directory and service pages (visitor), and later sign-ups and host mode."""


def register(app):
    from . import directory, filters, host, lookup, session, signup
    filters.init_app(app)
    app.register_blueprint(directory.bp)
    app.register_blueprint(session.bp)
    app.register_blueprint(signup.bp)
    app.register_blueprint(lookup.bp)
    app.register_blueprint(host.bp)
    _search_index_current()


def _search_index_current():
    """A kiosk whose search index was built by older code rebuilds it once, at start."""
    import peewee
    from ..db import database
    from ..search import index
    try:
        with database.connection_context():
            index.ensure_current()
    except peewee.OperationalError:   # not migrated yet: `kiosk migrate` comes first
        pass
