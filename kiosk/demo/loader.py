"""Load the demo catalog from the JSON files in kiosk/demo/data/ (see its README)."""
import datetime
import json
import pathlib
import uuid

from .. import clock
from ..db import database
from ..hub.catalog import schedules
from ..models import (Event, KioskState, Organization, Schedule, Service, ServiceAudience, ServiceLanguage,
                      ServiceNeed, ServiceSite, Site, Translation)
from ..models.catalog import utcnow
from ..sync.protocol import DEMO_KEY
from ..catalog import bump_generation
from ..search import index

DATA = pathlib.Path(__file__).resolve().parent / "data"
SCHEDULE_NAMESPACE = uuid.UUID("0b7f8a53-3c1e-4d0e-9a55-6f2d8e1c4b90")


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def catalog_is_empty():
    return not Service.select().exists()


def clear_catalog():
    """Remove every catalog row (a kiosk pairing with a hub takes the hub's catalog instead)."""
    with database.atomic():
        for model in (Event, Schedule, ServiceSite, ServiceLanguage, ServiceNeed, ServiceAudience, Service, Site,
                      Organization):
            model.delete().execute()
        Translation.delete().execute()
        KioskState.delete().where(KioskState.key == DEMO_KEY).execute()
    index.reindex()


def _translations(owner, owner_id, text_by_lang, now):
    rows = []
    for lang, fields in text_by_lang.items():
        for field, value in fields.items():
            if isinstance(value, list):
                value = "\n".join(value)
            if value:
                rows.append({"owner": owner, "owner_id": owner_id, "field": field,
                             "language": lang, "text": value, "updated_at": now})
    return rows


def load_demo(today=None, tz="Asia/Tokyo", weeks=8):
    """Load organisations, sites, programs and their schedules, and expand the schedules into
    dated sessions ``weeks`` ahead; returns counts. Marks the catalog as the demo."""
    today = today or clock.ward_today(tz)
    now = utcnow()
    texts = []
    with database.atomic():
        orgs = {}
        for o in _read(DATA / "organizations.json"):
            org = Organization.create(slug=o["slug"], url=o.get("url", ""))
            orgs[o["slug"]] = org
            texts += _translations("organization", org.id, o["text"], now)
        sites = {}
        for s in _read(DATA / "sites.json"):
            site = Site.create(slug=s["slug"], kind=s["kind"], area=s["area"],
                               postal_code=s.get("postal_code", ""), phone=s.get("phone", ""),
                               latitude=s.get("latitude"), longitude=s.get("longitude"),
                               example_address=bool(s.get("example_address")))
            sites[s["slug"]] = site
            texts += _translations("site", site.id, s["text"], now)
        n_events = 0
        for path in sorted((DATA / "programs").glob("*.json")):
            p = _read(path)
            contact = p.get("contact", {})
            service = Service.create(
                slug=p["slug"], organization=orgs[p["organization"]], category=p["category"],
                free=p.get("free", True), phone=contact.get("phone", ""),
                email=contact.get("email", ""), url=contact.get("url", ""),
                official_name=p.get("official_name") or p["text"]["ja"]["name"])
            text = {lang: dict(fields) for lang, fields in p["text"].items()}
            for lang, words in p.get("keywords", {}).items():
                text.setdefault(lang, {})["keywords"] = words
            texts += _translations("service", service.id, text, now)
            for audience in dict.fromkeys(p["audiences"]):
                ServiceAudience.create(service=service, audience=audience)
            for need in dict.fromkeys(p.get("needs", [])):
                ServiceNeed.create(service=service, need=need)
            for code in dict.fromkeys(p.get("languages_spoken", ["ja"])):
                ServiceLanguage.create(service=service, language=code)
            site_slugs = list(dict.fromkeys(p.get("sites", []) + [e["site"] for e in p.get("schedules", [])]))
            for slug in site_slugs:
                ServiceSite.create(service=service, site=sites[slug])
            for i, rule in enumerate(p.get("schedules", [])):
                schedule = Schedule.create(**schedule_row(p["slug"], i, rule, today, service, sites[rule["site"]]))
                n_events += schedules.expand(schedule, today, weeks, tz, announce=False)
        for i in range(0, len(texts), 500):
            Translation.insert_many(texts[i:i + 500]).execute()
        KioskState.set_value(DEMO_KEY, "1")
    index.reindex()
    bump_generation()
    return {"organizations": len(orgs), "sites": len(sites),
            "services": Service.select().count(), "events": n_events}


def schedule_row(slug, i, rule, today, service, site):
    """A demo rule as a Schedule row: recurring from the day the demo is loaded, or a single
    date ``in_days`` after it, moved past the ward's year-end closing (a demo loaded in December
    would otherwise hold its festival on New Year's Day). Uids are deterministic, so a hub and a
    kiosk agree."""
    once = not rule.get("freq")
    day = today + datetime.timedelta(days=int(rule.get("in_days") or 0))
    while once and schedules.is_year_end(day):
        day += datetime.timedelta(days=1)
    return {"uid": str(uuid.uuid5(SCHEDULE_NAMESPACE, f"{slug}|{i}")), "service": service, "site": site,
            "freq": rule.get("freq") or "", "interval": int(rule.get("interval") or 1),
            "byday": rule.get("byday", ""), "bymonthday": rule.get("bymonthday", ""),
            "opens_at": rule["opens_at"], "closes_at": rule["closes_at"],
            "valid_from": day if once else today,
            "valid_to": None, "capacity": int(rule.get("capacity", 0)),
            "skip_holidays": bool(rule.get("skip_holidays", True))}
