"""The words both roles share, each in one place: what a sign-up can be, who it is for, how its
reference code looks, where the ward's desk has got with it and why the hub changed it.

kiosk/sync/openapi.json is the judge: tests/unit/test_contract.py holds these sets to its enums,
patterns and lengths, and to the translated labels in kiosk/vocab.py. Plain data and pure
functions only: both roles, the models and the protocol import this module, and it imports none
of them.
"""
import re
import secrets

# --- Sign-ups --------------------------------------------------------------------------------

# What a visitor signs up for: a dated session, volunteering, or a call-back from a desk.
RECORD_KINDS = ("event", "volunteer", "callback")
# What the hub decides for a sign-up: its status on the hub, in its answer and in the feed.
HUB_STATUSES = ("confirmed", "waitlisted", "cancelled")
# A sign-up's status as a kiosk keeps it: "provisional" until the hub's word, "rejected" when the
# hub refused the record, else the hub's.
SIGNUP_STATUSES = ("provisional",) + HUB_STATUSES + ("rejected",)
# Statuses after which nothing is left to cancel.
ENDED_STATUSES = ("cancelled", "rejected")
# Why the hub gave a sign-up its status ("" when there is nothing to say): the session was full,
# cancelled or unknown when it arrived, staff changed it, a seat became free, the visitor cancelled.
SIGNUP_REASONS = ("", "full", "event_cancelled", "unknown_event", "staff", "promoted", "visitor")

# The personal fields of a sign-up and the longest value each may hold: all that is purged after
# retention, on the kiosk and on the hub.
PERSON_FIELDS = {"name": 200, "name_kana": 200, "phone": 32, "email": 254, "age_band": 16,
                 "preferred_language": 16, "preferred_time": 16, "note": 1000}

# --- The ward's desk -------------------------------------------------------------------------

# The states a desk moves a request through, per kind (the first is where it arrives). The feed
# carries them to the kiosks, which tell the visitor in her words.
DESK_STATES = {
    "callback": ("new", "in_progress", "called_back", "unreachable", "closed"),
    "volunteer": ("new", "contacted", "registered", "declined"),
    "event": ("new",),
}
# The kinds a desk works through, a queue each (a session sign-up stays "new").
DESK_KINDS = ("callback", "volunteer")
# States after which a request is finished: nothing left to cancel, and its personal details may
# be blanked after retention.
DONE_STATES = frozenset({"closed", "called_back", "registered", "declined"})

# --- What residents look for ------------------------------------------------------------------

# What a kiosk counts per local day, language and key (counts, never people): a search by its
# outcome (key: one of SEARCH_OUTCOMES), the cleaned words of a search that found little or
# nothing (key: the words), a need tapped on the needs screen (key: the need), a service's page
# opened, a sign-up form opened and a sign-up sent (key: the service's slug).
DEMAND_KINDS = ("search", "word", "need", "page", "signup_started", "signup_finished")
# How a search ended (kiosk.search.demand decides, with its thresholds).
SEARCH_OUTCOMES = ("good", "few", "none")
DEMAND_KEY_MAX = 64          # the longest key a count may have
DEMAND_COUNTS_MAX = 5000     # the most counts one day's record may carry

# --- Identities and codes --------------------------------------------------------------------

# fullmatch everywhere: `$` alone also matches before a trailing newline.
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Reference codes: eight characters of an alphabet without 0/O, 1/I/L, read aloud over the phone
# without doubt, shown as ABCD-2345. Enrolment codes use the same alphabet.
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REF_RE = re.compile(f"[{REF_ALPHABET}]{{4}}-[{REF_ALPHABET}]{{4}}")
# What proves a visitor's cancellation: the last four digits of the phone number she gave.
LAST4_RE = re.compile(r"[0-9]{4}")


def new_ref_code() -> str:
    """A fresh reference code, ABCD-2345 (REF_RE)."""
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def phone_ends_with(phone: str | None, last4: str) -> bool:
    """True when ``last4`` is four digits ending the phone number, whatever its spaces, hyphens
    or + (never for a blanked phone, nor for one of fewer than four digits)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    return bool(LAST4_RE.fullmatch(last4 or "")) and len(digits) >= 4 and digits.endswith(last4)
