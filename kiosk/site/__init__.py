"""The kiosk's screens: directory and service pages (visitor), and later sign-ups and host mode."""


def register(app):
    from . import directory, filters, host, lookup, session, signup
    filters.init_app(app)
    app.register_blueprint(directory.bp)
    app.register_blueprint(session.bp)
    app.register_blueprint(signup.bp)
    app.register_blueprint(lookup.bp)
    app.register_blueprint(host.bp)
