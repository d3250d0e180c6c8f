"""The ward keeps its catalog, on PostgreSQL and SQLite: drafts that kiosks never see, publishing
that adds one feed entry, history and restore, "needs review" translations, recurrence rules
expanded with Japan's holidays and kept ahead as days pass, single dates cancelled or moved
with their sign-ups kept, the demo flag in the feed, and the HSDS export judged by Open
Referral's own schemas with an identical round trip."""
import datetime
import io
import json
import pathlib
import re
import zipfile

import jsonschema
import pytest

from kiosk import catalog_docs
from kiosk.hub.catalog import schedules
from kiosk.hub.catalog import admin as catalog_admin, hsds, hsds_import
from kiosk.hub.intake import ingest
from kiosk.models import CatalogVersion, Event, Feed, HubSignup, Schedule
from tests.integration.hub_helpers import editor_client as staff, apply_import, demo_hub
from tests.records import signup

SHARED_HSDS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "hsds"
COPIED_HSDS = pathlib.Path(__file__).resolve().parents[1] / "data" / "hsds"
# Open Referral's own files: the shared originals when they sit beside the checkout, else our
# unchanged copies of them (a clean clone elsewhere).
HSDS = SHARED_HSDS if SHARED_HSDS.is_dir() else COPIED_HSDS


def test_the_copied_hsds_schemas_are_unchanged():
    """Where the shared originals are at hand, our copies are byte for byte the same."""
    assert (COPIED_HSDS / "schema" / "compiled" / "service.json").is_file()
    if not SHARED_HSDS.is_dir():
        return
    for path in COPIED_HSDS.rglob("*"):
        if path.is_file() and path.name != "COPIED.md":
            assert path.read_bytes() == (SHARED_HSDS / path.relative_to(COPIED_HSDS)).read_bytes(), path
TZ = "Asia/Tokyo"


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with demo_hub(request.param, tmp_path, "editor", "editor-pass-123", tz=TZ) as app:
        yield app




def feed_tail():
    return [(f.kind, f.key) for f in Feed.select().order_by(Feed.seq.desc()).limit(50)][::-1]


def last_seq():
    row = Feed.select().order_by(Feed.seq.desc()).first()
    return row.seq if row else 0


TEXTS = {"ja": "ことばの広場", "en": "Language corner", "zh": "语言角", "ko": "언어 코너", "tl": "Language corner (Tagalog)"}


def new_service_form(**extra):
    form = {"slug": "kotoba-hiroba", "official_name": "練馬区ことばの広場事業", "organization": "nerima-ward",
            "category": "learning", "audiences": ["foreign"], "sites": ["plaza-nerima"], "languages": ["ja", "en"],
            "free": "1", "active": "1", "phone": "03-0000-1234", "email": "", "url": ""}
    for lang, name in TEXTS.items():
        form[f"text-name-{lang}"] = name
        form[f"text-summary-{lang}"] = f"{name}: summary"
    form.update(extra)
    return form


def test_a_draft_is_not_published_until_staff_publish_it(hub):
    c = staff(hub)
    before = last_seq()
    r = c.post("/staff/catalog/service/new", data=new_service_form())
    assert r.status_code == 303, r.get_data(as_text=True)
    assert last_seq() == before and catalog_docs.live_document("service", "kotoba-hiroba") is None
    r = c.post("/staff/catalog/service/kotoba-hiroba/schedules",
               data={"site": "plaza-nerima", "freq": "WEEKLY", "interval": "1", "byday": ["TU"],
                     "opens_at": "10:00", "closes_at": "12:00", "capacity": "12", "skip_holidays": "1"})
    assert r.status_code == 303, r.get_data(as_text=True)
    assert last_seq() == before
    r = c.post("/staff/catalog/service/kotoba-hiroba/publish")
    assert r.status_code == 303, r.get_data(as_text=True)
    tail = [e for e in Feed.select().where(Feed.seq > before)]
    assert [(e.kind, e.key) for e in tail if e.kind == "service"] == [("service", "kotoba-hiroba")]
    events = list(Event.select().join(Schedule, on=(Event.schedule_uid == Schedule.uid))
                  .where(Schedule.service_id == Event.service_id))
    sessions = [e for e in events if e.service.slug == "kotoba-hiroba"]
    assert len(sessions) >= 7 and all(e.capacity == 12 for e in sessions)
    assert {("event", e.uid) for e in sessions} <= {(e.kind, e.key) for e in tail}
    doc = catalog_docs.live_document("service", "kotoba-hiroba")
    assert doc["official_name"] == "練馬区ことばの広場事業"
    assert {lang: doc["text"][lang]["name"] for lang in TEXTS} == TEXTS
    assert catalog_admin.history("service", "kotoba-hiroba")[0].published_by == "editor"


