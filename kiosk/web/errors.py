"""Error pages in the visitor's language; nothing a visitor can send produces a 500."""
import logging

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .guard import BadCharacters, upload_limit

log = logging.getLogger(__name__)


def _page(status, title, message, error=None):
    if request.path.startswith("/api/"):
        return {"error": error or f"http_{status}"}, status
    if current_app.config["ROLE"] == "hub":
        template = "errors/hub.html"
    elif request.htmx and not request.htmx.boosted:
        template = "errors/fragment.html"
    else:
        template = "errors/page.html"
    return render_template(template, status=status, title=title, message=message), status


def megabytes(size):
    """A size in bytes as MB for a person (MiB, as the limits are set): "8", "0.5"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def init_app(app):
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        # Usually a page left open across an idle reset: ask to try again, keep nothing broken.
        return _page(400, _("Please try again"),
                     _("This page was open for a long time. Please go back and try once more."))

    @app.errorhandler(BadCharacters)
    def _bad_characters(exc):
        return _page(400, _("Some characters cannot be used"),
                     _("What was sent contains characters that cannot be used, such as control "
                       "characters. Please go back, delete them and try again."), error="bad_text")

    @app.errorhandler(429)
    def _too_many(exc):
        return _page(429, _("Too many attempts"), _("Please wait a little and try again."))

    @app.errorhandler(413)
    def _too_large(exc):
        if current_app.config["ROLE"] == "hub" and request.path.startswith("/staff/"):
            # Staff sent a file: say how large one may be, the limit the view itself checks.
            limit = (upload_limit() if request.url_rule is not None else None) or current_app.config["MAX_CONTENT_LENGTH"]
            return _page(413, _("The file is too large"),
                         _("The largest file this page takes is %(size)s MB. Please send a smaller file.",
                           size=megabytes(limit)), error="too_large")
        return _http(exc)

    @app.errorhandler(404)
    def _not_found(exc):
        return _page(404, _("Page not found"),
                     _("We could not find this page. Please start again from the home screen."))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return _page(exc.code or 400, _("Something went wrong"),
                     _("Please go back and try again. If it happens again, please ask the staff."))

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(500, _("Something went wrong"),
                     _("Please go back and try again. If it happens again, please ask the staff."))
