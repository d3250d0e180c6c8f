"""The demo catalog: the ward's real programs, every text in five languages, sites and dated events."""
import datetime

from kiosk.models import Event, Service, ServiceSite, Site, Translation
from kiosk.models.catalog import SERVICE_TEXT_FIELDS, SITE_TEXT_FIELDS, utcnow
from tests.conftest import LANGS

# Every program the seeds README names (slug in the demo data).
SEED_PROGRAMS = [
    "chokai-jichikai", "minsei-jido-iin", "kosei-hogo-volunteer", "npo-support", "chiiki-bohan",
    "machikado-care-cafe", "conveni-care-cafe", "nerima-kodomo-cafe", "kodomo-shokudo",
    "sodan-joho-hiroba", "asuha-station", "chiiki-fukushi-coordinator",
    "seikatsu-shien-coordinator", "tsunagaru-college", "fukushi-powerup-college",
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


def test_dated_events_over_the_next_four_weeks_with_capacities(db_conn):
    now = utcnow()
    events = list(Event.select())
    assert len(events) >= 20
    assert all(now - datetime.timedelta(days=1) < e.starts_at < now + datetime.timedelta(days=30)
               for e in events)
    assert any(e.capacity > 0 for e in events)
    assert all(e.ends_at > e.starts_at for e in events)
    weeks = {(e.starts_at - now).days // 7 for e in events}
    assert weeks >= {0, 1, 2, 3}
