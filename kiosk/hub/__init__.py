"""The ward hub: sync API for kiosks, staff screens, public service pages."""


def register(app):
    from .. import csrf
    from . import accounts, api, desk, public, reports, staff, staff_auth
    csrf.exempt(api.bp)   # kiosks authenticate every request with a device signature instead
    staff_auth.limiter.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(reports.bp)
    staff.init_app(app)
