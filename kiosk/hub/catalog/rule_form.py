"""The form of a recurring rule (adding one, changing one in place): what it shows, and the
rule document it describes with what is wrong with it."""
import datetime

from flask import current_app

from ... import boundary, clock, vocab
from ...models import Site
from . import schedules


def rule_from_form(form, uid):
    """The rule document a rule form describes (add or edit), and the code of what is wrong
    with it (vocab.CATALOG_PROBLEMS), or None."""
    freq = form.get("freq", "")
    days = [d for d in form.getlist("byday") if d in vocab.WEEKDAY_LABELS]
    nths = [n for n in form.getlist("nth") if n in vocab.NTH_LABELS]
    byday, bymonthday = ",".join(days), ""
    if freq == "MONTHLY":
        if form.get("monthly") == "monthday":
            byday, bymonthday = "", (form.get("bymonthday") or "").strip()
            if not bymonthday.isdigit() or not 1 <= int(bymonthday) <= 31:
                bymonthday = "x"
        else:
            byday = ",".join(f"{n}{d}" for n in nths for d in days) if nths else ""
    rule = {"uid": uid, "site": form.get("site", ""), "freq": freq,
            "interval": boundary.bounded_int(form.get("interval"), 1, (1, 12)),
            "byday": byday if freq else "", "bymonthday": bymonthday if freq else "",
            "opens_at": _hhmm((form.get("opens_at") or "").strip()),
            "closes_at": _hhmm((form.get("closes_at") or "").strip()),
            "valid_from": (form.get("valid_from") or "").strip() or clock.ward_today(
                current_app.config["TIMEZONE"]).isoformat(),
            "valid_to": (form.get("valid_to") or "").strip() or None,
            "capacity": boundary.bounded_int(form.get("capacity"), -1, (-1, 100_000)),
            "skip_holidays": form.get("skip_holidays") == "1"}
    why = schedules.check(rule)
    if not why and not Site.select().where(Site.slug == rule["site"]).exists():
        why = "site"
    return rule, why


def _hhmm(value):
    """"10:00" for what a time field sent ("10:00", "10:00:00"); anything else as it came."""
    try:
        return datetime.time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        return value


def form_values(rule=None, form=None):
    """What the rule form shows: a rule's values, what was typed (``form``), or the defaults."""
    if form is not None:
        return {"site": form.get("site", ""), "freq": form.get("freq", ""), "interval": form.get("interval", "1"),
                "days": set(form.getlist("byday")), "nths": set(form.getlist("nth")),
                "monthly": form.get("monthly", "nth"), "bymonthday": form.get("bymonthday", ""),
                "opens_at": form.get("opens_at", ""), "closes_at": form.get("closes_at", ""),
                "capacity": form.get("capacity", ""), "valid_from": form.get("valid_from", ""),
                "valid_to": form.get("valid_to", ""), "skip_holidays": form.get("skip_holidays") == "1"}
    if rule is None:
        return {"site": "", "freq": "WEEKLY", "interval": 1, "days": set(), "nths": set(), "monthly": "nth",
                "bymonthday": "", "opens_at": "", "closes_at": "", "capacity": 0, "valid_from": "",
                "valid_to": "", "skip_holidays": True}
    codes = [c for c in (rule.get("byday") or "").split(",") if c]
    return {"site": rule.get("site", ""), "freq": rule.get("freq", ""), "interval": rule.get("interval") or 1,
            "days": {c[-2:] for c in codes}, "nths": {c[:-2] for c in codes if c[:-2]},
            "monthly": "monthday" if rule.get("bymonthday") else "nth", "bymonthday": rule.get("bymonthday") or "",
            "opens_at": rule.get("opens_at", ""), "closes_at": rule.get("closes_at", ""),
            "capacity": rule.get("capacity") or 0, "valid_from": rule.get("valid_from") or "",
            "valid_to": rule.get("valid_to") or "", "skip_holidays": bool(rule.get("skip_holidays", True))}
