"""The ward hub: sync API for kiosks, staff screens, public service pages."""


def register(app):
    from .. import csrf
    from .desk import accounts, requests as desk, reports, staff, staff_auth
    from .intake import api
    from .catalog import views as catalog_views
    from . import public
    csrf.exempt(api.bp)   # kiosks authenticate every request with a device signature instead
    staff_auth.limiter.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(catalog_views.bp)
    staff.init_app(app)
    from ..sync.protocol import software_version
    app.jinja_env.globals["software_version"] = software_version
    # No housekeeping in requests (retention, compaction, nonces, sessions kept ahead): the
    # serve process does it in the background, kiosk.hub.maintenance.
