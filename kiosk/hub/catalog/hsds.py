"""Open Referral HSDS 3.0 exchange of the published catalog: the tabular datapackage (CSV files
plus datapackage.json) and the nested JSON service objects, translations included.

Mapping (the tests validate the output with Open Referral's own schemas, ../shared/hsds):
- organization, service, location (our site), service_at_location, phone, language, address,
  schedule (our recurrence rules, RFC 5545 fields) map field to field, in Japanese, the source
  language of the ward's catalog;
- everything HSDS has no column for, and every text in every language, is an *attribute* linked
  to its row, with a term of the taxonomy "ward-kiosk": "text:<field>:<lang>" for a translation,
  "slug", "category", "audience", "free", "official_name", "site_kind", "area", "capacity",
  "skip_holidays", "example_address" (only where true) for the rest. So nothing is lost, and an
  importer that knows only HSDS still reads the Japanese names, descriptions, places and schedules.
- the needs a service answers (kiosk.vocab.NEEDS) are real classification terms: the taxonomy
  "ward-kiosk-needs" has one term per need (code: the slug, name: the English label), and each
  need is also given as the terms of Open Referral's Open Eligibility taxonomy that say the same
  thing (OPEN_ELIGIBILITY_OF_NEED), so a system that knows Open Eligibility but not our slugs can
  still classify the services. Both are attributes of the service with link_type "need". An
  import reads our terms back, and, for a service that has none (another system's package),
  infers a need from Open Eligibility terms when the service carries every term the need maps to.
- what staff decided beside the records travels too, so a round trip loses none of it: the single
  dates staff cancelled or moved, as attributes of their schedule with the terms "cancelled_date"
  and "moved_date" (value: compact JSON, kiosk.hub.catalog.date_changes); the hub's furigana
  corrections, as the terms of the taxonomy "ward-kiosk-readings" (name: the word, description:
  its reading in hiragana); and whether the catalog is sample data, as the attribute
  "sample_data" ("true" or "false") of every organization. ``from_tables`` returns them as
  "extras", which ``apply_extras`` applies when staff apply the import.
Identifiers are UUIDs derived from slugs (schedules keep their own), so exports are stable and
an export -> import -> export round trip is identical.
"""
import csv
import io
import json
import pathlib
import uuid
import zipfile

from flask import current_app
from flask_babel import force_locale

from ... import catalog_docs, clock, vocab
from ...boundary import Refused
from ...models import ReadingCorrection
from ..locks import write_lock
from . import admin as catalog_admin
from . import date_changes

NS = uuid.UUID("3d6f0d8e-52f1-4b8e-a0a7-1f0c3c2b9e11")
TAXONOMY = "ward-kiosk"
SPEC_DATAPACKAGE = pathlib.Path(__file__).resolve().parent / "hsds_datapackage.json"
LANGS = catalog_admin.CATALOG_LANGUAGES
SCALAR_TERMS = ("slug", "category", "audience", "free", "official_name", "site_kind", "area",
                "capacity", "skip_holidays", "example_address")
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English", "zh": "Chinese", "ko": "Korean", "tl": "Tagalog",
                  "fil": "Filipino"}
