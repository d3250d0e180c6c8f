"""What staff read about a record's changes, in their language: a field's name instead of the
document's key ("Schedule notes (English)", not text.en.schedule), choices and lists by their
labels, and recurring rules in words. The pending changes of a draft and the history use it."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_babel import pgettext

from ... import vocab

# Catalog languages by their name in the staff member's language (the endonym is for visitors).
LANGUAGE_NAMES = {
    "ja": _lp("language name", "Japanese"),
    "ja-easy": _lp("language name", "Easy Japanese"),
    "en": _lp("language name", "English"),
    "zh": _lp("language name", "Chinese (Simplified)"),
    "ko": _lp("language name", "Korean"),
    "tl": _lp("language name", "Tagalog"),
}
# The names the editor's form gives these fields.
FIELD_LABELS = {
    "slug": _l("Short name for links (letters, digits, hyphens; made from the English name if empty)"),
    "official_name": _l("Official Japanese name"), "organization": _l("Organisation"),
    "category": _l("Category"), "audiences": _l("Who it is for"), "needs": _l("Needs it answers"),
    "sites": _l("Places"), "languages": _l("Languages the staff speak"),
    "free": _lp("service fee", "Free of charge"), "active": _l("Shown on the kiosks"),
    "phone": _l("Phone"), "email": _l("Email"), "url": _l("Web page"), "kind": _l("Kind of place"),
    "area": _l("Area"), "postal_code": _l("Postal code"), "latitude": _l("Latitude"),
    "longitude": _l("Longitude"), "example_address": _l("Example address (not a real place: the kiosk says so)"),
    "schedules": _l("Recurring sessions"),
}
CHOICES = {"category": vocab.CATEGORIES, "kind": vocab.SITE_KINDS, "area": vocab.AREAS}
LISTS = {"audiences": vocab.AUDIENCES, "needs": vocab.NEEDS}
FLAGS = ("free", "active", "example_address")


def describe(s):
    """A schedule rule in the staff member's language: "Every month: 2nd, 4th Thursday 10:00-12:00"."""
    times = f"{s.get('opens_at', '')}–{s.get('closes_at', '')}"
    if not s.get("freq"):
        return _("On %(date)s, %(times)s", date=s.get("valid_from", ""), times=times)
    interval = int(s.get("interval") or 1)
    codes = [c for c in (s.get("byday") or "").split(",") if c]
    if s["freq"] == "WEEKLY":
        days = ", ".join(str(vocab.WEEKDAY_LABELS.get(c, c)) for c in codes)
        head = (_("Every week: %(days)s", days=days) if interval == 1
                else _("Every %(num)d weeks: %(days)s", num=interval, days=days))
    elif s.get("bymonthday"):
        head = _("Every month on day %(day)s", day=s["bymonthday"])
    else:
        nths = ", ".join(dict.fromkeys(str(vocab.NTH_LABELS.get(c[:-2], c[:-2])) for c in codes))
        days = ", ".join(dict.fromkeys(str(vocab.WEEKDAY_LABELS.get(c[-2:], c[-2:])) for c in codes))
        head = _("Every month: %(weeks)s %(days)s", weeks=nths, days=days)
    text = f"{head} {times}"
    if s.get("skip_holidays", True):
        text += " · " + _("not on public holidays or 29 December–3 January")
    return text


def rule_summary(s, site_names):
    """A rule in one line with its place, seats and dates, as the rules table shows them."""
    seats = _("%(num)d seats", num=int(s.get("capacity") or 0)) if s.get("capacity") else _("No sign-up")
    valid = f"{s.get('valid_from') or ''} – {s.get('valid_to') or ''}".strip()
    return " · ".join([describe(s), str(site_names.get(s.get("site"), s.get("site") or "")), str(seats), valid])


def field_label(field):
    """A document field's name for staff; texts as "<field> (<language>)"."""
    if field.startswith("text."):
        _text, lang, name = field.split(".", 2)
        return _("%(field)s (%(language)s)", field=vocab.TEXT_FIELD_LABELS.get(name, name),
                 language=LANGUAGE_NAMES.get(lang, lang))
    return str(FIELD_LABELS.get(field, field))


def rows(changes, names):
    """One row per change [(field, old, new)] (kiosk.hub.catalog.admin.changes) as staff read it:
    {"label", "added", "removed" (list items by label), "before", "after" (a value in words, or
    None), "rules" ([(before, after)] rules in words, either None where it is new or removed)}.
    ``names``: {"sites", "organizations", "languages": {slug or code: name}}."""
    lists = dict(LISTS, sites=names.get("sites", {}), languages=names.get("languages", {}))
    out = []
    for field, old, new in changes:
        row = {"label": field_label(field), "added": [], "removed": [], "before": None, "after": None, "rules": []}
        if field in lists:
            labels = lists[field]
            row["added"] = [str(labels.get(x, x)) for x in (new or []) if x not in (old or [])]
            row["removed"] = [str(labels.get(x, x)) for x in (old or []) if x not in (new or [])]
        elif field == "schedules":
            row["rules"] = _rule_changes(old or [], new or [], names.get("sites", {}))
        else:
            row["before"], row["after"] = _value(field, old, names), _value(field, new, names)
        out.append(row)
    return out


def _value(field, value, names):
    if value is None or value == "":
        return "—"
    if field in CHOICES:
        return str(CHOICES[field].get(value, value))
    if field == "organization":
        return str(names.get("organizations", {}).get(value, value))
    if field in FLAGS:
        return pgettext("setting", "Yes") if value else pgettext("setting", "No")
    return str(value)


def _rule_changes(old, new, site_names):
    before = {s["uid"]: s for s in old}
    after = {s["uid"]: s for s in new}
    out = []
    for uid in list(before) + [u for u in after if u not in before]:
        b, a = before.get(uid), after.get(uid)
        if b != a:
            out.append((rule_summary(b, site_names) if b else None, rule_summary(a, site_names) if a else None))
    return out
