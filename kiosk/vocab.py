"""Fixed vocabularies of the catalog: slugs in the data, translated labels for the screens.
The sign-up vocabularies label the contract's sets (kiosk.sync.contract), no more and no fewer
(tests/unit/test_contract.py)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp   # one English word, two meanings: a context each

from .sync import contract

CATEGORIES = {
    "gathering": _l("Places to gather"),
    "consultation": _l("Advice and consultation"),
    "volunteering": _l("Volunteering and local activities"),
    "learning": _l("Courses and learning"),
    "events": _l("Festivals and events"),
}
CATEGORY_HINTS = {
    "gathering": _l("Cafés, children's cafeterias, places to belong"),
    "consultation": _l("Someone to talk to about your worries"),
    "volunteering": _l("Help your neighbourhood, join a group"),
    "learning": _l("Courses, Japanese classes"),
    "events": _l("Festivals and exchange"),
}
CATEGORY_ICONS = {"gathering": "☕", "consultation": "💬", "volunteering": "🤝",
                  "learning": "📖", "events": "🎉"}

AUDIENCES = {
    "elderly": _l("Older people"),
    "children": _l("Children and parents"),
    "foreign": _l("Foreign residents"),
    "disability": _l("People with disabilities"),
    "everyone": _l("Everyone, volunteers"),
}
AUDIENCE_ICONS = {"elderly": "👵", "children": "👪", "foreign": "🌏", "disability": "♿",
                  "everyone": "🙋"}

# What a resident needs, in words she recognises (the home screen's "What do you need?" and the
# needs each service answers, edited by staff on the hub). The slugs are data; each is exported as
# an HSDS taxonomy term mapped to an open human-services taxonomy (kiosk.hub.catalog.hsds).
NEEDS = {
    "food": _l("Food and meals"),
    "money": _l("Money, rent and bills"),
    "housing": _l("A place to live"),
    "elder-care": _l("Care for an older person"),
    "dementia": _l("Memory and dementia"),
    "children": _l("Children and parenting"),
    "disability": _l("Disability"),
    "loneliness": _l("Loneliness, a place to go"),
    "work": _l("Work"),
    "japanese": _l("Learning Japanese"),
    "legal": _l("Legal help and guardianship"),
    "disaster": _l("Disaster preparedness"),
    "volunteering": _l("Volunteering, helping others"),
}
NEED_ICONS = {"food": "🍚", "money": "💴", "housing": "🏠", "elder-care": "🧓", "dementia": "🧠",
              "children": "👶", "disability": "♿", "loneliness": "🫖", "work": "💼", "japanese": "🗾",
              "legal": "⚖️", "disaster": "⛑️", "volunteering": "🤝"}
# How a visitor wants help: go somewhere (a service with sessions or a place), talk to someone
# (a consultation), or be called (a service that takes call-back requests).
HELP_MODES = {
    "visit": _l("Go somewhere"),
    "talk": _l("Talk to someone"),
    "call": _l("Get a phone call"),
}
HELP_MODE_ICONS = {"visit": "🚶", "talk": "💬", "call": "📞"}

AREAS = {
    "nerima": _l("Nerima area"),
    "hikarigaoka": _l("Hikarigaoka area"),
    "shakujii": _l("Shakujii area"),
    "oizumi": _l("Oizumi area"),
}

SITE_KINDS = {
    "plaza": _l("Consultation information plaza"),
    "cafe": _l("Care café"),
    "office": _l("Office"),
    "centre": _l("Community hall"),
    "town": _l("Café or shop in town"),
}

SIGNUP_STATUSES = {
    "provisional": _l("Received (waiting for the ward to confirm)"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _lp("sign-up status", "Cancelled"),
    "rejected": _l("Could not be registered"),
}
# What a status means for each kind of sign-up, in words a visitor understands: a call-back is
# a request waiting for a call, never "confirmed"; a volunteer registration waits for contact.
STATUS_BY_KIND = {
    ("event", "provisional"): _l("Received: waiting for the ward to confirm your seat"),
    ("event", "confirmed"): _l("Your seat is confirmed"),
    ("event", "waitlisted"): _l("On the waiting list: the ward will tell you if a seat becomes free"),
    ("volunteer", "provisional"): _l("Registration received: the ward will contact you"),
    ("volunteer", "confirmed"): _l("Registration received by the ward: they will contact you"),
    ("callback", "provisional"): _l("Request received: the desk will call you"),
    ("callback", "confirmed"): _l("Request received by the ward: waiting for the desk to call you"),
}


def status_text(kind, status):
    """The visitor's words for a sign-up's status."""
    return STATUS_BY_KIND.get((kind, status)) or SIGNUP_STATUSES.get(status, status)


# What the ward's desk did with a request, as its visitor reads it on a kiosk or her phone
# (kiosk.sync.contract.DESK_STATES). "new" is not here: the sign-up status says it. A request
# in one of the contract's DONE_STATES is finished: nothing is left to cancel.
DESK_WORDS = {
    ("callback", "in_progress"): _l("A member of staff has your request and will call you soon."),
    ("callback", "unreachable"): _l("The desk called you but could not reach you. They will try again: please answer calls from the ward office."),
    ("callback", "called_back"): _l("The desk has called you back. This request is finished."),
    ("callback", "closed"): _l("This request is finished. If you still need help, please ask again or call the desk."),
    ("volunteer", "contacted"): _l("The ward has contacted you about volunteering."),
    ("volunteer", "registered"): _l("You are registered as a volunteer. Thank you!"),
    ("volunteer", "declined"): _l("The ward could not register you this time. Please ask the volunteer centre."),
}
# A session sign-up the ward changed, by (status, reason).
WARD_WORDS = {
    ("cancelled", "staff"): _l("The ward cancelled this sign-up. Please call the ward office if you have questions."),
    ("cancelled", "event_cancelled"): _l("The session was cancelled, so this sign-up is cancelled too."),
    ("cancelled", "visitor"): _l("You cancelled this sign-up."),
    ("confirmed", "promoted"): _l("A seat became free, so you moved up from the waiting list: your seat is confirmed."),
    ("confirmed", "staff"): _l("The ward confirmed your seat."),
    ("waitlisted", "staff"): _l("The ward put your sign-up on the waiting list. They will tell you if a seat becomes free."),
    ("waitlisted", "full"): _l("The session was full when your sign-up reached the ward, so you are on the waiting list."),
}


def visitor_status(kind, status, reason="", desk_state=""):
    """{"text": the status in a visitor's words, "detail": what the ward did (or ""),
    "finished": True when nothing is left to cancel}."""
    words = DESK_WORDS.get((kind, desk_state or ""))
    done = words is not None and desk_state in contract.DONE_STATES
    finished = status in contract.ENDED_STATUSES or done
    detail = words if words is not None else WARD_WORDS.get((status, reason or ""), "")
    if not detail and reason and reason in SIGNUP_REASONS:
        detail = SIGNUP_REASONS[reason]
    if done:
        text = _l("Finished")
    else:
        text = status_text(kind, status)
    return {"text": text, "detail": detail, "finished": finished}


def kind_of(event_uid, category):
    """A sign-up's kind when only its event and its service's category are known."""
    if event_uid:
        return "event"
    return "volunteer" if category == "volunteering" else "callback"


SIGNUP_REASONS = {
    "": "",
    "full": _l("The session was full when your sign-up reached the ward."),
    "event_cancelled": _l("The session was cancelled."),
    "unknown_event": _l("The session no longer exists."),
    "staff": _l("Changed by ward staff."),
    "promoted": _l("A seat became free, so you moved up from the waiting list."),
    "visitor": _l("You cancelled this sign-up."),
}
SIGNUP_KINDS = {
    "event": _l("Session sign-up"),
    "volunteer": _l("Volunteer registration"),
    "callback": _l("Call-back request"),
}
AGE_BANDS = {
    "u20": _l("Under 20"),
    "20-39": _l("20 to 39"),
    "40-64": _l("40 to 64"),
    "65-74": _l("65 to 74"),
    "75+": _l("75 or over"),
}
CALL_TIMES = {
    "morning": _l("Morning (9:00–12:00)"),
    "afternoon": _l("Afternoon (13:00–17:00)"),
    "any": _l("Any time"),
}

ATTENDANCE_GROUPS = {
    "age_65_plus": _l("Age 65 and over"),
    "age_under_65": _l("Under 65"),
    "children": _l("Children"),
    "adults": _l("Adults"),
    "first_visit": _l("First visit"),
    "returning": _l("Came before"),
    "walk_in": _l("Walk-ins (no sign-up)"),
    "checked_in": _l("Signed up and came"),
}
# Every attendee is in exactly one of these: their sum is the head count.
HEADCOUNT_GROUPS = ("age_65_plus", "age_under_65", "children", "adults")

# Why a kiosk's sync rounds fail (codes from kiosk.site.sync.client.error_kind), for the footer,
# the host screen and the hub's fleet view. Codes not listed show as "unexpected error".
SYNC_ERRORS = {
    "hub_unreachable": _l("the ward's server cannot be reached"),
    "database_locked": _l("this tablet's storage is busy"),
    "database_readonly": _l("this tablet's storage cannot be written to"),
    "disk_io_error": _l("this tablet's storage cannot be written to"),
    "disk_full": _l("this tablet's storage is full"),
    "database_unavailable": _l("this tablet's storage cannot be opened"),
}


def sync_error_text(code):
    """A person's words for a sync failure code."""
    if not code:
        return ""
    if code in SYNC_ERRORS:
        return SYNC_ERRORS[code]
    if code.startswith("hub_error_"):
        return _l("the ward's server reports an error")
    if code.startswith("refused:"):
        return _l("the ward's server refused the request")
    return _l("an unexpected error")


