"""The kiosk's screens: directory and service pages (visitor), and later sign-ups and host mode."""


def register(app):
    from . import cards, demand, directory, filters, host, lookup, session, signup, speech, status
    from ..web import ratelimit, replay
    filters.init_app(app)
    cards.init_app(app)
    demand.configure(app)
    ratelimit.init(speech.limiter, app)
    paper = app.config.get("PRINT_PAPER") or ""
    # The site's printer's paper ("" when it has none: no Print button), static/css/print.css.
    app.jinja_env.globals["print_paper"] = paper if paper in ("58mm", "80mm", "A6", "A4") else ""
    app.register_blueprint(directory.bp)
    app.register_blueprint(session.bp)
    app.register_blueprint(signup.bp)
    app.register_blueprint(lookup.bp)
    app.register_blueprint(host.bp)
    app.register_blueprint(speech.bp)
    _search_index_current()
    app.before_request(_catalog_first)
    replay.install(app, status.fingerprint)     # last: in front of everything Flask does


# Visitor screens that need the ward's catalog to show anything true.
_NEEDS_CATALOG = ("site.", "signup.")


def _catalog_first():
    """Until a paired kiosk has the ward's catalog (a first sync that did not come through when
    it was paired, say), its visitor screens say that it is getting it, and look again by themselves,
    instead of answering every search with "0 found". Once the catalog is here this is never
    asked again in this process."""
    from flask import current_app, render_template, request
    endpoint = request.endpoint or ""
    if current_app.config.get("ROLE") != "kiosk" or not endpoint.startswith(_NEEDS_CATALOG):
        return None
    if current_app.extensions.get("catalog_present"):
        return None
    from ..models import KioskState, Service
    if Service.select().where(Service.active == True).exists():  # noqa: E712
        current_app.extensions["catalog_present"] = True
        return None
    if not KioskState.get_value("device_id"):
        return None     # not paired: nothing is on its way (its health check says not_paired)
    response = current_app.make_response((render_template("site/waiting_catalog.html"), 503))
    response.headers["Retry-After"] = "5"
    response.headers["Refresh"] = "5"      # the tablet looks again by itself
    return response


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
