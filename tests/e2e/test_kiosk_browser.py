"""The kiosk in Chromium against waitress: languages, search as you type, QR, idle reset, layout."""
import pytest

from tests.conftest import ARTIFACTS, LANGS
from tests.e2e.conftest import LANDSCAPE, PORTRAIT
from tests.e2e.journey import ENDONYM, ui

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "screenshots"


@pytest.mark.parametrize("lang", LANGS)
def test_choose_each_language_from_home(page, kiosk_server, lang):
    page.goto(kiosk_server.url + "/")
    page.get_by_role("navigation").locator('a[hreflang]:not([aria-current])').first.wait_for()
    page.locator("nav.languages a", has_text=ENDONYM[lang]).click()
    page.wait_for_url(f"**/{lang}/")
    heading = ui(lang, "What are you looking for?")
    assert page.locator("h1").inner_text().strip() == heading
    assert page.locator("html").get_attribute("lang").startswith({"zh": "zh", "tl": "tl"}.get(lang, lang))
    tiles = page.locator(".tiles.categories .tile-label").all_inner_texts()
    assert ui(lang, "Places to gather") in tiles


def test_search_as_you_type_with_two_japanese_characters(page, kiosk_server):
    page.goto(kiosk_server.url + "/ja/")
    page.evaluate("window.__sameDocument = true")
    page.locator("#q").press_sequentially("食堂", delay=80)
    first = page.locator("#results .card-name").first
    first.wait_for()
    assert "食堂" in first.inner_text()
    assert page.evaluate("window.__sameDocument") is True, "search must swap results, not reload"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "ja-search-as-you-type.png"), full_page=False)


def test_service_detail_with_qr_code(page, kiosk_server):
    page.goto(kiosk_server.url + "/tl/services/machikado-care-cafe")
    qr = page.locator(".qr-code svg")
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and box["height"] >= 150
    assert page.locator(".event").count() >= 1


def test_idle_reset_returns_to_japanese_home_and_clears_state(page, kiosk_server):
    page.goto(kiosk_server.url + "/en/services?q=cafe")
    page.locator(".prefs button.s2").click()
    page.wait_for_url("**/en/services?q=cafe")
    assert "size-2" in page.locator("html").get_attribute("class")
    page.locator("#idle").wait_for(state="visible", timeout=10_000)
    page.wait_for_url("**/ja/", timeout=10_000)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "size-0" in page.locator("html").get_attribute("class")
    assert page.locator("#q").input_value() == ""
    page.go_back()
    page.wait_for_load_state()
    assert "size-2" not in (page.locator("html").get_attribute("class") or "")


def test_search_without_javascript(browser, kiosk_server):
    context = browser.new_context(viewport=PORTRAIT, java_script_enabled=False)
    page = context.new_page()
    page.goto(kiosk_server.url + "/ko/")
    page.locator("#q").fill("카페")
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url("**/ko/services?**")
    assert page.locator("#results .card").count() >= 1
    page.locator("select[name=audience]").select_option("elderly")
    page.locator("form.search noscript button, form.search button[type=submit]").first.click()
    page.wait_for_url("**audience=elderly**")
    assert page.locator("#results .card").count() >= 1
    context.close()


LAYOUT_PAGES = ["/ja/", "/tl/services?q=cafe", "/en/services/kodomo-shokudo", "/ko/events",
                "/zh/services?category=consultation"]


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1280x800"])
def test_layout_no_horizontal_scroll_and_48px_targets(browser, kiosk_server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    for path in LAYOUT_PAGES:
        for size in ("0", "2"):
            page.goto(kiosk_server.url + path)
            if size == "2":
                page.locator(".prefs button.s2").click()
                page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, size, overflow)
            small = page.evaluate("""() => [...document.querySelectorAll(
                    'a[href], button, input:not([type=hidden]), select, label.check')]
                .filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
                .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
                .filter(([h, r]) => r.left >= 0 && (r.width < 48 || r.height < 48))
                .filter(([h, r]) => !h.includes('type="checkbox"'))
                .map(([h, r]) => h + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")
            assert small == [], (path, small)
            base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert base >= 20
        page.goto(kiosk_server.url + "/reset")
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_screenshots_of_main_screens(browser, kiosk_server, lang):
    """Saved under tests/_artifacts/screenshots/ for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PORTRAIT)
    page = context.new_page()
    for name, path in [("home", f"/{lang}/"), ("search", f"/{lang}/services?q=cafe"),
                       ("category", f"/{lang}/services?category=gathering"),
                       ("detail", f"/{lang}/services/machikado-care-cafe"),
                       ("events", f"/{lang}/events")]:
        page.goto(kiosk_server.url + path)
        page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)
        assert page.locator("main").inner_text().strip()
    context.close()
