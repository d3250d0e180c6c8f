"""The demand view in Chromium, by clicking only what staff see: from the staff home to *What
residents look for*, where a search word many typed without a good answer is listed; from it,
staff add the word to a service's search words; after one sync a kiosk finds the service by
that word. Both tablet sizes, axe clean on every state."""
import datetime

import httpx
import pytest

from kiosk import clock
from tests.conftest import ARTIFACTS, LANDSCAPE, PORTRAIT
from tests.e2e.journey import ui
from tests.records import demand_day
from tests.sync.conftest import bound
from tests.sync.desk_helpers import click, sign_in

pytestmark = pytest.mark.browser
LANG = "ja"
SHOTS = ARTIFACTS / "demand"
WORD = "zqxwvy"                       # finds nothing on any kiosk until staff add it
SERVICE = "machikado-care-cafe"


def typed_on_three_days(db_url):
    """The hub receives three days of one kiosk on which residents searched WORD and found nothing."""
    from kiosk.hub.intake import ingest
    month = clock.ward_today("Asia/Tokyo").replace(day=1)
    with bound(db_url):
        for day in range(3):
            counts = [{"kind": "search", "language": "en", "key": "none", "n": 2},
                      {"kind": "word", "language": "en", "key": WORD, "n": 2},
                      {"kind": "need", "language": "ja", "key": "food", "n": 3 + day}]
            d = (month + datetime.timedelta(days=day)).isoformat()
            assert ingest.ingest("dev-demand", [demand_day(day=d, counts=counts)], site="plaza-nerima")[0]["result"] == "accepted"


def kiosk_finds(kiosk):
    with httpx.Client(base_url=kiosk.url, timeout=15) as c:
        return f"/en/services/{SERVICE}" in c.get("/en/services", params={"q": WORD}).text


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_staff_turn_a_word_residents_typed_into_a_search_word(browser, hub, make_kiosk, viewport):
    from tests.e2e.journey import screen_checker
    kiosk = make_kiosk("demand")
    kiosk.start()
    assert not kiosk_finds(kiosk)
    typed_on_three_days(hub.db_url)
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    name = f"demand-{viewport['width']}x{viewport['height']}"

    check = screen_checker(page, SHOTS, name)

    sign_in(page, hub.url, "staff", "staff-pass-1")
    click(page.get_by_role("link", name=ui(LANG, "What residents look for"), exact=True))
    page.get_by_role("heading", level=1, name=ui(LANG, "What residents look for")).wait_for()
    # The charts are images with a name, and their figures are written out.
    chart = page.get_by_role("img", name=ui(LANG, "Needs tapped on the needs screen"))
    assert chart.is_visible()
    words = page.locator("main table").first
    assert WORD in words.inner_text()
    check("view")

    click(page.get_by_role("link", name=ui(LANG, "Add “%(word)s” to a service", word=WORD)))
    page.get_by_role("heading", level=1, name=ui(LANG, "Add a search word")).wait_for()
    page.get_by_label(ui(LANG, "Service")).select_option(SERVICE)
    check("choose")
    click(page.get_by_role("button", name=ui(LANG, "Add the search word")))
    page.get_by_role("status").wait_for()
    assert page.get_by_role("heading", level=1, name=ui(LANG, "What residents look for")).is_visible()
    check("added")
    context.close()

    keywords = hub.query("SELECT t.text FROM translation t JOIN service s ON s.id = t.owner_id "
                         "WHERE t.owner = 'service' AND t.field = 'keywords' AND t.language = 'en' AND s.slug = %s",
                         (SERVICE,))
    assert any(WORD in text for (text,) in keywords)
    kiosk.stop()
    kiosk.sync()                      # one sync
    kiosk.start()
    assert kiosk_finds(kiosk)
