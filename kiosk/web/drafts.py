"""What a visitor typed into a form the kiosk did not take yet, kept for her on the kiosk.

Every kiosk form answers a POST with a redirect (post/redirect/get), including when it finds an
error and when the visitor switches language in the middle of it, so the tablet's history holds
only pages that can be shown again: Back and Forward never meet the browser's "Confirm Form
Resubmission" page. The typed values and whether to show the errors wait here until the GET
that follows shows them again.

Drafts live in this process's memory, never on disk and never in the URL or the cookie: the
cookie holds only a random owner id. They belong to one visitor's session: the idle reset
and a finished sign-up drop them, and any draft older than ``TTL_SECONDS`` is gone anyway,
so the next visitor never sees what the last one typed. A restart loses a half-typed form,
which the visitor sees as an empty form, not as an error.
"""
import secrets
import threading
import time

from flask import request, session
from werkzeug.datastructures import MultiDict

TTL_SECONDS = 30 * 60
OWNER_KEY = "draft_owner"
# Fields of the request that are not what the visitor typed.
_NOT_TYPED = {"csrf_token", "_switch"}


class Drafts:
    """{(owner, form key): (expires at, form data, show errors)} with a lock (waitress threads)."""

    def __init__(self, ttl=TTL_SECONDS, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data = {}
        self._lock = threading.Lock()

    def keep(self, owner, key, data, show_errors):
        now = self.clock()
        with self._lock:
            for k in [k for k, (expires, _d, _e) in self._data.items() if expires <= now]:
                del self._data[k]
            self._data[(owner, key)] = (now + self.ttl, MultiDict(data), bool(show_errors))

    def get(self, owner, key):
        """(form data, show errors) or None."""
        with self._lock:
            found = self._data.get((owner, key))
            if found is None or found[0] <= self.clock():
                return None
            return MultiDict(found[1]), found[2]

    def drop(self, owner, key=None):
        """Forget one form of this owner, or all of them."""
        with self._lock:
            for k in [k for k in self._data if k[0] == owner and (key is None or k[1] == key)]:
                del self._data[k]

    def __len__(self):
        return len(self._data)


_drafts = Drafts()


def form_key():
    """The form a request is about: its endpoint and URL values, whatever the language, so a
    language switch finds what was typed in the other one."""
    args = sorted((k, str(v)) for k, v in (request.view_args or {}).items() if k != "lang")
    return request.endpoint + "".join(f"|{k}={v}" for k, v in args)


def _owner(create=False):
    owner = session.get(OWNER_KEY)
    if owner is None and create:
        owner = session[OWNER_KEY] = secrets.token_urlsafe(16)
    return owner


def remember(show_errors):
    """Keep this POST's typed values for the GET the redirect leads to."""
    typed = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in _NOT_TYPED])
    _drafts.keep(_owner(create=True), form_key(), typed, show_errors)


def recall():
    """(form data, show errors) kept for this form and visitor, or None."""
    owner = _owner()
    return _drafts.get(owner, form_key()) if owner else None


def forget(all_forms=False):
    """Drop this form's draft (it was taken), or every draft of this visitor (the reset)."""
    owner = _owner()
    if owner:
        _drafts.drop(owner, None if all_forms else form_key())
