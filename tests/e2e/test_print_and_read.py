"""The take-away slip and read-aloud, by touch from the first screen.

- Each confirmation (a session sign-up, a volunteer registration, a call-back) and the status
  page printed to PDF as the kiosk's Chromium prints them (print media, the CSS page size) on
  58 mm and 80 mm rolls and A6: `pdftotext` finds the reference code, the program's Japanese name
  and the place's Japanese address. Screenshots of the print rendering go to
  tests/_artifacts/print/.
- 🔊 in each language: an init script stands in for the browser's speech synthesis and records
  what it is given; the text is the screen's main text in its language, in reading order, at a
  slower rate; Stop cancels it. With no voice for the language, the kiosk's own audio answers.
Both tablet sizes, axe and the control checks at every new state."""
import json
import re
import shutil
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import ARTIFACTS, ROOT, Server, make_app
from tests.e2e.conftest import SIZES, first_screen
from tests.e2e.journey import (AXE_TAGS, PROGRAMS, Journey, card, exact, fill_person, labelled, program, send_signup, start_in,
                               ui)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not all(shutil.which(t) for t in ("pdftotext", "pdfinfo", "soxi", "espeak-ng")),
                                 reason="needs poppler-utils, sox and espeak-ng (make test installs them)")]
SHOTS = ARTIFACTS / "print"
REF_RE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
SITES = {s["slug"]: s for s in json.loads((ROOT / "kiosk" / "demo" / "data" / "sites.json").read_text(encoding="utf-8"))}
PAPERS = {"58mm": ("58mm", 58), "80mm": ("80mm", 80), "A6": ("105mm", 105)}
SPEECH = {"ja": "ja-JP", "en": "en-US", "zh": "zh-CN", "ko": "ko-KR", "tl": "fil-PH"}


@pytest.fixture
def printing_kiosk(demo_db):
    server = Server(demo_db, env={"KIOSK_PRINT_PAPER": "80mm"}).start()
    yield server
    server.stop()


@pytest.fixture(params=list(SIZES))
def printing_tablet(request, browser, printing_kiosk):
    with first_screen(browser, printing_kiosk, request.param) as page:
        yield page


def _data(slug):
    return json.loads((PROGRAMS / f"{slug}.json").read_text(encoding="utf-8"))


def japanese_name(slug, lang):
    """The program's Japanese name on the slip: the screen's name in Japanese, the official name
    in the block to show at a counter in other languages."""
    return program(slug, "ja") if lang == "ja" else _data(slug)["official_name"]


def flat(text):
    return re.sub(r"\s+", "", text)


def print_each_paper(j, label, slug, lang):
    """Print the screen to PDF on each paper and read it back."""
    page = j.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    ref = REF_RE.search(page.locator(".ref-code").first.inner_text()).group()
    assert page.locator("html").get_attribute("data-paper") == "80mm"     # PRINT_PAPER, as configured
    size = page.viewport_size
    for paper, (width, mm) in PAPERS.items():
        page.evaluate("p => { document.documentElement.dataset.paper = p; }", paper)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": round(mm / 25.4 * 96), "height": size["height"]})
        page.screenshot(path=str(SHOTS / f"{label}-{size['width']}-{paper}.png"), full_page=True)
        pdf = SHOTS / f"{label}-{size['width']}-{paper}.pdf"
        page.pdf(path=str(pdf), width=width, prefer_css_page_size=True, print_background=True)
        page.set_viewport_size(size)
        page.emulate_media(media="screen")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        points = float(re.search(r"Page size:\s+([\d.]+) x", info).group(1))
        assert abs(points - mm / 25.4 * 72) < 2, f"{paper}: page {points} pt wide"
        assert re.search(r"Pages:\s+1\n", info), f"{paper}: the slip takes more than one page"
        text = flat(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout)
        assert ref in text, f"{paper}: no reference code"
        assert flat(japanese_name(slug, lang)) in text, f"{paper}: no Japanese name"
        addresses = [flat(SITES[s]["text"]["ja"]["address"]) for s in _data(slug)["sites"]]
        assert any(a in text for a in addresses), f"{paper}: no Japanese address of {addresses}"
        for private in ("練馬 花子", "Hanako", "090-1234-5678", "080-2345-6789"):
            assert flat(private) not in text, f"{paper}: the visitor's name or phone on the slip"
    page.evaluate("() => { document.documentElement.dataset.paper = '80mm'; }")
    return ref


def press_print(j, lang):
    """Print is a real button with a box and text; pressing it calls window.print."""
    page = j.page
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Print"))), navigates=False)
    assert page.evaluate("window.__printed") == 1


def test_a_session_signup_and_its_status_print_as_a_slip(printing_tablet):
    page, lang = printing_tablet, "ja"
    j = Journey(page, "print-session-ja")
    send_signup(j, lang, "machikado-care-cafe", "練馬 花子", "090-1234-5678")
    j.state("confirmation")
    press_print(j, lang)
    ref = print_each_paper(j, "session-ja", "machikado-care-cafe", lang)
    j.touch(page.get_by_role("link", name=exact(ui(lang, "Check a sign-up"))))
    labelled(page, ui(lang, "Reference code")).fill(ref)
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Check"))))
    j.state("status")
    press_print(j, lang)
    assert print_each_paper(j, "status-ja", "machikado-care-cafe", lang) == ref
    j.back_and_forth()     # through the confirmation and the status page, printed