ENTITY_OF = {"organization": "organization", "site": "location", "service": "service"}
NEEDS_TAXONOMY = "ward-kiosk-needs"
READINGS_TAXONOMY = "ward-kiosk-readings"
SAMPLE_TERM = "sample_data"
EXTRA_TERMS = (SAMPLE_TERM,) + tuple(date_changes.CODES.values())
TERM_DESCRIPTIONS = {
    SAMPLE_TERM: "Whether the whole catalog is sample data for trying the kiosk out: true or false",
    "cancelled_date": "One date of the linked schedule that does not take place: JSON {date, reason}",
    "moved_date": "One date of the linked schedule held at another time: JSON {date, starts_at, ends_at, "
                  "reason}, times in ISO 8601 with the ward's offset",
}
NEED_DESCRIPTIONS = {   # what each need covers, for a reader of the export who has no kiosk
    "food": "Meals and food: a place to eat together, help with food.",
    "money": "Not enough money to live on, rent or bills that cannot be paid.",
    "housing": "Finding or keeping a place to live.",
    "elder-care": "Care for an older person (oneself or a family member), and staying well to avoid needing care.",
    "dementia": "Forgetfulness and dementia, for the person and their family.",
    "children": "Children, and bringing them up.",
    "disability": "Living with a disability: support, information and communication.",
    "loneliness": "Being alone: somewhere to go and people to talk to.",
    "work": "Finding work, or a first step back into work.",
    "japanese": "Learning Japanese, for residents whose first language is another.",
    "legal": "Legal questions and rights: adult guardianship, help managing money and contracts.",
    "disaster": "Getting ready for earthquakes, floods and other disasters, and evacuating.",
    "volunteering": "Helping others: volunteering and local activities.",
}
# Open Referral's copy of the Open Eligibility taxonomy (github.com/openreferral/openeligibility,
# taxonomy version 2.0): the terms our needs map to, with their ancestors so the hierarchy is
# whole. id: (name, parent id, "service" or "situation" - its two trees).
OPEN_ELIGIBILITY = "Open Eligibility"
OPEN_ELIGIBILITY_URI = "https://github.com/openreferral/openeligibility"
OPEN_ELIGIBILITY_TERMS = {
    "1102": ("Food", None, "service"),
    "1103": ("Housing", None, "service"),
    "1107": ("Money", None, "service"),
    "1108": ("Care", None, "service"),
    "1303": ("Support Network", "1108", "service"),
    "1109": ("Education", None, "service"),
    "1323": ("More Education", "1109", "service"),
    "1325": ("Disaster Preparedness & Response", "1323", "service"),
    "1331": ("Foreign Languages", "1323", "service"),
    "1110": ("Work", None, "service"),
    "1111": ("Legal", None, "service"),
    "20002": ("Age Group", None, "situation"),
    "20005": ("Children", "20002", "situation"),
    "20006": ("Seniors", "20002", "situation"),
    "20011": ("Citizenship", None, "situation"),
    "20012": ("Immigrants", "20011", "situation"),
    "20017": ("Disability", None, "situation"),
    "20041": ("Health", None, "situation"),
    "20045": ("Alzheimers", "20041", "situation"),
}
# Each need as Open Eligibility terms, all of which together say it (a need for care of an older
# person is Care for Seniors; learning Japanese is a foreign-language course for immigrants).
# Open Eligibility describes help received, so giving help (volunteering) has no term.
OPEN_ELIGIBILITY_OF_NEED = {
    "food": ("1102",),
    "money": ("1107",),
    "housing": ("1103",),
    "elder-care": ("1108", "20006"),
    "dementia": ("20045",),
    "children": ("20005",),
    "disability": ("20017",),
    "loneliness": ("1303",),
    "work": ("1110",),
    "japanese": ("1331", "20012"),
    "legal": ("1111",),
    "disaster": ("1325",),
    "volunteering": (),
}
TEXT_COLUMNS = {   # our Japanese text -> the HSDS column that also carries it
    "service": {"name": "name", "description": "description", "eligibility": "eligibility_description",
                "how_to_join": "application_process", "fees": "fees_description"},
    "site": {"name": "name", "access": "transportation"},
    "organization": {"name": "name"},
}


def uid(*parts):
    return str(uuid.uuid5(NS, "|".join(parts)))


def spec():
    """Open Referral's tabular datapackage description (copied unchanged, with its schemas)."""
    return json.loads(SPEC_DATAPACKAGE.read_text(encoding="utf-8"))


def _terms():
    codes = list(SCALAR_TERMS) + list(EXTRA_TERMS) + [f"text:{f}:{lang}" for kind in ("organization", "site", "service")
                                  for f in catalog_docs.TEXT_FIELDS[kind] for lang in LANGS]
    return {code: uid("term", code) for code in dict.fromkeys(codes)}


