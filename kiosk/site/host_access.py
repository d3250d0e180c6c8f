"""Who may use host mode: the site's PIN, the lockout ladder that guards it, and host sessions
held in the kiosk's database.

The PIN: 5 wrong entries lock entry for a minute; after that every further wrong entry locks it
again, for longer each time (5, 15, then 60 minutes), until a right PIN resets the ladder. The
ladder's rung is the number of attempts recorded since the last right PIN; an attempt is recorded
in the transaction that checks the lockout, before the PIN is compared, so guesses sent at once
cannot get more comparisons than the ladder allows. Each lockout is kept, and the sync client
reports the last day's to the hub's fleet view.

Host mode: the visitor's cookie holds only a random token; the row it names decides. Leave, the
visitor's Home, the idle reset, too long without a tap and a restart of the kiosk end the row, so
a copied cookie opens nothing afterwards.
"""
import datetime
import hashlib
import logging
import math
import re
import secrets

from flask import current_app, session
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import database
from ..models import HostPinAttempt, KioskState
from ..models.attendance import HostPinLockout, HostSession
from ..models.catalog import utcnow

log = logging.getLogger(__name__)

PIN_KEY = "host_pin_hash"
SESSION_KEY = "host_token"
MAX_DIGITS = 8
# last_used_at is written at most this often: a burst of taps costs one write, and the idle
# limit is still kept to within a second.
TOUCH_EVERY_SECONDS = 1
# Host session rows go a week after they were opened (each ends within HOST_IDLE_SECONDS).
ENDED_ROWS_KEPT_DAYS = 7
LOCKOUTS_KEPT_DAYS = 30


# --- The PIN ---------------------------------------------------------------------------------

def set_pin(pin):
    """Store the site's host PIN, hashed (werkzeug scrypt); the PIN itself is never kept. A new
    PIN starts a fresh ladder and closes host mode wherever it was open."""
    KioskState.set_value(PIN_KEY, generate_password_hash(pin))
    HostPinAttempt.delete().execute()
    now = utcnow()
    HostSession.update(ended_at=now, ended_by="pin_changed").where(HostSession.ended_at.is_null()).execute()


