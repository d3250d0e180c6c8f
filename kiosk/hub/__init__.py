"""The ward hub: sync API for kiosks, staff screens, public service pages."""


def register(app):
    from .. import csrf
    from .desk import accounts, demand, requests as desk, reports, staff, staff_auth
    from .intake import api
    from .catalog import import_views as catalog_import, views as catalog_views
    from .catalog import schedule_views  # noqa: F401  (its routes are on the catalog blueprint)
    from . import public
    from ..web import ratelimit
    csrf.exempt(api.bp)   # kiosks authenticate every request with a device signature instead
    # Reads text into kana and changes nothing, for a phone that has no session to protect.
    csrf.exempt(public.reading)
    ratelimit.init(staff_auth.limiter, app)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(demand.bp)
    app.register_blueprint(catalog_views.bp)
    app.register_blueprint(catalog_import.bp)
    staff.init_app(app)
    from ..sync.protocol import software_version
    app.jinja_env.globals["software_version"] = software_version
    # No housekeeping in requests (retention, compaction, nonces, sessions kept ahead): the
    # serve process does it in the background, kiosk.hub.maintenance.