def test_a_volunteer_registration_prints_as_a_slip(printing_tablet):
    page, lang = printing_tablet, "en"
    j = Journey(page, "print-volunteer-en")
    start_in(j, lang)
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Volunteering and local activities")))))
    j.touch(page.get_by_role("link", name=card(program("nerries", lang))).first)
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Register as a volunteer")))))
    fill_person(page, lang, "Hanako Nerima", "080-2345-6789")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    press_print(j, lang)
    print_each_paper(j, "volunteer-en", "nerries", lang)


def test_a_call_back_request_prints_as_a_slip(printing_tablet):
    page, lang = printing_tablet, "tl"
    j = Journey(page, "print-callback-tl")
    start_in(j, lang)
    page.get_by_role("searchbox").press_sequentially("Dayuhan", delay=60)
    result = page.get_by_role("link", name=card(program("gaikokujin-sodan", lang))).first
    result.wait_for()
    j.touch(result)
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Ask for a call-back")))))
    fill_person(page, lang, "Hanako Nerima", "080-2345-6789", age=False)
    labelled(page, ui(lang, "Best time to call")).select_option("morning")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Send"))))
    page.wait_for_url("**/signup/done")
    j.state("confirmation")
    press_print(j, lang)
    print_each_paper(j, "callback-tl", "gaikokujin-sodan", lang)
    text = page.locator("main").inner_text()
    assert "03-0000-4712" in text        # the desk's phone, on the screen and on the slip


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_print_and_read_aloud_are_there_to_touch_in_the_other_languages(printing_tablet, lang):
    """The languages the slips above are not printed in: on the confirmation, Print and 🔊 are
    controls with a box and visible text (the state's check of every control), and Print prints."""
    page = printing_tablet
    j = Journey(page, f"print-session-{lang}")
    start_in(j, lang)
    send_signup(j, lang, "machikado-care-cafe", "Hanako Nerima", "090-1234-5679")
    j.state("confirmation")
    read = page.get_by_role("button", name=re.compile(re.escape(ui(lang, "Read aloud"))))
    assert read.is_visible()
    press_print(j, lang)
    j.back_and_forth()


def test_no_printer_no_print_button(tablet):
    page = tablet
    j = Journey(page, "print-none")
    send_signup(j, "ja", "machikado-care-cafe", "練馬 花子", "090-1234-5678")
    assert page.locator(".print-btn").count() == 0
    assert page.locator("html").get_attribute("data-paper") is None


# --- Read-aloud ---------------------------------------------------------------------------------

# Stands in for the browser's speech synthesis: records each utterance, starts the first, and
# never ends one by itself (so Stop has something to stop). VOICES: the voices it reports.
SPEECH_JS = """
(() => {
  const voices = VOICES;
  window.__spoken = []; window.__cancelled = 0;
  const synth = window.speechSynthesis;
  synth.getVoices = () => voices.map(lang => ({lang, name: lang, voiceURI: lang, localService: true, default: false}));
  synth.speak = u => {
    window.__spoken.push({text: u.text, lang: u.lang, rate: u.rate});
    if (window.__spoken.length === 1) { setTimeout(() => u.onstart && u.onstart(new Event("start")), 0); }
  };
  synth.cancel = () => { window.__cancelled += 1; };
})();
"""


def spoken_text(page):
    return page.evaluate("window.__spoken")


def in_order(said, pieces):
    """Each piece is said, in this order."""
    at = 0
    for piece in pieces:
        found = said.find(piece, at)
        assert found >= 0, f"not said after position {at}: {piece!r}\n{said}"
        at = found + len(piece)


def japanese_said(text):
    from kiosk.web.speech import spoken_japanese
    return spoken_japanese(text)


