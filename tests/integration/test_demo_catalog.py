"""The demo catalog: the ward's real programs, every text in five languages, sites, recurrence
rules and their dated sessions, facts that agree with the seeds, and unreachable phone numbers."""
import datetime
import pathlib

from kiosk.models import Event, Service, ServiceSite, Site, Translation
from kiosk.models.catalog import SERVICE_TEXT_FIELDS, SITE_TEXT_FIELDS, utcnow
from tests.conftest import LANGS

# Every program the seeds README names (slug in the demo data).
SEED_PROGRAMS = [
    "chokai-jichikai", "minsei-jido-iin", "kosei-hogo-volunteer", "npo-support", "chiiki-bohan",
    "machikado-care-cafe", "conveni-care-cafe", "nerima-kodomo-cafe", "kodomo-shokudo",
    "sodan-joho-hiroba", "asuha-station", "chiiki-fukushi-coordinator",
    "seikatsu-shien-coordinator", "tsunagaru-college", "chiiki-hokatsu", "seikatsu-konkyu",
    "yasashii-machizukuri", "universal-design",
    "tsunagaru-festa", "tsunagaru-madoguchi", "kyodo-lab", "nihongo-kyoshitsu",
    "gaikokujin-sodan", "world-festival", "nerries", "volunteer-center", "shafuku-hojin-network",
    "chiiki-katsudo-kyoten", "kenri-yogo",
]


def test_at_least_30_programs_including_every_seed_program(db_conn):
    slugs = {s.slug for s in Service.select()}
    assert len(slugs) >= 30
    assert not set(SEED_PROGRAMS) - slugs


def test_every_service_text_field_in_every_language(db_conn):
    have = {(r.owner_id, r.field, r.language) for r in
            Translation.select().where(Translation.owner == "service") if r.text.strip()}
    missing = [(s.slug, f, lang) for s in Service.select() for f in SERVICE_TEXT_FIELDS
               for lang in LANGS if (s.id, f, lang) not in have]
    assert missing == []


def test_sites_in_the_ward_with_texts_in_every_language(db_conn):
    sites = list(Site.select())
    assert len(sites) >= 4
    assert {s.kind for s in sites} >= {"plaza", "cafe"}
    have = {(r.owner_id, r.field, r.language) for r in
            Translation.select().where(Translation.owner == "site") if r.text.strip()}
    for site in sites:
        for f in SITE_TEXT_FIELDS:
            for lang in LANGS:
                assert (site.id, f, lang) in have, (site.slug, f, lang)
        ja_address = Translation.get(owner="site", owner_id=site.id, field="address", language="ja").text
        assert "練馬区" in ja_address
        assert ServiceSite.select().where(ServiceSite.site == site).exists() or site.kind == "office"