# The desk's states and moves (kiosk.sync.contract.DESK_STATES, kiosk.hub.desk.queues), for staff screens.
DESK_STATE_LABELS = {
    "new": _lp("desk state", "New"),
    "in_progress": _l("Being handled"),
    "called_back": _l("Called back"),
    "unreachable": _l("Could not reach"),
    "closed": _lp("desk state", "Closed"),
    "contacted": _l("Contacted"),
    "registered": _l("Registered"),
    "declined": _lp("the ward turned the volunteer down", "Declined"),
}
DESK_ACTION_LABELS = {
    "take": _l("I will handle it"),
    "called_back": _l("Called back"),
    "unreachable": _l("Could not reach (count a try)"),
    "close": _l("Close"),
    "reopen": _l("Reopen"),
    "contacted": _l("Contacted"),
    "registered": _l("Registered"),
    "declined": _lp("the ward turned the volunteer down", "Declined"),
}

# Why a dated session was cancelled or moved (staff choose one; visitors read it).
CHANGE_REASONS = {
    "weather": _l("Because of the weather"),
    "venue": _l("The venue is not available"),
    "staff": _l("The organisers are not available"),
    "holiday": _l("Holiday"),
    "schedule_changed": _l("The schedule has changed"),
    "other": _l("For other reasons"),
}