@pytest.mark.parametrize("lang", ["ja", "en", "zh", "ko", "tl"])
def test_read_aloud_reads_the_screen_in_its_language_and_stops(tablet, lang):
    page = tablet
    page.add_init_script(SPEECH_JS.replace("VOICES", json.dumps([SPEECH[lang]])))
    off_site = []
    page.on("request", lambda r: off_site.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.reload()
    j = Journey(page, f"read-{lang}")
    start_in(j, lang)
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.touch(page.get_by_role("link", name=card(program("machikado-care-cafe", lang))).first)
    j.state("service")
    first_date = page.locator(".event-when").first.inner_text()
    read = page.get_by_role("button", name=exact(ui(lang, "Read aloud")))
    j.touch(read, navigates=False)
    stop = page.get_by_role("button", name=exact(ui(lang, "Stop")))
    stop.wait_for()
    page.wait_for_function("() => window.__spoken.length > 3")
    page.locator(".reading-now").first.wait_for()
    j.state("reading")
    spoken = spoken_text(page)
    assert {s["lang"] for s in spoken} == {SPEECH[lang]}
    assert all(s["rate"] == pytest.approx(0.8) for s in spoken)
    said = " ".join(s["text"] for s in spoken)
    text = _data("machikado-care-cafe")["text"][lang]
    pieces = [text["name"], text["summary"], ui(lang, "Who it is for"), text["eligibility"],
              ui(lang, "Upcoming dates"), first_date]
    if lang == "ja":
        assert not re.search(r"[\u4e00-\u9fff]", said), f"kanji handed to the voice: {said}"
        pieces = [japanese_said(p) for p in pieces]
    in_order(flat(said), [flat(p) for p in pieces])
    for outside in (ui(lang, "Finish and clear"), ui(lang, "Hosts"), ui(lang, "Text size")):
        assert outside not in said, f"read from outside the main text: {outside}"
    # Stop: the speech is cancelled, the highlight goes, nothing more is handed over.
    cancelled = page.evaluate("window.__cancelled")
    j.touch(stop, navigates=False)
    assert page.evaluate("window.__cancelled") == cancelled + 1
    read.wait_for()
    assert page.locator(".reading-now").count() == 0
    count = len(spoken_text(page))
    page.wait_for_timeout(500)
    assert len(spoken_text(page)) == count
    j.state("stopped")
    assert off_site == [], f"requests off the site: {off_site}"


def test_with_no_voice_the_kiosk_reads_it_with_its_own(tablet, tmp_path):
    page, lang = tablet, "ko"
    page.add_init_script(SPEECH_JS.replace("VOICES", "[]"))
    page.reload()
    j = Journey(page, "read-kiosk-voice-ko")
    start_in(j, lang)
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui(lang, "Places to gather")))))
    j.touch(page.get_by_role("link", name=card(program("machikado-care-cafe", lang))).first)
    j.state("service")
    with page.expect_response(lambda r: "/ko/speech/audio" in r.url) as answer:
        j.touch(page.get_by_role("button", name=exact(ui(lang, "Read aloud"))), navigates=False)
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "audio/wav"
    assert response.request.post_data_json["text"] == program("machikado-care-cafe", lang)
    # The same request again from the tablet's session (Chromium keeps no body of a response
    # a page read as a stream): the WAV and how long it speaks.
    again = page.request.post(response.url, data=json.dumps(response.request.post_data_json),
                              headers={"Content-Type": "application/json",
                                       "X-CSRFToken": page.locator("input[name=csrf_token]").first.input_value()})
    assert again.status == 200 and again.headers["content-type"] == "audio/wav"
    wav = tmp_path / "said.wav"
    wav.write_bytes(again.body())
    duration = float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True).stdout)
    assert 0.5 < duration < 60
    assert spoken_text(page) == []        # the tablet's synthesis was not used
    page.locator(".reading-now").first.wait_for()
    j.state("reading-kiosk-voice")
    stop = page.get_by_role("button", name=exact(ui(lang, "Stop")))
    j.touch(stop, navigates=False)
    page.get_by_role("button", name=exact(ui(lang, "Read aloud"))).wait_for()
    assert page.locator(".reading-now").count() == 0


# --- The phone page behind the QR code ----------------------------------------------------------

@pytest.fixture
def demo_hub_server(tmp_path):
    """A hub on SQLite with the demo catalog: what the QR codes open on a phone."""
    path = tmp_path / "hub.db"
    app = make_app(path, ROLE="hub")
    from kiosk.db import database
    from kiosk.demo.loader import load_demo
    with app.app_context(), database.connection_context():
        load_demo()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    server = Server(path, role="hub").start()
    yield server
    server.stop()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_phone_page_reads_aloud_with_the_phones_voices(browser, demo_hub_server, lang):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.add_init_script(SPEECH_JS.replace("VOICES", json.dumps([SPEECH[lang]])))
    page.goto(f"{demo_hub_server.url}/p/{lang}/services/machikado-care-cafe")   # what the QR code opens
    j = Journey(page, f"read-phone-{lang}")
    read = page.get_by_role("button", name=exact(ui(lang, "Read aloud")))
    j.touch(read, navigates=False)
    page.wait_for_function("() => window.__spoken.length > 1")
    page.locator(".reading-now").first.wait_for()
    # axe on the phone page (its tel: link is an ordinary text link, not a 48 px kiosk control).
    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
    assert [v["id"] for v in found] == []
    page.screenshot(path=str(SHOTS / f"phone-reading-{lang}.png"), full_page=True)
    spoken = spoken_text(page)
    assert {s["lang"] for s in spoken} == {SPEECH[lang]}
    said = " ".join(s["text"] for s in spoken)
    text = _data("machikado-care-cafe")["text"][lang]
    pieces = [text["name"], text["summary"]]
    if lang == "ja":
        assert not re.search(r"[\u4e00-\u9fff]", said), f"kanji handed to the voice: {said}"
        pieces = [japanese_said(p) for p in pieces]
    in_order(flat(said), [flat(p) for p in pieces])
    cancelled = page.evaluate("window.__cancelled")
    j.touch(page.get_by_role("button", name=exact(ui(lang, "Stop"))), navigates=False)
    assert page.evaluate("window.__cancelled") == cancelled + 1
    read.wait_for()
    context.close()