def pin_problem(pin, min_digits):
    """Why a new PIN cannot be used (a sentence for `kiosk set-host-pin`), or None.

    Refused: too short or long, anything but ASCII digits, one digit repeated, a run up or down
    (123456, 654321, 890123), and a short block repeated (121212, 123123): a visitor's first
    guesses. A PIN set before these rules keeps working until it is changed."""
    low = min(max(int(min_digits), 4), MAX_DIGITS)
    if not re.fullmatch(r"[0-9]+", pin or "") or not low <= len(pin) <= MAX_DIGITS:
        return f"the PIN must be {low} to {MAX_DIGITS} digits"
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:])}
    if steps in ({1}, {9}):
        return "the PIN is too easy to guess: its digits run up or down (like 123456 or 654321)"
    if any(pin[k:] == pin[:-k] for k in range(1, len(pin) // 2 + 1)):
        return "the PIN is too easy to guess: it repeats one digit or a short block (like 111111 or 121212)"
    return None


def pin_is_set():
    return bool(KioskState.get_value(PIN_KEY))


def check_pin(pin):
    """Compare a PIN with the stored hash; a right PIN clears the attempts (the ladder)."""
    stored = KioskState.get_value(PIN_KEY)
    if not stored or not pin or not check_password_hash(stored, pin):
        return False
    HostPinAttempt.delete().execute()
    return True


def ladder_from_config():
    """(first lockout, wrong PINs allowed before it, further lockouts): the arguments of
    locked_for, claim and wrong_pin, from the settings."""
    config = current_app.config
    steps = config.get("HOST_PIN_LOCKOUT_STEPS", ())
    if isinstance(steps, (int, float)):     # KIOSK_HOST_PIN_LOCKOUT_STEPS=3600 names one step
        steps = (steps,)
    return (int(config["HOST_PIN_LOCKOUT_SECONDS"]), int(config["HOST_PIN_MAX_ATTEMPTS"]),
            tuple(int(s) for s in steps))


def _step(rung, free, ladder):
    """The lockout (seconds) that the ``rung``-th recorded attempt starts, if it was wrong."""
    if rung < free or not ladder:
        return 0
    return max(ladder[min(rung - free, len(ladder) - 1)], 0)


def _ladder(window, max_attempts, steps):
    return int(max_attempts), [int(window), *(int(s) for s in steps)]


def locked_for(window, max_attempts, steps=()):
    """Seconds until PIN entry opens again (0: open): ``max_attempts`` attempts are free, then
    entry locks for ``window`` seconds after the last one, then for each of ``steps`` in turn
    (the last repeating) after each further one. Attempts live in the database."""
    step = _step(HostPinAttempt.select().count(), *_ladder(window, max_attempts, steps))
    if not step:
        return 0
    last = HostPinAttempt.select(HostPinAttempt.at).order_by(HostPinAttempt.at.desc()).first()
    remaining = (last.at + datetime.timedelta(seconds=step) - utcnow()).total_seconds()
    return int(remaining) + 1 if remaining > 0 else 0


def claim(window, max_attempts, steps=()):
    """Record a PIN attempt before the PIN is compared, in the transaction that checks the
    lockout (SQLite's write lock, taken at BEGIN IMMEDIATE), so concurrent guesses cannot all
    pass the check first.
    Returns (seconds to wait, 0 if the attempt may go ahead; its rung on the ladder)."""
    with database.atomic():
        wait = locked_for(window, max_attempts, steps)
        if wait:
            return wait, 0
        HostPinAttempt.create()
        return 0, HostPinAttempt.select().count()


def claim_attempt(window, max_attempts, steps=()):
    """Record a PIN attempt (see claim); returns 0 if it may go ahead, else the seconds to wait."""
    return claim(window, max_attempts, steps)[0]


def wrong_pin(rung, window, max_attempts, steps=()):
    """A claimed attempt turned out wrong: if it reached a lockout, record that lockout (the
    hub's fleet view shows them). Returns the seconds to wait now (0 if entry stays open)."""
    seconds = _step(rung, *_ladder(window, max_attempts, steps))
    if seconds:
        HostPinLockout.create(seconds=seconds)
        # The hub is told of the last day's; a month's are plenty to keep here.
        HostPinLockout.delete().where(
            HostPinLockout.at < utcnow() - datetime.timedelta(days=LOCKOUTS_KEPT_DAYS)).execute()
        log.warning("host PIN entry locked for %d s after %d wrong PINs", seconds, rung)
    return locked_for(window, max_attempts, steps)


def wait_message(seconds):
    """How long to wait, in the visitor's language: seconds for a short lockout, else minutes."""
    if seconds <= 90:
        return _("Too many wrong PINs. Please wait %(seconds)s seconds and try again.", seconds=seconds)
    return _("Too many wrong PINs. Please wait %(minutes)s minutes and try again.",
             minutes=math.ceil(seconds / 60))


# --- Host sessions ---------------------------------------------------------------------------

def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _boot():
    """This run of the kiosk: a host session opened by an earlier run is over (a restart)."""
    return current_app.extensions.setdefault("host_boot", secrets.token_hex(16))


def open_host_session():
    """After a right PIN: a new host session row, and only its random token in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with database.atomic():
        # Rows of earlier runs are over; long-ended ones are of no more use.
        HostSession.update(ended_at=now, ended_by="restart").where(
            HostSession.ended_at.is_null() & (HostSession.boot != _boot())).execute()
        HostSession.delete().where(
            HostSession.created_at < now - datetime.timedelta(days=ENDED_ROWS_KEPT_DAYS)).execute()
        HostSession.create(token_hash=_hash(token), boot=_boot(), created_at=now, last_used_at=now)
    session.pop("host_until", None)     # host mode as older releases kept it, in the cookie
    session[SESSION_KEY] = token


def current_host_session(touch=False):
    """The open host session this browser's cookie names, or None. One left idle too long, or
    opened before the kiosk restarted, is ended here. ``touch``: a host used it now."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = HostSession.get_or_none(HostSession.token_hash == _hash(token))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    idle = (now - row.last_used_at).total_seconds()
    why = ("restart" if row.boot != _boot()
           else "idle" if idle > int(current_app.config["HOST_IDLE_SECONDS"]) else "")
    if why:
        _end(row.token_hash, why)
        return None
    if touch and idle >= TOUCH_EVERY_SECONDS:
        HostSession.update(last_used_at=now).where(
            (HostSession.id == row.id) & HostSession.ended_at.is_null()).execute()
    return row


def end_host_session(reason):
    """End this browser's host session (Leave, Home, the idle reset...): its row is closed, so
    the same cookie, wherever it was copied, opens nothing."""
    token = session.pop(SESSION_KEY, None)
    session.pop("host_until", None)
    if isinstance(token, str) and token:
        _end(_hash(token), reason)


def has_host_token():
    return SESSION_KEY in session or "host_until" in session


def _end(token_hash, reason):
    HostSession.update(ended_at=utcnow(), ended_by=reason[:16]).where(
        (HostSession.token_hash == token_hash) & HostSession.ended_at.is_null()).execute()
