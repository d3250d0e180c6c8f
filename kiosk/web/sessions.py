"""The visitor's signed cookie and her CSRF token, made and checked at the cost of a page.

Serving a stored page (kiosk.web.pagecache) costs little more than Flask itself, so what every
request does with the cookie shows: Flask checks its signature and decodes it on every request,
makes its serializer twice a request (making one tries a dump to learn its type), and
zlib-compresses every small payload it signs, a new visitor's cookie and CSRF token included,
only to find it no shorter. Here:

- each cookie this process has checked is kept for a few minutes (never past the cookie's own age
  limit): a cookie seen before opens exactly the session that checking it again would open, and
  a cookie that fails the check is never kept;
- the serializer is made once per set of keys;
- payloads under a few hundred bytes are signed uncompressed, which every reader of
  itsdangerous's format accepts (a compressed payload is the one marked with a leading ".");
- where CSRF tokens never expire (WTF_CSRF_TIME_LIMIT unset, as on a kiosk), a visitor's token is
  signed once and remembered, in Flask-WTF's format, so Flask-WTF's check accepts it.
"""
import hashlib
import os
import secrets
import threading
import time

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

COMPRESS_FROM = 512     # bytes of JSON: below this, zlib's header outweighs what it saves
CSRF_SALT = "wtf-csrf-token"    # Flask-WTF's (flask_wtf.csrf.generate_csrf and validate_csrf)
SIGNED_TOKENS_KEPT = 1024     # visitors of the last while: a kiosk sees a few an hour


class SmallPayloadSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer, without trying zlib on a small payload."""

    def dump_payload(self, obj):
        json = super(URLSafeSerializerMixin, self).dump_payload(obj)
        if len(json) >= COMPRESS_FROM:
            return super().dump_payload(obj)
        return base64_encode(json)


class CheckedOnceSessions(SecureCookieSessionInterface):
    remember_seconds = 300
    kept = 1024

    def __init__(self):
        self._checked = {}          # cookie -> (valid until, monotonic; its contents)
        self._lock = threading.Lock()
        self._serializer = None     # (the keys it signs with, the serializer)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._serializer
        if made is None or made[0] != keys:
            # As Flask makes it (the current key last: itsdangerous signs with the last one).
            serializer = SmallPayloadSerializer(
                [*keys[1], keys[0]], salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method})
            made = self._serializer = (keys, serializer)
        return made[1]

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        now = time.monotonic()
        checked = self._checked.get(value) if value else None
        if checked is not None and checked[0] > now:
            return self.session_class(checked[1])
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self.remember(value, data, signed_at.timestamp() + max_age - time.time())
        return self.session_class(data)

    def save_session(self, app, session, response):
        """As Flask saves it; a cookie made here is remembered as checked (it is ours)."""
        super().save_session(app, session, response)
        if session.modified and session:
            prefix = self.get_cookie_name(app) + "="
            for header in response.headers.getlist("Set-Cookie"):
                if header.startswith(prefix):
                    self.remember(header[len(prefix):].split(";", 1)[0], session)

    def remembered(self, value):
        """The contents of a cookie this process checked (or made) lately, or None. Not a copy:
        never to be changed (kiosk.web.replay reads it)."""
        checked = self._checked.get(value)
        if checked is not None and checked[0] > time.monotonic():
            return checked[1]
        return None

    def remember(self, value, data, left=None):
        """Keep a cookie checked (or made) here as opening ``data``, for a few minutes and never
        past the ``left`` seconds of its own age limit."""
        seconds = self.remember_seconds if left is None else min(self.remember_seconds, left)
        with self._lock:
            if len(self._checked) >= self.kept:
                self._checked.clear()
            self._checked[value] = (time.monotonic() + seconds, dict(data))


def new_raw_csrf():
    """A visitor's raw CSRF token, as Flask-WTF makes one."""
    return hashlib.sha1(os.urandom(64)).hexdigest()


def new_visit_id():
    """A visit's id (kiosk.web.visit)."""
    return secrets.token_urlsafe(8)


def signed_csrf(app, raw):
    """The CSRF token Flask-WTF would sign for the raw token ``raw`` (WTF_CSRF_TIME_LIMIT unset),
    signed once a visitor and remembered."""
    signed = app.extensions.setdefault("signed_csrf_tokens", {})
    token = signed.get(raw)
    if token is None:
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        serializers = app.extensions.setdefault("csrf_serializers", {})
        serializer = serializers.get(secret)
        if serializer is None:
            serializer = serializers[secret] = SmallPayloadSerializer(secret, salt=CSRF_SALT)
        token = serializer.dumps(raw)
        if len(signed) >= SIGNED_TOKENS_KEPT:
            signed.clear()
        signed[raw] = token
    return token


def csrf_token():
    """This visitor's CSRF token, as flask_wtf.csrf.generate_csrf makes it: the same raw token in
    her session, signed with the same key and salt, cached for the request in ``g`` as it does."""
    app = current_app._get_current_object()
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None or field in g:
        return generate_csrf()
    raw = session.get(field)
    if not raw:
        raw = session[field] = new_raw_csrf()
    token = signed_csrf(app, raw)
    setattr(g, field, token)
    return token


def init_app(app):
    app.session_interface = CheckedOnceSessions()
    app.jinja_env.globals["csrf_token"] = csrf_token     # in place of Flask-WTF's generate_csrf
    # Flask-WTF also puts its generate_csrf into every template's context, which wins over a
    # global: this processor comes after its one, and wins over it.
    app.context_processor(lambda: {"csrf_token": csrf_token})