def test_a_form_with_bad_values_keeps_what_was_typed_and_says_why(hub):
    c = staff(hub)
    r = c.post("/staff/catalog/service/new", data=new_service_form(slug="Bad Slug!", phone="call me"))
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Language corner (Tagalog)" in page
    r = c.post("/staff/catalog/service/new", data=new_service_form(**{"text-name-ja": ""}))
    assert r.status_code == 422
    r = c.post("/staff/catalog/service/new", data=new_service_form(**{"text-summary-en": "a\x00b"}))
    assert r.status_code == 422 and "a\x00b" not in r.get_data(as_text=True)


def test_history_keeps_who_when_and_the_previous_version_and_restores_it(hub):
    c = staff(hub)
    doc = catalog_docs.live_document("service", "kodomo-shokudo")
    original = doc["text"]["en"]["summary"]
    form = {f"text-{f}-{lang}": v for lang, fields in doc["text"].items() for f, v in fields.items()}
    form.update({"official_name": doc["official_name"], "organization": doc["organization"],
                 "category": doc["category"], "audiences": doc["audiences"], "sites": doc["sites"],
                 "languages": doc["languages"], "free": "1", "active": "1", "phone": doc["phone"],
                 "email": doc["email"], "url": doc["url"], "text-summary-en": "Changed summary"})
    assert c.post("/staff/catalog/service/kodomo-shokudo", data=form).status_code == 303
    assert c.post("/staff/catalog/service/kodomo-shokudo/publish").status_code == 303
    assert catalog_docs.live_document("service", "kodomo-shokudo")["text"]["en"]["summary"] == "Changed summary"
    versions = catalog_admin.history("service", "kodomo-shokudo")
    assert [v.version for v in versions] == [2, 1] and versions[0].published_by == "editor"
    page = c.get("/staff/catalog/service/kodomo-shokudo/history").get_data(as_text=True)
    # Named as staff read it, not by the document's key (text.en.summary).
    assert "Changed summary" in page and "Summary (one sentence) (English)" in page and "text.en.summary" not in page
    assert c.post("/staff/catalog/service/kodomo-shokudo/restore/1").status_code == 303
    assert c.post("/staff/catalog/service/kodomo-shokudo/publish").status_code == 303
    assert catalog_docs.live_document("service", "kodomo-shokudo")["text"]["en"]["summary"] == original
    assert [v.version for v in catalog_admin.history("service", "kodomo-shokudo")] == [3, 2, 1]


def service_form(doc, **extra):
    """The edit form as a staff member would send it back for a published service."""
    form = {f"text-{f}-{lang}": v for lang, fields in doc["text"].items() for f, v in fields.items()}
    form.update({"official_name": doc["official_name"], "organization": doc["organization"],
                 "category": doc["category"], "audiences": doc["audiences"], "needs": doc["needs"],
                 "sites": doc["sites"], "languages": doc["languages"], "free": "1" if doc["free"] else "",
                 "active": "1", "phone": doc["phone"], "email": doc["email"], "url": doc["url"]})
    form.update(extra)
    return form