def documents():
    """Every published record's document, by kind, in slug order."""
    out = {}
    for kind in catalog_docs.KINDS:
        model = catalog_docs.MODELS[kind]
        out[kind] = [catalog_docs.live_document(kind, slug) for (slug,) in
                     model.select(model.slug).order_by(model.slug).tuples()]
    return out


# --- export ---------------------------------------------------------------------------------

def extras():
    """What the hub holds beside the records' documents, in the form ``from_tables`` returns it:
    {"readings": [[word, reading]], "sample": bool, "dates": [[schedule uid, change]]}."""
    tz = current_app.config["TIMEZONE"]
    dated = date_changes.for_export(tz, clock.ward_today(tz))
    return {"readings": sorted([s, r] for s, r in ReadingCorrection.select(ReadingCorrection.surface,
                                                                            ReadingCorrection.reading).tuples()),
            "sample": catalog_admin.is_demo(),
            "dates": [[uid, change] for uid in sorted(dated) for change in dated[uid]]}


def tables(docs=None, extra=None):
    """{resource name: [row dicts]} of the tabular form, from documents and ``extras()``."""
    docs = docs or documents()
    extra = extra if extra is not None else extras()
    dated = {}
    for schedule_uid, change in extra.get("dates", []):
        dated.setdefault(schedule_uid, []).append(change)
    terms = _terms()
    t = {name: [] for name in ("organization", "service", "location", "address", "phone", "language",
                               "service_at_location", "schedule", "attribute", "taxonomy", "taxonomy_term")}
    taxonomy_id = uid("taxonomy", TAXONOMY)
    t["taxonomy"].append({"id": taxonomy_id, "name": TAXONOMY,
                          "description": "Ward community kiosk: catalog fields and translations that HSDS has no column for"})
    for code, term_id in terms.items():
        t["taxonomy_term"].append({"id": term_id, "code": code, "name": code, "taxonomy": TAXONOMY,
                                   "taxonomy_id": taxonomy_id,
                                   "description": _term_description(code)})
    t["taxonomy"] += _need_taxonomies()
    t["taxonomy_term"] += _need_terms()
    t["taxonomy"].append({"id": uid("taxonomy", READINGS_TAXONOMY), "name": READINGS_TAXONOMY,
                          "description": "Ward community kiosk: how to read Japanese words the furigana analyser gets "
                                         "wrong (name: the word, description: its reading in hiragana)"})
    t["taxonomy_term"] += [{"id": uid("term", READINGS_TAXONOMY, surface), "code": f"reading:{surface}",
                            "name": surface, "description": reading, "language": "ja", "taxonomy": READINGS_TAXONOMY,
                            "taxonomy_id": uid("taxonomy", READINGS_TAXONOMY)}
                           for surface, reading in extra.get("readings", [])]

    def attr(entity, link_id, code, value, n=0):
        t["attribute"].append({"id": uid("attribute", link_id, code, str(n)), "link_id": link_id,
                               "taxonomy_term_id": terms[code], "link_type": code.split(":")[0],
                               "link_entity": entity, "value": value})

    def texts(kind, link_id, doc):
        for lang in LANGS:
            for field in catalog_docs.TEXT_FIELDS[kind]:
                value = (doc.get("text", {}).get(lang) or {}).get(field)
                if value:
                    attr(ENTITY_OF[kind], link_id, f"text:{field}:{lang}", value)

    def ja(doc, field):
        return (doc.get("text", {}).get("ja") or {}).get(field, "")

    for o in docs["organization"]:
        oid = uid("organization", o["slug"])
        t["organization"].append({"id": oid, "name": ja(o, "name") or o["slug"],
                                  "description": ja(o, "name") or o["slug"], "website": o.get("url") or ""})
        attr("organization", oid, "slug", o["slug"])
        attr("organization", oid, SAMPLE_TERM, "true" if extra.get("sample") else "false")
        texts("organization", oid, o)
    for s in docs["site"]:
        lid = uid("site", s["slug"])
        t["location"].append({"id": lid, "location_type": "physical", "name": ja(s, "name"),
                              "transportation": ja(s, "access"),
                              "latitude": s.get("latitude"), "longitude": s.get("longitude")})
        if ja(s, "address"):
            t["address"].append({"id": uid("address", s["slug"]), "location_id": lid,
                                 "address_1": ja(s, "address"), "city": "練馬区", "state_province": "東京都",
                                 "postal_code": s.get("postal_code") or "", "country": "JP",
                                 "address_type": "physical"})
        if s.get("phone"):
            t["phone"].append({"id": uid("phone", "site", s["slug"]), "location_id": lid, "number": s["phone"]})
        attr("location", lid, "slug", s["slug"])
        attr("location", lid, "site_kind", s["kind"])
        attr("location", lid, "area", s["area"])
        if s.get("example_address"):
            attr("location", lid, "example_address", "true")
        texts("site", lid, s)
    for v in docs["service"]:
        sid = uid("service", v["slug"])
        row = {"id": sid, "organization_id": uid("organization", v["organization"]),
               "name": ja(v, "name") or v["slug"], "alternate_name": v.get("official_name") or "",
               "url": v.get("url") or "", "email": v.get("email") or "",
               "status": "active" if v.get("active", True) else "inactive"}
        for field, column in TEXT_COLUMNS["service"].items():
            if field != "name":
                row[column] = ja(v, field)
        t["service"].append(row)
        if v.get("phone"):
            t["phone"].append({"id": uid("phone", "service", v["slug"]), "service_id": sid, "number": v["phone"]})
        for code in v.get("languages", []):
            t["language"].append({"id": uid("language", v["slug"], code), "service_id": sid, "code": code,
                                  "name": LANGUAGE_NAMES.get(code, code)})
        for site in v.get("sites", []):
            t["service_at_location"].append({"id": uid("service_at_location", v["slug"], site),
                                             "service_id": sid, "location_id": uid("site", site)})
        for sch in v.get("schedules", []):
            t["schedule"].append({
                "id": sch["uid"], "service_id": sid, "location_id": uid("site", sch["site"]),
                "valid_from": sch["valid_from"], "valid_to": sch.get("valid_to") or "",
                "dtstart": sch["valid_from"], "timezone": 9, "freq": sch["freq"],
                "interval": sch.get("interval") or 1 if sch["freq"] else "",
                "byday": sch.get("byday") or "", "bymonthday": sch.get("bymonthday") or "",
                "opens_at": sch["opens_at"] + ":00", "closes_at": sch["closes_at"] + ":00",
                "description": ja(v, "schedule"), "attending_type": "in_person"})
            attr("schedule", sch["uid"], "capacity", str(sch.get("capacity") or 0))
            attr("schedule", sch["uid"], "skip_holidays", "true" if sch.get("skip_holidays", True) else "false")
            for change in dated.get(sch["uid"], []):
                attr("schedule", sch["uid"], *date_changes.encode(change), n=change["date"])
        attr("service", sid, "slug", v["slug"])
        attr("service", sid, "category", v["category"])
        for n, audience in enumerate(v.get("audiences", [])):
            attr("service", sid, "audience", audience, n)
        t["attribute"] += _need_attributes(sid, v.get("needs", []))
        attr("service", sid, "free", "true" if v.get("free") else "false")
        if v.get("official_name"):
            attr("service", sid, "official_name", v["official_name"])
        texts("service", sid, v)
    return t


