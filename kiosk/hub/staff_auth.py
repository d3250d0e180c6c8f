"""Staff accounts and sessions. Passwords hashed (werkzeug's scrypt); sessions are rows in the
hub database, so any hub process can check them and logging out ends them everywhere."""
import datetime
import functools
import hashlib
import secrets

from flask import g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import StaffSession, StaffUser
from ..models.catalog import utcnow

SESSION_HOURS = 12


def set_password(username, password, name=""):
    digest = generate_password_hash(password)
    user = StaffUser.get_or_none(StaffUser.username == username)
    if user is None:
        return StaffUser.create(username=username, password_hash=digest, display_name=name or username)
    StaffUser.update(password_hash=digest).where(StaffUser.id == user.id).execute()
    return user


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    """A hash to check against for unknown user names, made once: checking it costs what
    checking a real user's hash costs, so the answer time does not tell which names exist."""
    return generate_password_hash(secrets.token_hex(16))


def login(username, password):
    """Start a session for valid credentials; returns the user or None."""
    user = StaffUser.get_or_none(StaffUser.username == username)
    if user is None:
        check_password_hash(_dummy_hash(), password)   # the same work as for a known name
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    token = secrets.token_urlsafe(32)
    StaffSession.create(token_hash=_hash(token), user=user,
                        expires_at=utcnow() + datetime.timedelta(hours=SESSION_HOURS))
    session.clear()
    session["staff_token"] = token
    return user


def logout():
    token = session.pop("staff_token", None)
    if token:
        StaffSession.delete().where(StaffSession.token_hash == _hash(token)).execute()


def current_user():
    token = session.get("staff_token")
    if not token:
        return None
    row = (StaffSession.select(StaffSession, StaffUser).join(StaffUser)
           .where((StaffSession.token_hash == _hash(token)) & (StaffSession.expires_at > utcnow()))
           .first())
    return row.user if row else None


def staff_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.staff = current_user()
        if g.staff is None:
            return redirect(url_for("staff.login", next=request.path))
        return view(*args, **kwargs)
    return wrapper