def test_staff_edit_the_needs_a_service_answers_and_kiosks_get_them(hub):
    from kiosk.hub.intake import feed
    from kiosk.models import Service, ServiceNeed
    c = staff(hub)
    doc = catalog_docs.live_document("service", "kodomo-shokudo")
    assert doc["needs"] == ["children", "food", "loneliness"]
    page = c.get("/staff/catalog/service/kodomo-shokudo").get_data(as_text=True)
    assert 'name="needs" value="food" checked' in page and 'name="needs" value="money">' in page
    # A need outside the vocabulary is kept in the draft but cannot be published.
    r = c.post("/staff/catalog/service/kodomo-shokudo", data=service_form(doc, needs=["food", "shopping"]))
    assert r.status_code == 303
    before = last_seq()
    r = c.post("/staff/catalog/service/kodomo-shokudo/publish")
    assert r.status_code == 422 and 'id="err-needs"' in r.get_data(as_text=True)
    assert last_seq() == before
    assert catalog_docs.live_document("service", "kodomo-shokudo")["needs"] == doc["needs"]
    # Known needs: the draft shows what is added and removed, publishing sends it to the kiosks.
    r = c.post("/staff/catalog/service/kodomo-shokudo", data=service_form(doc, needs=["food", "money"]))
    assert r.status_code == 303
    page = c.get("/staff/catalog/service/kodomo-shokudo").get_data(as_text=True)
    assert "<ins>+ Money, rent and bills</ins>" in page and "<del>− Children and parenting</del>" in page
    assert c.post("/staff/catalog/service/kodomo-shokudo/publish").status_code == 303
    assert ("service", "kodomo-shokudo") in feed_tail()
    assert feed.serialize("service", "kodomo-shokudo")["needs"] == ["food", "money"]
    row = Service.get(Service.slug == "kodomo-shokudo")
    assert sorted(n.need for n in ServiceNeed.select().where(ServiceNeed.service == row)) == ["food", "money"]
    page = c.get("/staff/catalog/service/kodomo-shokudo/history").get_data(as_text=True)
    assert "<ins>+ Money, rent and bills</ins>" in page
    # A service may answer no need at all.
    r = c.post("/staff/catalog/service/kodomo-shokudo", data=service_form(doc, needs=[]))
    assert r.status_code == 303
    assert c.post("/staff/catalog/service/kodomo-shokudo/publish").status_code == 303
    assert catalog_docs.live_document("service", "kodomo-shokudo")["needs"] == []


def test_a_changed_japanese_text_marks_its_translations_for_review(hub):
    doc = catalog_docs.live_document("service", "nerries")
    doc["text"]["ja"]["summary"] = doc["text"]["ja"]["summary"] + "（改訂）"
    catalog_admin.save_draft("service", "nerries", doc, "editor")
    catalog_admin.publish("service", "nerries", "editor", hub.config)
    from kiosk.models import Service
    row = Service.get(Service.slug == "nerries")
    states = catalog_admin.review_states("service", [row.id])[row.id]
    assert {states.get(("summary", lang)) for lang in ("en", "zh", "ko", "tl")} == {"review"}
    assert ("name", "en") not in states
    page = staff(hub).get("/staff/catalog/translations").get_data(as_text=True)
    assert "<div class=\"warn\">" in page   # marked "needs review" in the staff member's language
    # A reviewer confirms the English one: it is no longer marked.
    catalog_admin.save_draft("service", "nerries", catalog_docs.live_document("service", "nerries"), "editor",
                             reviewed=[("summary", "en")])
    catalog_admin.publish("service", "nerries", "editor", hub.config)
    states = catalog_admin.review_states("service", [row.id])[row.id]
    assert ("summary", "en") not in states and states[("summary", "ko")] == "review"


