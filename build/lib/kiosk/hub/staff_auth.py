"""Staff accounts and sessions. Passwords hashed (werkzeug's scrypt); sessions are rows in the
hub database, so any hub process can check them and logging out ends them everywhere.

Login throttling has two layers: Flask-Limiter caps login attempts per address in each process
(memory), and failed logins are counted in the database per account and per address, so every
hub process refuses an account under attack for the same window (and the real person can log in
again once it has passed)."""
import datetime
import functools
import hashlib
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import LoginFailure, StaffSession, StaffUser
from ..models.catalog import utcnow

SESSION_HOURS = 12
ROLES = ("admin", "desk")
MIN_PASSWORD = 10
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


class PasswordTooShort(ValueError):
    pass


def set_password(username, password, name="", role=None, desks=None):
    """Create or update an account (the first one, made from the CLI, is an admin)."""
    if len(password) < MIN_PASSWORD:
        raise PasswordTooShort(MIN_PASSWORD)
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


def locked(username, address):
    """True while an account, or an address, has failed too often within the window."""
    limit, window = _settings()
    since = utcnow() - datetime.timedelta(seconds=window)
    recent = LoginFailure.select().where(LoginFailure.at > since)
    return (recent.where(LoginFailure.username == username).count() >= limit
            or recent.where(LoginFailure.address == address).count() >= limit * 3)


def login(username, password, address=""):
    """Start a session for valid credentials: returns the user, "locked", or None."""
    if locked(username, address):
        return "locked"       # refused before any hash is computed: an attack costs us little
    user = StaffUser.get_or_none(StaffUser.username == username)
    if user is None or user.disabled:
        check_password_hash(_dummy_hash(), password)       # the same work as for a known name
        LoginFailure.create(username=username[:64], address=address[:64])
        return None
    if not check_password_hash(user.password_hash, password):
        LoginFailure.create(username=username[:64], address=address[:64])
        return None
    LoginFailure.delete().where(LoginFailure.username == username).execute()
    token = secrets.token_urlsafe(32)
    StaffSession.create(token_hash=_hash(token), user=user, last_seen_at=utcnow(),
                        expires_at=utcnow() + datetime.timedelta(hours=SESSION_HOURS))
    session.clear()
    session["staff_token"] = token
    return user


def logout():
    token = session.pop("staff_token", None)
    if token:
        StaffSession.delete().where(StaffSession.token_hash == _hash(token)).execute()


def logout_everywhere(user):
    """End every session of ``user`` (all devices, all hub processes)."""
    StaffSession.delete().where(StaffSession.user == user).execute()


def current_user():
    """The signed-in staff member, or None (sessions end after the idle time, everywhere)."""
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
