"""Kiosk screens through Flask's test client: languages, fallback marks, filters, QR, headers."""
import re

import pytest
import segno

from kiosk.models import Service, Translation
from tests.conftest import LANGS
from tests.helpers import csrf_token

HOME_WORD = {"ja": "さがす", "en": "What are you looking for?", "zh": "您", "ko": "찾", "tl": "hinahanap"}


def text(resp):
    return resp.get_data(as_text=True)


def test_root_goes_to_default_language(client):
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/ja/")


@pytest.mark.parametrize("lang", LANGS)
def test_home_in_each_language(client, lang):
    r = client.get(f"/{lang}/")
    body = text(r)
    assert r.status_code == 200
    html_lang = {"ja": "ja", "en": "en", "zh": "zh-Hans", "ko": "ko", "tl": "tl"}[lang]
    assert f'<html lang="{html_lang}"' in body
    for endonym in ("日本語", "English", "简体中文", "한국어", "Tagalog"):
        assert endonym in body
    assert body.count('class="tile') >= 10
    if lang != "en":
        assert "Choose what you need" not in body, "English leaked into a translated page"


def test_unknown_language_is_a_translated_404(client):
    r = client.get("/xx/")
    assert r.status_code == 404


def test_language_switch_keeps_the_page_and_query(client):
    body = text(client.get("/ja/services?q=%E9%A3%9F%E5%A0%82&audience=children"))
    links = dict(re.findall(r'href="([^"]+)"[^>]*lang="([^"]+)"', body))
    tl = [href for href, l in links.items() if l == "tl"][0]
    assert tl.startswith("/tl/services?") and "audience=children" in tl and "q=" in tl
    detail = text(client.get("/ja/services/kodomo-shokudo"))
    assert 'href="/ko/services/kodomo-shokudo"' in detail


def test_service_detail_has_all_sections_in_the_language(client):
    body = text(client.get("/en/services/machikado-care-cafe"))
    for heading in ("What it is", "Who it is for", "When", "Where", "How to join", "Fees",
                    "Contact", "Languages spoken"):
        assert heading in body
    svc = Service.get(Service.slug == "machikado-care-cafe")
    en_name = Translation.get(owner="service", owner_id=svc.id, field="name", language="en").text
    assert en_name in body
    assert "seat" in body  # upcoming events show seats left


def test_missing_translation_falls_back_to_japanese_with_a_mark(client, db_conn):
    svc = Service.get(Service.slug == "kodomo-shokudo")
    Translation.delete().where((Translation.owner == "service") & (Translation.owner_id == svc.id)
                               & (Translation.field == "summary") & (Translation.language == "ko")).execute()
    ja_summary = Translation.get(owner="service", owner_id=svc.id, field="summary", language="ja").text
    body = text(client.get("/ko/services/kodomo-shokudo"))
    assert f'<span lang="ja">{ja_summary}</span>' in body
    assert 'class="untranslated"' in body
    assert 'class="untranslated"' not in text(client.get("/en/services/kodomo-shokudo"))


def test_qr_code_encodes_the_public_page_in_the_chosen_language(app, client):
    app.config["PUBLIC_BASE_URL"] = "https://ward.example/p/"
    body = text(client.get("/zh/services/nihongo-kyoshitsu"))
    expected = segno.make("https://ward.example/p/zh/services/nihongo-kyoshitsu", error="m")
    assert expected.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True) in body
    assert "<svg" in body


def test_filters_narrow_results(client):
    def count(qs):
        return int(re.search(r'class="count">(\d+)', text(client.get("/en/services" + qs))).group(1))
    everything = count("")
    assert everything >= 30
    assert 0 < count("?audience=foreign") < everything
    assert 0 < count("?category=gathering") < everything
    assert 0 < count("?upcoming=1") < everything
    assert count("?category=gathering&audience=children") <= count("?category=gathering")
    assert 0 < count("?area=oizumi") < everything