def test_rules_skip_japanese_holidays_and_follow_rfc5545():
    weekly = {"freq": "WEEKLY", "interval": 1, "byday": "MO", "opens_at": "10:00", "closes_at": "12:00",
              "valid_from": "2027-01-01", "skip_holidays": True}
    days = schedules.dates(schedules.parsed(weekly), datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))
    assert datetime.date(2027, 1, 11) not in days   # 成人の日
    assert days == [datetime.date(2027, 1, 4), datetime.date(2027, 1, 18), datetime.date(2027, 1, 25)]
    nth = dict(weekly, freq="MONTHLY", byday="2TH,4TH", skip_holidays=False)
    assert schedules.dates(schedules.parsed(nth), datetime.date(2027, 3, 1), datetime.date(2027, 3, 31)) == [
        datetime.date(2027, 3, 11), datetime.date(2027, 3, 25)]
    monthday = dict(weekly, freq="MONTHLY", byday="", bymonthday="15", skip_holidays=False)
    assert schedules.dates(schedules.parsed(monthday), datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)) == [
        datetime.date(2027, 1, 15), datetime.date(2027, 2, 15), datetime.date(2027, 3, 15)]
    fortnightly = dict(weekly, interval=2, byday="WE", skip_holidays=False)
    assert schedules.dates(schedules.parsed(fortnightly), datetime.date(2027, 1, 1), datetime.date(2027, 1, 31)) == [
        datetime.date(2027, 1, 13), datetime.date(2027, 1, 27)]   # counted from the rule's first week
    assert schedules.check(dict(weekly, byday="XX")) == "rule"
    assert schedules.check(dict(weekly, closes_at="09:00")) == "time_order"


def test_the_hub_keeps_sessions_ahead_as_days_pass(hub):
    from kiosk import clock
    first = Event.select().count()
    latest = Event.select().order_by(Event.starts_at.desc()).first().starts_at
    try:
        clock.set_offset(70 * 24 * 3600)   # ten weeks later
        created = schedules.keep_ahead(hub.config)
        assert created > 0 and Event.select().count() > first
        horizon = clock.now() + datetime.timedelta(days=28)
        assert Event.select().where((Event.starts_at > clock.now()) & (Event.starts_at < horizon)).count() > 20
        assert Event.select().order_by(Event.starts_at.desc()).first().starts_at > latest
        assert schedules.keep_ahead(hub.config) == 0            # once a day
        assert schedules.keep_ahead(hub.config, force=True) == 0   # and never twice the same session
    finally:
        clock.set_offset(0)
        schedules._checked_on["day"] = None


def test_a_cancelled_date_keeps_its_sign_ups_and_a_moved_one_keeps_its_seats(hub):
    event = (Event.select().join(Schedule, on=(Event.schedule_uid == Schedule.uid))
             .where(Event.capacity > 5).order_by(Event.starts_at).first())
    rec = signup(event=event.uid, service=event.service.slug)
    assert ingest.ingest("dev-x", [rec])[0]["result"] == "accepted"
    c = staff(hub)
    r = c.post(f"/staff/catalog/sessions/{event.uid}", data={"action": "cancel", "reason": "weather"})
    assert r.status_code == 422   # not confirmed
    r = c.post(f"/staff/catalog/sessions/{event.uid}", data={"action": "cancel", "reason": "weather", "confirm": "1"})
    assert r.status_code == 303
    e = Event.get(Event.uid == event.uid)
    assert e.cancelled and e.change_reason == "weather"
    s = HubSignup.get(HubSignup.id == rec["id"])
    assert s.status == "cancelled" and s.reason == "event_cancelled" and s.name == rec["person"]["name"]
    schedules._checked_on["day"] = None
    schedules.keep_ahead(hub.config, force=True)
    assert Event.get(Event.uid == event.uid).cancelled   # never recreated
    other = (Event.select().where((Event.schedule_uid.is_null(False)) & (Event.uid != event.uid) & (Event.capacity > 5))
             .order_by(Event.starts_at).first())
    rec2 = signup(event=other.uid, service=other.service.slug)
    ingest.ingest("dev-x", [rec2])
    day = (other.starts_at + datetime.timedelta(days=1)).date()
    r = c.post(f"/staff/catalog/sessions/{other.uid}", data={"action": "move", "date": day.isoformat(),
                                                             "opens_at": "13:00", "closes_at": "15:00", "reason": "venue"})
    assert r.status_code == 303
    moved = Event.get(Event.uid == other.uid)
    assert moved.moved_from == other.starts_at and moved.change_reason == "venue" and not moved.cancelled
    assert moved.starts_at == schedules.as_utc(day, "13:00", TZ)
    assert HubSignup.get(HubSignup.id == rec2["id"]).status == "confirmed"
    schedules.keep_ahead(hub.config, force=True)
    assert Event.select().where(Event.uid == other.uid).count() == 1


