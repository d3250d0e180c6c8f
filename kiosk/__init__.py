"""Ward community kiosk: one codebase, two roles (kiosk site server, ward hub)."""
import logging

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from . import config as config_module

config_module.without_postgres_driver()     # before peewee is imported (kiosk/db.py)
from . import db  # noqa: E402

csrf = CSRFProtect()
htmx = Htmx()


def create_app(overrides=None, role=None):
    """Build the app for a role; settings come from config/ layered with KIOSK_* and overrides."""
    settings = config_module.load_config(role=role, overrides=overrides)
    app = Flask(__name__, static_folder=str(config_module.RESOURCES / "static"), static_url_path="/static")
    app.config.update(settings)
    app.config["SECRET_KEY"] = config_module.secret_key(settings)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(config_module.RESOURCES / "translations"))
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # msgids are English
    # A kiosk page may sit idle for hours; the token lives as long as the visitor's session,
    # which the idle reset clears anyway.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024

    # Behind a reverse proxy: the client's address and scheme come from the X-Forwarded-For and
    # -Proto headers the trusted proxies add, so per-address lockouts, rate limits and logs see
    # people, not the proxy (kiosk/serving.py lets those headers through only then).
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)   # one line per sync request is noise

    db.bind(app.config["DATABASE_URL"])   # migrations: `kiosk migrate` / `kiosk serve`, never here
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    from . import clock
    clock.set_offset(app.config.get("CLOCK_OFFSET_SECONDS", 0))

    from .web import errors, formatting, furigana, guard, i18n, pagecache, security, sessions, visit
    sessions.init_app(app)
    pagecache.init_app(app)
    guard.init_app(app)
    visit.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    furigana.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    if app.config["ROLE"] == "kiosk":
        from .site import register
    elif app.config["ROLE"] == "hub":
        from .hub import register
    else:
        raise ValueError(f"unknown ROLE {app.config['ROLE']!r}")
    register(app)

    @app.get("/healthz")
    def healthz():
        """Health for a monitor, as JSON: 200 when the process can do its work, 503 when not
        (database unreachable; on a kiosk, a sync loop that died). See kiosk/health.py."""
        from . import health
        body = health.kiosk() if app.config["ROLE"] == "kiosk" else health.hub()
        return body, 200 if body["ok"] else 503

    from . import cli
    cli.init_app(app)
    return app