def need_term_id(slug):
    return uid("term", NEEDS_TAXONOMY, slug)


def open_eligibility_term_id(code):
    return uid("term", OPEN_ELIGIBILITY, code)


def _need_taxonomies():
    return [{"id": uid("taxonomy", NEEDS_TAXONOMY), "name": NEEDS_TAXONOMY,
             "description": "Ward community kiosk: what a resident needs, the needs each service answers "
                            "(each term also given as Open Eligibility terms)"},
            {"id": uid("taxonomy", OPEN_ELIGIBILITY), "name": OPEN_ELIGIBILITY, "uri": OPEN_ELIGIBILITY_URI,
             "version": "2.0",
             "description": "Open Eligibility: human services and human situations (Open Referral's copy; "
                            "CC BY-SA 3.0, derived from the Human Services Taxonomy by Aunt Bertha, Inc.). "
                            "Only the terms the kiosk's needs map to, with their parents."}]


def _need_terms():
    """Our needs (English names, whatever the staff member's language) and the Open Eligibility
    terms they map to."""
    rows = []
    with force_locale("en"):
        labels = {slug: str(label) for slug, label in vocab.NEEDS.items()}
    for slug, label in labels.items():
        mapped = ", ".join(f"{code} {OPEN_ELIGIBILITY_TERMS[code][0]}"
                           for code in OPEN_ELIGIBILITY_OF_NEED.get(slug, ()))
        rows.append({"id": need_term_id(slug), "code": slug, "name": label, "language": "en",
                     "taxonomy": NEEDS_TAXONOMY, "taxonomy_id": uid("taxonomy", NEEDS_TAXONOMY),
                     "description": NEED_DESCRIPTIONS.get(slug, label)
                     + (f" Open Eligibility: {mapped}." if mapped else " No Open Eligibility term.")})

    def path(code):
        name, parent, _ = OPEN_ELIGIBILITY_TERMS[code]
        return f"{path(parent)} > {name}" if parent else name

    for code, (name, parent, tree) in OPEN_ELIGIBILITY_TERMS.items():
        row = {"id": open_eligibility_term_id(code), "code": code, "name": name, "language": "en",
               "taxonomy": OPEN_ELIGIBILITY, "taxonomy_id": uid("taxonomy", OPEN_ELIGIBILITY),
               "description": f"Open Eligibility human {tree}: {path(code)}"}
        if parent:
            row["parent_id"] = open_eligibility_term_id(parent)
        rows.append(row)
    return rows


