"""A large synthetic catalog for benchmarks: the demo programs, varied, many times over."""
import json
import random

from ..db import database
from ..models import Organization, Service, ServiceAudience, ServiceNeed, ServiceSite, Site, Translation
from ..catalog import bump_generation
from ..search import index
from .loader import DATA, load_demo

# District names as they would be written in each language, to vary the names.
DISTRICTS = {
    "ja": ["豊玉", "桜台", "氷川台", "平和台", "光が丘", "石神井", "大泉学園", "関町", "富士見台", "中村橋"],
    "en": ["Toyotama", "Sakuradai", "Hikawadai", "Heiwadai", "Hikarigaoka", "Shakujii",
           "Oizumigakuen", "Sekimachi", "Fujimidai", "Nakamurabashi"],
    "zh": ["丰玉", "樱台", "冰川台", "平和台", "光之丘", "石神井", "大泉学园", "关町", "富士见台", "中村桥"],
    "ko": ["도요타마", "사쿠라다이", "히카와다이", "헤이와다이", "히카리가오카", "샤쿠지이",
           "오이즈미가쿠엔", "세키마치", "후지미다이", "나카무라바시"],
    "tl": ["Toyotama", "Sakuradai", "Hikawadai", "Heiwadai", "Hikarigaoka", "Shakujii",
           "Oizumigakuen", "Sekimachi", "Fujimidai", "Nakamurabashi"],
}


def load_synthetic(services=5000, seed=7):
    """Load the demo catalog, then add synthetic services up to ``services`` in all languages."""
    load_demo()
    rng = random.Random(seed)
    programs = [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((DATA / "programs").glob("*.json"))]
    orgs = {o.slug: o for o in Organization.select()}
    sites = list(Site.select())
    have = Service.select().count()
    with database.atomic():
        for n in range(have, services):
            p = rng.choice(programs)
            d = rng.randrange(len(DISTRICTS["ja"]))
            service = Service.create(slug=f"{p['slug']}-syn{n}", organization=orgs[p["organization"]],
                                     category=p["category"], free=rng.random() < 0.8)
            rows = []
            for lang, fields in p["text"].items():
                for field, value in fields.items():
                    if field == "name":
                        value = f"{value} {DISTRICTS.get(lang, DISTRICTS['ja'])[d]} {n}"
                    rows.append({"owner": "service", "owner_id": service.id, "field": field,
                                 "language": lang, "text": value})
                if lang in p.get("keywords", {}):
                    rows.append({"owner": "service", "owner_id": service.id, "field": "keywords",
                                 "language": lang, "text": "\n".join(p["keywords"][lang])})
            Translation.insert_many(rows).execute()
            for audience in p["audiences"]:
                ServiceAudience.create(service=service, audience=audience)
            for need in dict.fromkeys(p.get("needs", [])):
                ServiceNeed.create(service=service, need=need)
            ServiceSite.create(service=service, site=rng.choice(sites))
    index.reindex()
    bump_generation()
    return Service.select().count()