def test_a_changed_rule_retires_the_sessions_it_no_longer_makes(hub):
    doc = catalog_docs.live_document("service", "nihongo-kyoshitsu")
    old_uid = doc["schedules"][0]["uid"]
    booked = Event.select().where(Event.schedule_uid == old_uid).order_by(Event.starts_at.desc()).first()
    rec = signup(event=booked.uid, service="nihongo-kyoshitsu")
    ingest.ingest("dev-x", [rec])
    doc["schedules"] = doc["schedules"][1:]
    catalog_admin.save_draft("service", "nihongo-kyoshitsu", doc, "editor")
    catalog_admin.publish("service", "nihongo-kyoshitsu", "editor", hub.config)
    left = list(Event.select().where(Event.schedule_uid == old_uid))
    assert [e.uid for e in left] == [booked.uid] and left[0].cancelled
    assert HubSignup.get(HubSignup.id == rec["id"]).reason == "event_cancelled"
    assert Feed.select().where((Feed.kind == "event") & (Feed.deleted == True)).exists()   # noqa: E712


def test_the_demo_flag_travels_in_the_feed(hub):
    from kiosk.hub.intake import feed
    entry = [e for e in feed.page(0, 10_000) if e["kind"] == "meta"][-1]
    assert entry["data"] == {"demo": True}
    c = staff(hub)
    assert c.post("/staff/catalog/demo", data={"demo": "0"}).status_code == 303
    entry = [e for e in feed.page(0, 10_000) if e["kind"] == "meta"][-1]
    assert entry["data"] == {"demo": False}


# --- HSDS, judged by Open Referral's own schemas --------------------------------------------