def _need_attributes(service_id, needs):
    """A service's needs as our terms, then as the Open Eligibility terms they map to."""
    rows = [{"id": uid("attribute", service_id, "need", slug), "link_id": service_id,
             "taxonomy_term_id": need_term_id(slug), "link_type": "need", "link_entity": "service",
             "value": ""}
            for slug in needs]
    codes = dict.fromkeys(code for slug in needs for code in OPEN_ELIGIBILITY_OF_NEED.get(slug, ()))
    rows += [{"id": uid("attribute", service_id, "need", OPEN_ELIGIBILITY, code), "link_id": service_id,
              "taxonomy_term_id": open_eligibility_term_id(code), "link_type": "need",
              "link_entity": "service", "value": ""}
             for code in codes]
    return rows


def _term_description(code):
    if code in TERM_DESCRIPTIONS:
        return TERM_DESCRIPTIONS[code]
    if code.startswith("text:"):
        _, field, lang = code.split(":")
        return f"The {field} text of the linked record in language '{lang}'"
    return f"The kiosk's '{code}' of the linked record"


def datapackage_files(docs=None):
    """{file name: bytes} of the tabular datapackage: every HSDS resource, ours filled in."""
    package = spec()
    rows = tables(docs)
    files = {}
    for resource in package["resources"]:
        columns = [f["name"] for f in resource["schema"]["fields"]]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for row in rows.get(resource["name"], []):
            writer.writerow({c: ("" if row.get(c) is None else row.get(c, "")) for c in columns})
        files[resource["path"]] = buf.getvalue().encode("utf-8")
    package["name"] = "ward-kiosk-catalog"
    files["datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")
    return files


