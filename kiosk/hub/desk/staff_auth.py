"""Staff accounts and sessions. Passwords hashed (werkzeug's scrypt); sessions are rows in the
hub database, so any hub process can check them and logging out ends them everywhere.

Login throttling has two layers: Flask-Limiter caps login attempts per address in each process
(memory), and failed logins are counted in the database per user name and per address, so every
hub process refuses an account under attack for the same window (and the real person can log in
again once it has passed). The address is the client's own (behind a reverse proxy, as
TRUSTED_PROXY_HOPS says), and failures count against the name they were made with: guesses at
made-up names lock no real account, and lock the guessing address after three times the limit.

New passwords are checked against a shipped list of common passwords and the user name."""
import datetime
import functools
import hashlib
import pathlib
import secrets
import unicodedata

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash, generate_password_hash

from ...db import database, is_sqlite
from ...models import LoginFailure, StaffSession, StaffUser
from ...models.catalog import utcnow
from ...web.per_request import note, once

SESSION_HOURS = 12
ROLES = ("admin", "desk")
MIN_PASSWORD = 10
COMMON_PASSWORDS = pathlib.Path(__file__).with_name("common_passwords.txt")
LOGIN_LOCK_KEY = 7274_0101    # PostgreSQL advisory lock key: only the login check takes it
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


class WeakPassword(ValueError):
    """A new password that is refused; str() says why, in English (for the CLI)."""


class PasswordTooShort(WeakPassword):
    def __str__(self):
        return f"the password must be at least {self.args[0]} characters long"


class PasswordTooCommon(WeakPassword):
    def __str__(self):
        return "the password is one of the most common passwords; choose one that is hard to guess"


class PasswordIsUserName(WeakPassword):
    def __str__(self):
        return "the password must not be the user name"


def _fold(text):
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=1)
def common_passwords():
    """The shipped list of common passwords, folded (one a line; lines starting # are notes)."""
    with open(COMMON_PASSWORDS, encoding="utf-8") as fh:
        return frozenset(_fold(line.strip()) for line in fh if line.strip() and not line.startswith("#"))


def check_new_password(username, password):
    """Raise a WeakPassword if ``password`` may not be used for ``username``: too short, the
    user name itself, or on the list of common passwords (compared without case)."""
    if len(password) < MIN_PASSWORD:
        raise PasswordTooShort(MIN_PASSWORD)
    if _fold(password) == _fold(username):
        raise PasswordIsUserName()
    if _fold(password) in common_passwords():
        raise PasswordTooCommon()


def set_password(username, password, name="", role=None, desks=None):
    """Create or update an account (the first one, made from the CLI, is an admin). A changed
    password ends every session of the account: whoever knew the old one is signed out."""
    check_new_password(username, password)
    digest = generate_password_hash(password)
    user = StaffUser.get_or_none(StaffUser.username == username)
    if user is None:
        return StaffUser.create(username=username, password_hash=digest, display_name=name or username,
                                role=role or "admin", desks=",".join(desks or []))
    changes = {StaffUser.password_hash: digest}
    if role:
        changes[StaffUser.role] = role
    if desks is not None:
        changes[StaffUser.desks] = ",".join(desks)
    StaffUser.update(changes).where(StaffUser.id == user.id).execute()
    logout_everywhere(user)
    return StaffUser.get_by_id(user.id)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    """A hash to check against for unknown user names, made once: checking it costs what
    checking a real user's hash costs, so the answer time does not tell which names exist."""
    return generate_password_hash(secrets.token_hex(16))


def _settings():
    c = current_app.config
    return (int(c.get("STAFF_LOGIN_MAX_FAILURES", 10)), int(c.get("STAFF_LOGIN_WINDOW_SECONDS", 900)))


def claim_attempt(username, address):
    """Check the lockout and record this attempt as a failure, before any password is checked,
    in one transaction under one lock (PostgreSQL: an advisory lock; SQLite: the write lock of
    its IMMEDIATE transaction). So concurrent guesses, on any hub process, cannot all pass the
    check before one is recorded: at most the limit are ever checked. Returns the failure row's
    id, or None while the user name, or the address, has failed too often within the window."""
    limit, window = _settings()
    now = utcnow()
    since = now - datetime.timedelta(seconds=window)
    with database.atomic():
        if not is_sqlite():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOGIN_LOCK_KEY,))
        recent = LoginFailure.select().where(LoginFailure.at > since)
        if (recent.where(LoginFailure.username == username).count() >= limit
                or recent.where(LoginFailure.address == address).count() >= limit * 3):
            return None
        LoginFailure.delete().where(LoginFailure.at <= since).execute()   # expired: they count no more
        return LoginFailure.create(username=username, address=address, at=now).id


def _forgive(claim_id, username):
    """A right password: this attempt was no failure, and the account's count starts again.
    Earlier failures keep counting against the addresses they came from."""
    LoginFailure.delete().where(LoginFailure.id == claim_id).execute()
    LoginFailure.update(username="").where(LoginFailure.username == username).execute()


def login(username, password, address=""):
    """Start a session for valid credentials: returns the user, "locked", or None."""
    username, address = username[:64], address[:64]
    claim = claim_attempt(username, address)
    if claim is None:
        return "locked"       # refused before any hash is computed: an attack costs us little
    user = StaffUser.get_or_none(StaffUser.username == username)
    if user is None or user.disabled:
        check_password_hash(_dummy_hash(), password)       # the same work as for a known name
        return None           # the claimed attempt stays recorded as a failure
    if not check_password_hash(user.password_hash, password):
        return None
    _forgive(claim, username)
    session.clear()           # nothing from before the sign-in carries over into the session
    start_session(user)
    return user


def start_session(user):
    """A new session for ``user`` in this browser, with a new token (at sign-in, and after a
    password change, which ends every earlier session)."""
    token = secrets.token_urlsafe(32)
    StaffSession.create(token_hash=_hash(token), user=user, last_seen_at=utcnow(),
                        expires_at=utcnow() + datetime.timedelta(hours=SESSION_HOURS))
    session["staff_token"] = token


def logout():
    token = session.pop("staff_token", None)
    note("_staff_user", None)
    if token:
        StaffSession.delete().where(StaffSession.token_hash == _hash(token)).execute()


def logout_everywhere(user):
    """End every session of ``user`` (all devices, all hub processes)."""
    StaffSession.delete().where(StaffSession.user == user).execute()


def current_user():
    """The signed-in staff member, or None (sessions end after the idle time, everywhere).
    Read once per request: every check and screen of a request shares that one read."""
    return once("_staff_user", _read_session)


def _read_session():
    """The session's user from its row (one query, the user joined), ending a stale session."""
    token = session.get("staff_token")
    if not token:
        return None
    now = utcnow()
    idle = datetime.timedelta(minutes=int(current_app.config.get("STAFF_IDLE_MINUTES", 30)))
    row = (StaffSession.select(StaffSession, StaffUser).join(StaffUser)
           .where((StaffSession.token_hash == _hash(token)) & (StaffSession.expires_at > now))
           .first())
    if row is None or row.user.disabled or (row.last_seen_at and now - row.last_seen_at > idle):
        if row is not None:
            StaffSession.delete().where(StaffSession.id == row.id).execute()
        return None
    if row.last_seen_at is None or (now - row.last_seen_at).total_seconds() > 60:
        StaffSession.update(last_seen_at=now).where(StaffSession.id == row.id).execute()
    return row.user


def staff_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.staff = current_user()
        if g.staff is None:
            return redirect(url_for("staff.login", next=request.path))
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @staff_required
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.staff.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
