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


def _bad(text):
    return not isinstance(text, str) or boundary.text_problem(text) is not None


def request_problem():
    """None, or the exception to raise for this request."""
    if _bad(request.path) or any(_bad(k) or _bad(v) for k, v in request.args.items(multi=True)):
        return BadCharacters()
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not boundary.int_in_range(value):
            return NotFound()
    view = current_app.view_functions.get(request.endpoint)
    if request.form and not getattr(view, "validates_own_text", False):
        if any(_bad(k) or _bad(v) for k, v in request.form.items(multi=True)):
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
    @app.before_request
    def _boundary():
        problem = request_problem()
        if problem is not None:
            raise problem