def datapackage_zip(docs=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(datapackage_files(docs).items()):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))   # stable bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def export_services(docs=None):
    """The nested HSDS service objects (compiled/service.json), a list, services in slug order."""
    t = tables(docs)
    terms = {r["id"]: r for r in t["taxonomy_term"]}
    taxonomies = {r["id"]: r for r in t["taxonomy"]}

    def attrs(link_id):
        out = []
        for a in t["attribute"]:
            if a["link_id"] == link_id:
                term = terms[a["taxonomy_term_id"]]
                term = dict(term, taxonomy_detail=taxonomies[term["taxonomy_id"]])
                out.append(dict(a, taxonomy_term=term))
        return out

    def clean(row):
        return {k: v for k, v in row.items() if v not in (None, "")}

    orgs = {o["id"]: dict(clean(o), attributes=attrs(o["id"])) for o in t["organization"]}
    locations = {}
    for loc in t["location"]:
        locations[loc["id"]] = dict(clean(loc), addresses=[clean(a) for a in t["address"] if a["location_id"] == loc["id"]],
                                    phones=[clean(p) for p in t["phone"] if p.get("location_id") == loc["id"]],
                                    attributes=attrs(loc["id"]))
    out = []
    for s in t["service"]:
        obj = clean(s)
        obj["organization"] = orgs[s["organization_id"]]
        obj["phones"] = [clean(p) for p in t["phone"] if p.get("service_id") == s["id"]]
        obj["languages"] = [clean(x) for x in t["language"] if x["service_id"] == s["id"]]
        obj["schedules"] = [dict(clean(x), attributes=attrs(x["id"])) for x in t["schedule"] if x["service_id"] == s["id"]]
        obj["service_at_locations"] = [dict(clean(x), location=locations[x["location_id"]])
                                       for x in t["service_at_location"] if x["service_id"] == s["id"]]
        obj["attributes"] = attrs(s["id"])
        out.append(obj)
    return out


# --- import (reading and checking a package, the plan, drafts: kiosk.hub.catalog.hsds_import) ---

