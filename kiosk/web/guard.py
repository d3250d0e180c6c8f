"""The web side of the boundary (kiosk.boundary): URLs, form fields and redirect targets.

Every request's path, query and form pass here before a view runs. A control character or a
lone surrogate in any of them is refused with a translated 400 page (a JSON error under /api/),
an integer in the URL path beyond 64 bits is a 404. Views with their own field-level errors
(the sign-up forms, the host's note) are marked with ``validates_own_text`` and check their
fields themselves, so the visitor sees the message next to the field and keeps what she typed.
"""
import urllib.parse

from flask import current_app, request
from werkzeug.exceptions import BadRequest, NotFound

from .. import boundary


class BadCharacters(BadRequest):
    """The request carries characters no database should get (see kiosk.boundary)."""


def validates_own_text(view):
    """Mark a view whose form fields are checked at the field (errors shown next to them)."""
    view.validates_own_text = True
    return view


# What a form around an uploaded file adds to its size (the CSRF token, multipart headers).
UPLOAD_FORM_ROOM = 64 * 1024


def accepts_upload(config_key):
    """Mark a view that takes a file as large as the setting ``config_key`` (bytes): its
    requests may be that large, where every other request stays under MAX_CONTENT_LENGTH. The
    view checks the file against the same setting, so there is one limit to state."""
    def mark(view):
        view.upload_limit_key = config_key
        return view
    return mark


def upload_limit(endpoint=None):
    """The largest file (bytes) the request's view takes, or None for a view that takes none."""
    view = current_app.view_functions.get(endpoint or request.endpoint)
    key = getattr(view, "upload_limit_key", None)
    return int(current_app.config[key]) if key else None


class SizedByView:
    """A request sized by its view: a view marked ``accepts_upload`` gets its own limit. Decided
    by the request itself, since the CSRF check reads the form before any view-level code could
    raise the limit. Mixed into the app's request class (htmx's, which carries request.htmx)."""

    @property
    def max_content_length(self):
        limit = upload_limit(self.endpoint) if self.url_rule is not None else None
        return limit + UPLOAD_FORM_ROOM if limit else super().max_content_length


def _bad(text):
    return not isinstance(text, str) or boundary.text_problem(text) is not None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def request_problem():
    """None, or the exception to raise for this request."""
    req = request._get_current_object()    # asked for often: once through the proxy
    if _bad(req.path) or any(_bad(k) or _bad(v) for k, v in req.args.items(multi=True)):
        return BadCharacters()
    for value in (req.view_args or {}).values():
        if isinstance(value, int) and not boundary.int_in_range(value):
            return NotFound()
    # Werkzeug reads a form only from these two types: asking a page's GET for its form would
    # set up the body's stream for nothing, on every page.
    if req.mimetype in _FORM_TYPES and req.form:
        view = current_app.view_functions.get(req.endpoint)
        if not getattr(view, "validates_own_text", False) and any(
                _bad(k) or _bad(v) for k, v in req.form.items(multi=True)):
            return BadCharacters()
    return None


def local_path(target):
    """``target`` if it is a path on this site, else None. Parsed, not string-matched: a
    browser drops tabs and newlines and reads a backslash as a slash, so "/\\t/evil.example"
    would go to another host."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    if any(ch.isspace() or ch == "\\" or not ch.isprintable() for ch in target):
        return None
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def safe_next(default, target=None):
    """The request's ``next`` (form, then query) if it is a local path, else ``default``."""
    if target is None:
        target = request.form.get("next") or request.args.get("next") or ""
    return local_path(target) or default


def init_app(app):
    if not issubclass(app.request_class, SizedByView):
        app.request_class = type("Request", (SizedByView, app.request_class), {})

    @app.before_request
    def _boundary():
        problem = request_problem()
        if problem is not None:
            raise problem
