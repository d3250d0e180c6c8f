"""The ward hub: sync API for kiosks, staff screens, public service pages."""


def register(app):
    from .. import csrf
    from . import api, public, reports, staff
    csrf.exempt(api.bp)   # kiosks authenticate every request with a device signature instead
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(reports.bp)
    staff.init_app(app)