def from_tables(t, plain_language=None):
    """Documents from tabular rows (the inverse of ``tables``). ``plain_language``: text -> the
    language of a text read from a plain HSDS column (a package without our per-language
    attributes: kiosk.hub.catalog.hsds_import detects or asks it); Japanese when not given."""
    language_of = plain_language or (lambda text: "ja")
    terms = {r["id"]: r.get("code") or r.get("name") for r in t.get("taxonomy_term", [])}
    attrs = {}
    for a in t.get("attribute", []):
        code = terms.get(a.get("taxonomy_term_id"))
        if code:
            attrs.setdefault(a["link_id"], []).append((code, a.get("value") or ""))

    # The taxonomy of each attribute's term, for the needs: by taxonomy, not by link_type, which
    # another system fills in its own way.
    taxonomy_names = {r["id"]: r.get("name") or "" for r in t.get("taxonomy", [])}
    term_rows = {r["id"]: r for r in t.get("taxonomy_term", [])}
    classified = {}   # link id -> [(taxonomy name, term code)]
    for a in t.get("attribute", []):
        term = term_rows.get(a.get("taxonomy_term_id"))
        if term is not None:
            taxonomy = taxonomy_names.get(term.get("taxonomy_id")) or term.get("taxonomy") or ""
            classified.setdefault(a["link_id"], []).append((taxonomy.strip(), term.get("code") or ""))

    def needs_of(link_id):
        mine = {code for taxonomy, code in classified.get(link_id, []) if taxonomy == NEEDS_TAXONOMY and code}
        if mine:
            return sorted(mine)
        theirs = {code for taxonomy, code in classified.get(link_id, [])
                  if taxonomy.lower() == OPEN_ELIGIBILITY.lower()}
        return sorted(slug for slug, codes in OPEN_ELIGIBILITY_OF_NEED.items() if codes and set(codes) <= theirs)

    def scalar(link_id, code, default=""):
        return next((v for c, v in attrs.get(link_id, []) if c == code), default)

    def text_of(kind, link_id, row):
        out = {}
        for code, value in attrs.get(link_id, []):
            if code.startswith("text:") and value:
                _, field, lang = code.split(":")
                if field in catalog_docs.TEXT_FIELDS[kind]:
                    out.setdefault(lang, {})[field] = value
        if not out.get("ja"):   # a package from a system that does not carry our translations
            for field, column in TEXT_COLUMNS[kind].items():
                if row.get(column):
                    out.setdefault(language_of(row[column]), {})[field] = row[column]
        return dict(sorted((lang, dict(sorted(v.items()))) for lang, v in out.items()))

    def slug_of(link_id, row, prefix):
        return scalar(link_id, "slug") or catalog_docs.slugify(row.get("name", "")) or f"{prefix}-{link_id[:8]}"

    docs = {"organization": [], "site": [], "service": []}
    org_slugs, site_slugs = {}, {}
    for o in t.get("organization", []):
        slug = slug_of(o["id"], o, "org")
        org_slugs[o["id"]] = slug
        docs["organization"].append({"slug": slug, "url": o.get("website") or "",
                                     "text": text_of("organization", o["id"], o)})
    addresses = {a["location_id"]: a for a in t.get("address", []) if a.get("location_id")}
    phones_by_location = {p["location_id"]: p["number"] for p in t.get("phone", []) if p.get("location_id")}
    phones_by_service = {p["service_id"]: p["number"] for p in t.get("phone", []) if p.get("service_id")}
    for loc in t.get("location", []):
        slug = slug_of(loc["id"], loc, "site")
        site_slugs[loc["id"]] = slug
        address = addresses.get(loc["id"], {})
        text = text_of("site", loc["id"], loc)
        if address.get("address_1") and not (text.get("ja") or {}).get("address"):
            text.setdefault(language_of(address["address_1"]), {})["address"] = address["address_1"]
        docs["site"].append({"slug": slug, "kind": scalar(loc["id"], "site_kind", "office"),
                             "area": scalar(loc["id"], "area", "nerima"),
                             "postal_code": address.get("postal_code", ""),
                             "phone": phones_by_location.get(loc["id"], ""),
                             "latitude": _number(loc.get("latitude")), "longitude": _number(loc.get("longitude")),
                             "example_address": scalar(loc["id"], "example_address", "false") == "true",
                             "text": dict(sorted(text.items()))})
    for s in t.get("service", []):
        sid = s["id"]
        scheds = []
        for x in t.get("schedule", []):
            if x.get("service_id") != sid:
                continue
            scheds.append({"uid": x["id"], "site": site_slugs.get(x.get("location_id"), ""),
                           "freq": x.get("freq") or "", "interval": int(float(x.get("interval") or 1)),
                           "byday": x.get("byday") or "", "bymonthday": x.get("bymonthday") or "",
                           "opens_at": (x.get("opens_at") or "")[:5], "closes_at": (x.get("closes_at") or "")[:5],
                           "valid_from": x.get("valid_from") or x.get("dtstart") or "",
                           "valid_to": x.get("valid_to") or None,
                           "capacity": int(float(scalar(x["id"], "capacity", "0") or 0)),
                           "skip_holidays": scalar(x["id"], "skip_holidays", "true") == "true"})
        docs["service"].append({
            "slug": slug_of(sid, s, "service"), "organization": org_slugs.get(s.get("organization_id"), ""),
            "category": scalar(sid, "category", "consultation"), "free": scalar(sid, "free", "true") == "true",
            "phone": phones_by_service.get(sid, ""), "email": s.get("email") or "", "url": s.get("url") or "",
            "active": s.get("status", "active") == "active",
            "official_name": scalar(sid, "official_name") or s.get("alternate_name") or "",
            "audiences": sorted(v for c, v in attrs.get(sid, []) if c == "audience") or ["everyone"],
            "needs": needs_of(sid),
            "languages": sorted(x.get("code") for x in t.get("language", []) if x.get("service_id") == sid and x.get("code")),
            "sites": sorted(site_slugs[x["location_id"]] for x in t.get("service_at_location", [])
                            if x.get("service_id") == sid and x.get("location_id") in site_slugs),
            "text": text_of("service", sid, s),
            "schedules": sorted(scheds, key=lambda x: x["uid"])})
    docs["extras"] = _extras_of(t, attrs, taxonomy_names)
    return docs


