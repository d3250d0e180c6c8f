"""Load the demo catalog from the JSON files in kiosk/demo/data/ (see its README)."""
import datetime
import json
import pathlib
import uuid
import zoneinfo

from ..db import database
from ..models import (Event, Organization, Service, ServiceAudience, ServiceLanguage, ServiceSite,
                      Site, Translation)
from ..catalog import bump_generation
from ..search import index

DATA = pathlib.Path(__file__).resolve().parent / "data"
EVENT_DAYS = 28
EVENT_NAMESPACE = uuid.UUID("6f1c1b1e-5d2a-4c55-9a53-3f4f5c6b7a80")


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def catalog_is_empty():
    return not Service.select().exists()


def clear_catalog():
    """Remove every catalog row (a kiosk pairing with a hub takes the hub's catalog instead)."""
    with database.atomic():
        for model in (Event, ServiceSite, ServiceLanguage, ServiceAudience, Service, Site, Organization):
            model.delete().execute()
        Translation.delete().execute()
    index.reindex()


def _translations(owner, owner_id, text_by_lang):
    rows = []
    for lang, fields in text_by_lang.items():
        for field, value in fields.items():
            if isinstance(value, list):
                value = "\n".join(value)
            if value:
                rows.append({"owner": owner, "owner_id": owner_id, "field": field,
                             "language": lang, "text": value})
    return rows


def load_demo(today=None, tz="Asia/Tokyo"):
    """Load organisations, sites, programs and their dated events; returns counts."""
    today = today or datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date()
    texts = []
    with database.atomic():
        orgs = {}
        for o in _read(DATA / "organizations.json"):
            org = Organization.create(slug=o["slug"], url=o.get("url", ""))
            orgs[o["slug"]] = org
            texts += _translations("organization", org.id, o["text"])
        sites = {}
        for s in _read(DATA / "sites.json"):
            site = Site.create(slug=s["slug"], kind=s["kind"], area=s["area"],
                               postal_code=s.get("postal_code", ""), phone=s.get("phone", ""),
                               latitude=s.get("latitude"), longitude=s.get("longitude"))
            sites[s["slug"]] = site
            texts += _translations("site", site.id, s["text"])
        n_events = 0
        for path in sorted((DATA / "programs").glob("*.json")):
            p = _read(path)
            contact = p.get("contact", {})
            service = Service.create(
                slug=p["slug"], organization=orgs[p["organization"]], category=p["category"],
                free=p.get("free", True), phone=contact.get("phone", ""),
                email=contact.get("email", ""), url=contact.get("url", ""))
            text = {lang: dict(fields) for lang, fields in p["text"].items()}
            for lang, words in p.get("keywords", {}).items():
                text.setdefault(lang, {})["keywords"] = words
            texts += _translations("service", service.id, text)
            for audience in dict.fromkeys(p["audiences"]):
                ServiceAudience.create(service=service, audience=audience)
            for code in dict.fromkeys(p.get("languages_spoken", ["ja"])):
                ServiceLanguage.create(service=service, language=code)
            site_slugs = list(dict.fromkeys(p.get("sites", []) + [e["site"] for e in p.get("events", [])]))
            for slug in site_slugs:
                ServiceSite.create(service=service, site=sites[slug])
            for rule in p.get("events", []):
                for start, end in occurrences(rule, today, tz):
                    # Deterministic: a hub and a kiosk loading the demo on the same day agree.
                    uid = uuid.uuid5(EVENT_NAMESPACE, f"{p['slug']}|{rule['site']}|{start.isoformat()}")
                    Event.create(uid=str(uid), service=service, site=sites[rule["site"]],
                                 starts_at=start, ends_at=end, capacity=rule.get("capacity", 0))
                    n_events += 1
        for i in range(0, len(texts), 500):
            Translation.insert_many(texts[i:i + 500]).execute()
    index.reindex()
    bump_generation()
    return {"organizations": len(orgs), "sites": len(sites),
            "services": Service.select().count(), "events": n_events}


def occurrences(rule, today, tz, days=EVENT_DAYS):
    """(start, end) as naive UTC datetimes for an event rule over the next ``days`` days."""
    zone = zoneinfo.ZoneInfo(tz)
    start_t = datetime.time.fromisoformat(rule["start"])
    end_t = datetime.time.fromisoformat(rule["end"])
    dates = []
    if rule["rule"] == "once":
        dates.append(today + datetime.timedelta(days=int(rule["day"])))
    else:
        for offset in range(0, days):   # from today: hosts record today's sessions
            day = today + datetime.timedelta(days=offset)
            if day.weekday() != int(rule["weekday"]):
                continue
            if rule["rule"] == "weekly" or (day.day - 1) // 7 + 1 in rule.get("nth", []):
                dates.append(day)
    out = []
    for day in dates:
        start = datetime.datetime.combine(day, start_t, zone).astimezone(datetime.timezone.utc)
        end = datetime.datetime.combine(day, end_t, zone).astimezone(datetime.timezone.utc)
        out.append((start.replace(tzinfo=None), end.replace(tzinfo=None)))
    return out