def test_htmx_search_returns_only_the_results_fragment(client):
    r = client.get("/ja/services?q=%E9%A3%9F%E5%A0%82", headers={"HX-Request": "true"})
    body = text(r)
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert "HX-Request" in r.headers["Vary"]
    boosted = client.get("/ja/services?q=x", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in text(boosted)


@pytest.mark.parametrize("url", [
    "/ja/services?page=abc", "/ja/services?page=-5", "/ja/services?page=99999999999",
    "/ja/services?category=../../etc", "/ja/services?q=" + "あ" * 5000,
    "/ja/services?q=%22%27%29%28*", "/ja/services?q=NEAR(a%20b)", "/ja/services/%00",
    "/ja/services/" + "x" * 500, "/en/events?area=<script>",
])
def test_bad_input_never_500(client, url):
    assert client.get(url).status_code in (200, 400, 404)


def test_pages_are_not_cached_and_have_a_strict_csp(client):
    r = client.get("/ja/")
    assert r.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "https://" not in text(r).split("<body")[0], "no asset may come from another host"


def test_events_this_week(client):
    body = text(client.get("/ja/events"))
    assert body.count('class="event"') >= 3


def test_prefs_and_reset(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    home = text(client.get("/en/"))
    token = csrf_token(home)
    assert client.post("/prefs", data={"size": "2", "next": "/en/"}).status_code == 400  # no token
    r = client.post("/prefs", data={"csrf_token": token, "size": "2", "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["Location"] == "/ja/"
    assert 'class="size-2"' in text(client.get("/en/"))
    client.post("/prefs", data={"csrf_token": token, "contrast": "1", "next": "/en/"})
    assert "contrast" in text(client.get("/en/")).split(">")[1]
    r = client.get("/reset")
    assert r.headers["Location"].endswith("/ja/")
    assert "cache" in r.headers["Clear-Site-Data"]
    assert 'class="size-0"' in text(client.get("/en/"))


def test_csrf_failure_is_a_translated_page_not_a_crash(app):
    app.config["WTF_CSRF_ENABLED"] = True
    r = app.test_client().post("/prefs", data={"size": "1"}, headers={"Accept-Language": "ja"})
    assert r.status_code == 400 and "<html" in text(r)


def test_search_fragment_follows_catalog_changes(client, db_conn):
    from kiosk import catalog
    headers = {"HX-Request": "true"}
    url = "/en/services?q=zzyzx"
    assert "zzyzx" in text(client.get(url, headers=headers)) and 'class="card"' not in text(client.get(url, headers=headers))
    svc = Service.get(Service.slug == "kodomo-shokudo")
    Translation.update(text="Zzyzx cafeteria").where(
        (Translation.owner == "service") & (Translation.owner_id == svc.id)
        & (Translation.field == "name") & (Translation.language == "en")).execute()
    from kiosk.search.index import reindex
    reindex([svc.id])
    catalog.bump_generation()
    assert "Zzyzx cafeteria" in text(client.get(url, headers=headers))


def test_last_seat_then_waiting_list_on_the_confirmation(client, db_conn):
    from kiosk.models import Event
    ev = Event.select().where(Event.capacity > 0).first()
    Event.update(capacity=1).where(Event.id == ev.id).execute()
    form = {"name": "Sato", "phone": "090-1111-2222", "consent": "y", "age_band": "65-74"}
    assert client.post(f"/en/signup/event/{ev.uid}", data=form).status_code == 303
    assert "waiting list" not in text(client.get("/en/signup/done"))
    assert "This session is full" in text(client.get(f"/en/signup/event/{ev.uid}"))
    assert client.post(f"/en/signup/event/{ev.uid}", data=dict(form, phone="090-3333-4444")).status_code == 303
    assert "waiting list" in text(client.get("/en/signup/done"))


def test_the_same_phone_and_name_for_the_same_session_reveals_nothing(client, db_conn):
    """A repeat (same person, phone typed full-width) is told plainly, without the earlier
    sign-up's code; another name at the same phone is a household's second sign-up."""
    from kiosk.models import Event, Signup
    ev = Event.select().where(Event.capacity > 2).first()
    form = {"name": "Sato", "phone": "090-1111-2222", "consent": "y", "age_band": "65-74"}
    assert client.post(f"/en/signup/event/{ev.uid}", data=form).status_code == 303
    first = Signup.get().ref_code
    again = dict(form, phone="０９０ １１１１ ２２２２")
    page = text(client.post(f"/en/signup/event/{ev.uid}", data=again, follow_redirects=True))
    assert "already exists" in page and first not in page
    assert Signup.select().count() == 1
    household = dict(form, name="Sato Hanako")
    assert client.post(f"/en/signup/event/{ev.uid}", data=household).status_code == 303
    assert first not in text(client.get("/en/signup/done"))
    assert Signup.select().count() == 2


def test_a_family_counts_every_person_against_the_seats(client, db_conn):
    from kiosk.models import Event, Service, Signup
    ev = (Event.select().join(Service).where(Service.slug == "kodomo-shokudo", Event.capacity > 0).first())
    Event.update(capacity=4, seats_taken=0).where(Event.id == ev.id).execute()
    page = text(client.get(f"/en/signup/event/{ev.uid}"))
    assert "Adults (including you)" in page and "Children" in page
    form = {"name": "Li", "phone": "090-1111-2222", "consent": "y", "adults": "1", "children": "2"}
    assert client.post(f"/en/signup/event/{ev.uid}", data=form).status_code == 303
    s = Signup.get()
    assert (s.adults, s.children) == (1, 2)
    assert "1 seat left" in text(client.get(f"/en/signup/event/{ev.uid}"))
    bigger = dict(form, phone="090-5555-6666", adults="2", children="1")
    assert client.post(f"/en/signup/event/{ev.uid}", data=bigger).status_code == 303
    assert "waiting list" in text(client.get("/en/signup/done"))
    bad = dict(form, phone="090-7777-8888", adults="0", children="99")
    r = client.post(f"/en/signup/event/{ev.uid}", data=bad)
    assert r.status_code == 303 and r.location.endswith(f"/en/signup/event/{ev.uid}")   # no POST in history
    again = client.get(r.location)
    assert "how many adults" in text(again) and 'value="090-7777-8888"' in text(again)