def _extras_of(t, attrs, taxonomy_names):
    """What a package carries beside the documents (the form of ``extras()``); "sample" is None
    when it does not say (another system's package), and what cannot be read is left out."""
    readings = [[r["name"], r["description"]] for r in t.get("taxonomy_term", [])
                if (taxonomy_names.get(r.get("taxonomy_id")) or r.get("taxonomy") or "").strip() == READINGS_TAXONOMY
                and r.get("name") and r.get("description")]
    flags = [value for o in t.get("organization", []) for code, value in attrs.get(o.get("id"), [])
             if code == SAMPLE_TERM]
    dates = []
    for x in t.get("schedule", []):
        for code, value in attrs.get(x.get("id"), []):
            change = date_changes.decode(code, value) if code in date_changes.KIND_OF_CODE else None
            if change is not None:
                dates.append([x["id"], change])
    return {"readings": sorted(readings), "sample": "true" in flags if flags else None, "dates": dates}


def _number(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def extras_plan(extra):
    """What applying ``extra`` (``from_tables``'s "extras") would change on this hub, for the
    import's preview: {"readings": [(word, reading now or None, reading)], "sample": the new flag
    or None, "dates": [(schedule uid, change, "now" or "publish": when its session exists)]}.
    What cannot be applied is left out: it comes back from a stored upload, so it is checked again."""
    extra = extra if isinstance(extra, dict) else {}
    known = dict(ReadingCorrection.select(ReadingCorrection.surface, ReadingCorrection.reading).tuples())
    readings = []
    for pair in extra.get("readings") or []:
        try:
            surface, reading = catalog_admin.clean_reading(*pair)
        except (Refused, TypeError, ValueError):
            continue
        if known.get(surface) != reading:
            readings.append((surface, known.get(surface), reading))
    sample = extra.get("sample")
    sample = sample if isinstance(sample, bool) and sample != catalog_admin.is_demo() else None
    today = clock.ward_today(current_app.config["TIMEZONE"]).isoformat()
    dates = []
    for item in extra.get("dates") or []:
        try:
            schedule_uid, change = item
            change = date_changes.decode(*date_changes.encode(change))
        except (TypeError, ValueError, KeyError, AttributeError):
            continue
        if change is None or not isinstance(schedule_uid, str) or change["date"] < today:
            continue
        when = date_changes.apply(schedule_uid, change, dry_run=True)
        if when != "same":
            dates.append((schedule_uid, change, "now" if when == "applied" else "publish"))
    return {"readings": readings, "sample": sample, "dates": dates}


def apply_extras(extra, staff):
    """Apply what an import carries beside the documents (``from_tables``'s "extras") when staff
    apply it: readings and the sample flag at once; each date change to the session its rule
    makes on that date, or, where the hub has not made that session yet (a new service still a
    draft), when its service is published. It adds and changes, never removes: a package without
    a reading or a date change says nothing about the hub's own. Returns what it did, for the
    audit trail."""
    with write_lock():
        plan = extras_plan(extra)
        for surface, _old, reading in plan["readings"]:
            catalog_admin.set_reading(surface, reading)
        if plan["sample"] is not None:
            catalog_admin.set_demo(plan["sample"])
        waiting = [(uid, change) for uid, change, when in plan["dates"] if when == "publish"]
        for schedule_uid, change, when in plan["dates"]:
            if when == "now":
                date_changes.apply(schedule_uid, change, staff)
        if waiting:
            date_changes.keep_pending(waiting)
    return {"readings": len(plan["readings"]), "sample": plan["sample"],
            "dates": len(plan["dates"]) - len(waiting), "waiting": len(waiting)}
