"""Values worked out once a request, kept on the request itself.

Not on ``flask.g``: g belongs to the application context, and where one context is pushed around
several requests (a test holding a database connection open, a command) it outlives each of
them, so a value kept there (a seat count, "readings already added") would carry over into the
next request.
"""
from flask import has_request_context, request


def _memo():
    req = request._get_current_object()
    memo = req.__dict__.get("_kiosk_once")
    if memo is None:
        memo = req.__dict__["_kiosk_once"] = {}
    return memo


def once(name, compute):
    """compute(), once a request (every call outside a request computes)."""
    if not has_request_context():
        return compute()
    memo = _memo()
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def note(name, value=True):
    """Remember ``value`` under ``name`` for the rest of this request."""
    _memo()[name] = value


def noted(name):
    """What was noted under ``name`` in this request, or None."""
    return _memo().get(name) if has_request_context() else None


def forget(name):
    """Drop what once() or note() kept under ``name`` in this request (it is worked out again)."""
    if has_request_context():
        _memo().pop(name, None)