def test_the_json_export_passes_the_hsds_service_schema(hub):
    schema = json.loads((HSDS / "schema" / "compiled" / "service.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    # Sanity check of the judge: their example passes, a service with a numeric id fails.
    example = json.loads((HSDS / "examples" / "service_full.json").read_text())
    validator.validate(example)
    assert not validator.is_valid(dict(example, id=1))
    services = staff(hub).get("/staff/catalog/export.json").get_json()
    assert len(services) >= 30
    for service in services:
        errors = sorted(validator.iter_errors(service), key=str)
        assert not errors, (service["name"], [e.message for e in errors[:3]])
    kodomo = next(s for s in services if any(a["value"] == "kodomo-shokudo" for a in s["attributes"]))
    langs = {a["taxonomy_term"]["code"].split(":")[2] for a in kodomo["attributes"]
             if a["taxonomy_term"]["code"].startswith("text:name:")}
    assert langs >= {"ja", "en", "zh", "ko", "tl"}
    assert kodomo["schedules"] and kodomo["schedules"][0]["freq"] in ("WEEKLY", "MONTHLY")
    # Its needs: our terms, and the same needs in Open Referral's Open Eligibility taxonomy.
    needs = {(a["taxonomy_term"]["taxonomy_detail"]["name"], a["taxonomy_term"]["code"], a["taxonomy_term"]["name"])
             for a in kodomo["attributes"] if a["link_type"] == "need"}
    assert needs == {("ward-kiosk-needs", "food", "Food and meals"),
                     ("ward-kiosk-needs", "children", "Children and parenting"),
                     ("ward-kiosk-needs", "loneliness", "Loneliness, a place to go"),
                     ("Open Eligibility", "1102", "Food"), ("Open Eligibility", "20005", "Children"),
                     ("Open Eligibility", "1303", "Support Network")}
    oe = next(a["taxonomy_term"] for a in kodomo["attributes"] if a["taxonomy_term"]["code"] == "1303")
    assert oe["taxonomy_detail"]["uri"] == "https://github.com/openreferral/openeligibility"
    assert oe["parent_id"] == hsds.open_eligibility_term_id("1108")   # Care > Support Network


def test_the_datapackage_export_passes_frictionless_with_their_schemas(hub, tmp_path):
    from frictionless import Package
    data = staff(hub).get("/staff/catalog/export.zip").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(tmp_path)
    # The judge is Open Referral's datapackage.json, not the one we wrote.
    theirs = json.loads((HSDS / "datapackage.json").read_text())
    report = Package(theirs, basepath=str(tmp_path)).validate()
    problems = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors][:10]
    assert report.valid, problems
    services = (tmp_path / "services.csv").read_text(encoding="utf-8").splitlines()
    assert len(services) > 30
    # The judge can fail: a service whose id is not a UUID is refused.
    (tmp_path / "services.csv").write_text("\n".join([services[0], "x" + services[1]] + services[2:]) + "\n",
                                           encoding="utf-8")
    assert not Package(theirs, basepath=str(tmp_path)).validate().valid


def test_export_import_export_is_identical_and_import_shows_what_would_change(hub, tmp_path):
    c = staff(hub)
    needs = {d["slug"]: d["needs"] for d in hsds.documents()["service"]}
    assert needs["kodomo-shokudo"] == ["children", "food", "loneliness"] and sum(map(len, needs.values())) > 40
    first = c.get("/staff/catalog/export.zip").get_data()
    # Importing our own export into the same hub changes nothing.
    r = c.post("/staff/catalog/import", data={"package": (io.BytesIO(first), "p.zip")},
               content_type="multipart/form-data")
    assert r.status_code == 200 and "Nothing would change" in r.get_data(as_text=True)
    # Into an empty catalog: everything is new, kept as drafts, then published.
    from kiosk.demo import loader
    from kiosk.models import CatalogDraft
    loader.clear_catalog()
    CatalogVersion.delete().execute()
    assert not CatalogDraft.select().exists()
    r = c.post("/staff/catalog/import", data={"package": (io.BytesIO(first), "p.zip")},
               content_type="multipart/form-data")
    assert r.status_code == 200 and "kodomo-shokudo" in r.get_data(as_text=True)
    assert apply_import(c, r).status_code == 303
    assert catalog_docs.live_document("service", "kodomo-shokudo") is None   # drafts only
    assert hsds_import.publish_all("editor", hub.config) > 30
    # Every service answers the same needs as before (an export that dropped them would still
    # export identically the second time).
    assert {d["slug"]: d["needs"] for d in hsds.documents()["service"]} == needs
    second = c.get("/staff/catalog/export.zip").get_data()
    assert hsds_files(first) == hsds_files(second)


def test_an_import_reads_needs_from_open_eligibility_terms_alone(hub):
    """Another system's package classifies services with Open Eligibility, not our slugs: a need is
    read where the service carries every Open Eligibility term it maps to."""
    from kiosk import vocab
    assert set(hsds.OPEN_ELIGIBILITY_OF_NEED) == set(hsds.NEED_DESCRIPTIONS) == set(vocab.NEEDS)
    t = hsds.tables()
    ours = {r["id"] for r in t["taxonomy_term"] if r["taxonomy"] == hsds.NEEDS_TAXONOMY}
    t["attribute"] = [a for a in t["attribute"] if a["taxonomy_term_id"] not in ours]
    docs = {d["slug"]: d for d in hsds.from_tables(t)["service"]}
    assert docs["kodomo-shokudo"]["needs"] == ["children", "food", "loneliness"]
    assert docs["chiiki-hokatsu"]["needs"] == ["dementia", "elder-care"]   # Care + Seniors, Alzheimers
    assert docs["volunteer-center"]["needs"] == []   # volunteering has no Open Eligibility term
    # Care alone is not care for an older person.
    sid = hsds.uid("service", "chiiki-hokatsu")
    seniors = hsds.open_eligibility_term_id("20006")
    t["attribute"] = [a for a in t["attribute"] if not (a["link_id"] == sid and a["taxonomy_term_id"] == seniors)]
    assert {d["slug"]: d for d in hsds.from_tables(t)["service"]}["chiiki-hokatsu"]["needs"] == ["dementia"]


def hsds_files(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_a_broken_package_gets_a_clear_error(hub):
    c = staff(hub)
    r = c.post("/staff/catalog/import", data={"package": (io.BytesIO(b"not a zip"), "p.zip")},
               content_type="multipart/form-data")
    assert r.status_code == 422 and "not a zip archive" in r.get_data(as_text=True)


def test_every_published_version_is_kept(hub):
    assert CatalogVersion.select().where(CatalogVersion.kind == "service").count() >= 30


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_date_changes_readings_and_the_sample_flag_travel_to_a_fresh_hub(backend, tmp_path):
    """Each of them changes the export (none is lost silently while the export stays the same),
    and importing the package into a fresh hub brings each back: the fresh hub then exports the
    same package byte for byte."""
    from kiosk import clock
    from kiosk.db import database
    from kiosk.hub.desk.staff_auth import set_password
    from kiosk.models import ReadingCorrection, Site
    from tests.integration.hub_helpers import hub_app
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with demo_hub(backend, tmp_path / "a", "editor", "editor-pass-123", tz=TZ) as app:
        c = staff(app)
        exports = [c.get("/staff/catalog/export.zip").get_data()]
        rule = catalog_docs.live_document("service", "nihongo-kyoshitsu")["schedules"][0]["uid"]
        cancelled, moved = list(Event.select().where(Event.schedule_uid == rule).order_by(Event.starts_at))[1:3]
        assert c.post(f"/staff/catalog/sessions/{cancelled.uid}",
                      data={"action": "cancel", "reason": "weather", "confirm": "1"}).status_code == 303
        exports.append(c.get("/staff/catalog/export.zip").get_data())
        day = (clock.ward_time(moved.starts_at, TZ) + datetime.timedelta(days=1)).date()
        assert c.post(f"/staff/catalog/sessions/{moved.uid}", data={
            "action": "move", "date": day.isoformat(), "opens_at": "13:00", "closes_at": "15:30",
            "reason": "venue"}).status_code == 303
        exports.append(c.get("/staff/catalog/export.zip").get_data())
        assert c.post("/staff/catalog/readings", data={"surface": "広場", "reading": "ヒロニワ"}).status_code == 303
        exports.append(c.get("/staff/catalog/export.zip").get_data())
        assert c.post("/staff/catalog/demo", data={"demo": "0"}).status_code == 303
        exports.append(c.get("/staff/catalog/export.zip").get_data())
        assert len({json.dumps({k: v.hex() for k, v in hsds_files(e).items()}) for e in exports}) == 5
        package = exports[-1]
        moved = Event.get(Event.uid == moved.uid)
        example_addresses = {s.slug: s.example_address for s in Site.select()}
        assert any(example_addresses.values())
    with hub_app(backend, tmp_path / "b") as fresh, fresh.app_context():
        database.connect(reuse_if_open=True)   # as demo_hub: the test client's requests share it
        set_password("editor", "editor-pass-123")
        catalog_admin.set_demo(True)   # this hub says "sample data"; the package says otherwise
        c = staff(fresh)
        r = c.post("/staff/catalog/import", data={"package": (io.BytesIO(package), "p.zip")},
                   content_type="multipart/form-data")
        assert r.status_code == 200, r.get_data(as_text=True)
        from kiosk.hub.catalog import hsds_import
        extras = hsds_import.read_import(package).docs["extras"]
        plan = hsds.extras_plan(extras)   # what the preview can show beside the records
        assert plan["readings"] == [("広場", None, "ひろにわ")] and plan["sample"] is False
        assert sorted((c["kind"], when) for _, c, when in plan["dates"]) == [("cancelled", "publish"), ("moved", "publish")]
        # Applied as staff apply it: the apply form sends its own hidden fields back.
        form = next(f for f in re.findall(r"<form.*?</form>", r.get_data(as_text=True), re.S)
                    if 'name="step" value="apply"' in f)
        r = c.post("/staff/catalog/import", data=dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form)))
        assert r.status_code == 303, r.get_data(as_text=True)
        # Readings and the flag arrive with the import; the dates wait for their services.
        assert ReadingCorrection.get(ReadingCorrection.surface == "広場").reading == "ひろにわ"
        assert not catalog_admin.is_demo()
        assert not Event.select().exists()
        assert hsds_import.publish_all("editor", fresh.config) > 30
        there = Event.get(Event.uid == cancelled.uid)
        assert there.cancelled and there.change_reason == "weather"
        there = Event.get(Event.uid == moved.uid)
        assert (there.starts_at, there.ends_at, there.moved_from, there.change_reason, there.cancelled) == \
            (moved.starts_at, moved.ends_at, moved.moved_from, "venue", False)
        assert {s.slug: s.example_address for s in Site.select()} == example_addresses
        assert hsds.extras_plan(extras) == {"readings": [], "sample": None, "dates": []}   # all arrived
        assert hsds_files(c.get("/staff/catalog/export.zip").get_data()) == hsds_files(package)