# Labels of the catalog's text fields (staff catalog screens).
TEXT_FIELD_LABELS = {
    "name": _lp("service or place", "Name"),
    "summary": _l("Summary (one sentence)"),
    "description": _l("Description"),
    "eligibility": _l("Who it is for"),
    "how_to_join": _l("How to join"),
    "fees": _l("Fees"),
    "schedule": _l("Schedule notes"),
    "keywords": _l("Search words (one per line)"),
    "address": _lp("street address", "Address"),
    "access": _l("Access (how to get there)"),
}

FREQ_LABELS = {
    "WEEKLY": _l("Every week"),
    "MONTHLY": _l("Every month"),
    "": _l("A single date"),
}
WEEKDAY_LABELS = {
    "MO": _l("Monday"), "TU": _l("Tuesday"), "WE": _l("Wednesday"), "TH": _l("Thursday"),
    "FR": _l("Friday"), "SA": _l("Saturday"), "SU": _l("Sunday"),
}
NTH_LABELS = {"1": _l("1st"), "2": _l("2nd"), "3": _l("3rd"), "4": _l("4th"), "-1": _l("last")}

CATALOG_PROBLEMS = {
    "slug": _l("Use 3 to 64 lower-case letters, digits and hyphens."),
    "slug_taken": _l("This short name is already used."),
    "required": _l("Write this in Japanese."),
    "too_long": _l("This text is too long."),
    "phone": _l("Use digits, spaces, hyphens and + only."),
    "email": _l("Enter an email address like name@example.jp."),
    "url": _l("Enter an address starting with https://"),
    "choice": _l("Choose one of the options."),
    "time": _l("Enter times as HH:MM."),
    "time_order": _l("The end must be after the start."),
    "valid_from": _l("Enter the first date."),
    "valid_to": _l("The last date must be after the first."),
    "interval": _l("Choose an interval from 1 to 12."),
    "byday": _l("Choose at least one day."),
    "rule": _l("This rule cannot be read."),
    "capacity": _l("Enter a number of seats from 0 to 100000."),
    "site": _l("Choose a place."),
    "control_character": _l("This text contains characters that cannot be stored."),
    "surrogate": _l("This text contains characters that cannot be stored."),
    "not_text": _l("This text contains characters that cannot be stored."),
}