def test_dated_sessions_from_the_rules_over_the_coming_weeks(db_conn):
    now = utcnow()
    events = list(Event.select())
    assert len(events) >= 20
    assert all(now - datetime.timedelta(days=1) < e.starts_at < now + datetime.timedelta(weeks=9)
               for e in events)
    assert all(e.schedule_uid for e in events)
    assert any(e.capacity > 0 for e in events)
    assert all(e.ends_at > e.starts_at for e in events)
    weeks = {(e.starts_at - now).days // 7 for e in events}
    assert weeks >= {0, 1, 2, 3}


def test_the_free_badge_agrees_with_the_fee_text():
    """A program marked free must not name a charge in its fee text (the badge and the filter
    would contradict what the page says), in Japanese and in English."""
    import glob
    import json
    import re
    charge = {"ja": re.compile(r"[0-9０-９]+\s*円"), "en": re.compile(r"[0-9]+\s*yen|¥\s*[0-9]", re.I)}
    wrong = []
    for path in glob.glob(str(pathlib.Path(__file__).resolve().parents[2] / "kiosk/demo/data/programs/*.json")):
        program = json.load(open(path, encoding="utf-8"))
        for lang, pattern in charge.items():
            if program["free"] and pattern.search(program["text"][lang].get("fees", "")):
                wrong.append((program["slug"], lang))
    assert wrong == []


def test_programs_offering_sign_up_say_so_in_how_to_join():
    """Where the kiosk offers sign-up for a program's sessions, its "how to join" text does not
    send people only to the phone."""
    import glob
    import json
    missing = []
    for path in glob.glob(str(pathlib.Path(__file__).resolve().parents[2] / "kiosk/demo/data/programs/*.json")):
        program = json.load(open(path, encoding="utf-8"))
        if any(rule.get("capacity", 0) > 0 for rule in program["schedules"]):
            if "この画面" not in program["text"]["ja"]["how_to_join"]:
                missing.append(program["slug"])
    assert missing == []


def _programs():
    import glob
    import json
    return {p["slug"]: p for p in (json.load(open(path, encoding="utf-8")) for path in glob.glob(
        str(pathlib.Path(__file__).resolve().parents[2] / "kiosk/demo/data/programs/*.json")))}


def test_demo_facts_agree_with_the_seeds():
    import json
    programs = _programs()
    data = pathlib.Path(__file__).resolve().parents[2] / "kiosk/demo/data"
    sites = {s["slug"]: s for s in json.loads((data / "sites.json").read_text(encoding="utf-8"))}
    # 練馬こどもカフェ is held in private cafés in town, not at the care cafés for older people.
    kodomo_cafe = programs["nerima-kodomo-cafe"]
    assert kodomo_cafe["sites"] and all(sites[s]["kind"] == "town" for s in kodomo_cafe["sites"])
    # こども食堂 are run by local groups, not by the ward.
    assert programs["kodomo-shokudo"]["organization"] == "local-groups"
    # The former college is superseded by つながるカレッジねりま.
    assert "fukushi-powerup-college" not in programs and "tsunagaru-college" in programs
    # Crime-prevention patrols are not a children's service and take no bookings.
    patrol = programs["chiiki-bohan"]
    assert "children" not in patrol["audiences"]
    assert all(rule["capacity"] == 0 for rule in patrol["schedules"])
    # Every program has its official Japanese name.
    assert all(p.get("official_name") for p in programs.values())


def test_every_demo_program_answers_needs_and_every_need_is_answered(db_conn):
    """A visitor who picks a need must find something in the demo; a program answers one to three
    needs, all from the vocabulary, and the loader stores them."""
    from kiosk.models import ServiceNeed
    from kiosk.vocab import NEEDS
    programs = _programs()
    for slug, p in programs.items():
        assert 1 <= len(p.get("needs", [])) <= 3, slug
        assert set(p["needs"]) <= set(NEEDS), slug
    assert {n for p in programs.values() for n in p["needs"]} == set(NEEDS)
    assert set(programs["kodomo-shokudo"]["needs"]) >= {"food", "children"}
    assert set(programs["seikatsu-konkyu"]["needs"]) == {"money", "housing", "work"}
    stored = {(r.service.slug, r.need) for r in ServiceNeed.select(ServiceNeed, Service).join(Service)}
    assert stored == {(slug, n) for slug, p in programs.items() for n in p["needs"]}


def test_demo_phone_numbers_are_unreachable():
    import json
    import re
    data = pathlib.Path(__file__).resolve().parents[2] / "kiosk/demo/data"
    phones = [p.get("contact", {}).get("phone", "") for p in _programs().values()]
    phones += [s.get("phone", "") for s in json.loads((data / "sites.json").read_text(encoding="utf-8"))]
    assert phones and all(re.fullmatch(r"03-0000-\d{4}", p) for p in phones if p), phones


def test_every_demo_program_has_an_easy_japanese_summary(db_conn):
    have = {r.owner_id for r in Translation.select().where(
        (Translation.owner == "service") & (Translation.field == "summary") & (Translation.language == "ja-easy"))}
    missing = [s.slug for s in Service.select() if s.id not in have]
    assert missing == []


def test_an_example_address_is_labelled_wherever_a_visitor_reads_it(client, db_conn):
    """Invented demo addresses carry "(example address)" on the service page and in the block a
    foreign visitor shows at the counter; the ward office's real address does not; the mark
    travels in the site's document (the hub's feed and the HSDS exchange write and read it)."""
    import re
    from kiosk import catalog_docs
    plaza = client.get("/en/services/sodan-joho-hiroba").get_data(as_text=True)
    where = plaza.split('class="places"')[1].split("</ul>")[0]
    counter = re.search(r'class="block takeaway".*?</section>', plaza, re.S).group(0)
    assert where.count("(example address)") == 4 and counter.count("(example address)") == 4
    # Tags out: an address's numbers are kept on one line by a span (formatting.unbroken_numbers).
    ward = re.sub(r"<[^>]+>", "", client.get("/en/services/gaikokujin-sodan").get_data(as_text=True))
    assert "練馬区豊玉北6-12-1" in ward and "(example address)" not in ward
    doc = catalog_docs.live_document("site", "plaza-nerima")
    assert doc["example_address"] is True
    catalog_docs.apply_document("site", dict(doc, example_address=False))
    assert Site.get(Site.slug == "plaza-nerima").example_address is False
    assert catalog_docs.live_document("site", "ward-office")["example_address"] is False