def test_the_export_with_date_changes_readings_and_the_flag_passes_the_hsds_schemas(hub, tmp_path):
    """What travels beside the records is HSDS attributes and taxonomy terms that Open Referral's
    own schemas accept: no error in the JSON services nor in the datapackage."""
    from frictionless import Package
    from kiosk import clock
    c = staff(hub)
    rule = catalog_docs.live_document("service", "nihongo-kyoshitsu")["schedules"][0]["uid"]
    first, second = list(Event.select().where(Event.schedule_uid == rule).order_by(Event.starts_at))[1:3]
    catalog_admin.cancel_date(first.uid, "weather")
    day = (clock.ward_time(second.starts_at, TZ) + datetime.timedelta(days=2)).date()
    catalog_admin.move_date(second.uid, day, "13:00", "15:00", "venue", TZ)
    catalog_admin.set_reading("広場", "ひろにわ")
    catalog_admin.set_reading("PC", "ぴーしー")
    schema = json.loads((HSDS / "schema" / "compiled" / "service.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    services = c.get("/staff/catalog/export.json").get_json()
    assert [e.message for s in services for e in validator.iter_errors(s)] == []
    nihongo = next(s for s in services if any(a["value"] == "nihongo-kyoshitsu" for a in s["attributes"]))
    dated = [(a["taxonomy_term"]["code"], json.loads(a["value"])["date"]) for x in nihongo["schedules"]
             for a in x["attributes"] if a["taxonomy_term"]["code"].endswith("_date")]
    assert dated == [("cancelled_date", clock.ward_time(first.starts_at, TZ).date().isoformat()),
                     ("moved_date", clock.ward_time(second.starts_at, TZ).date().isoformat())]
    assert {a["value"] for a in nihongo["organization"]["attributes"]
            if a["taxonomy_term"]["code"] == "sample_data"} == {"true"}
    with zipfile.ZipFile(io.BytesIO(c.get("/staff/catalog/export.zip").get_data())) as z:
        z.extractall(tmp_path)
    report = Package(json.loads((HSDS / "datapackage.json").read_text()), basepath=str(tmp_path)).validate()
    assert report.valid, [(t.name, e.type, e.note) for t in report.tasks for e in t.errors][:10]
    terms = (tmp_path / "taxonomy_terms.csv").read_text(encoding="utf-8")
    assert "reading:広場,広場,ひろにわ" in terms and "reading:PC,PC,ぴーしー" in terms


def test_a_package_that_differs_only_in_a_reading_shows_it_and_applies_it(hub):
    """The preview lists what a package carries beside the records: a package whose only news is
    a furigana correction is not "nothing would change", and keeping it brings the reading back."""
    from kiosk.models import ReadingCorrection
    c = staff(hub)
    assert c.post("/staff/catalog/readings", data={"surface": "広場", "reading": "ひろにわ"}).status_code == 303
    package = c.get("/staff/catalog/export.zip").get_data()
    assert c.post("/staff/catalog/readings", data={"surface": "広場", "delete": "1"}).status_code == 303
    assert not ReadingCorrection.select().where(ReadingCorrection.surface == "広場").exists()
    preview = c.post("/staff/catalog/import", data={"package": (io.BytesIO(package), "p.zip")},
                     content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nothing would change" not in page
    assert "Furigana for 広場: ひろにわ" in page and "Keep these changes as drafts" in page
    assert apply_import(c, preview).status_code == 303
    assert ReadingCorrection.get(ReadingCorrection.surface == "広場").reading == "ひろにわ"
