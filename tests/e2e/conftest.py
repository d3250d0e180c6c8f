"""Browser fixtures: Debian's chromium driven by Playwright for Python (never `playwright install`)."""
import pytest

from tests.conftest import LANDSCAPE, PORTRAIT, Server  # noqa: F401  (re-exported for the tests)

SIZES = {"portrait": PORTRAIT, "landscape": LANDSCAPE}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PORTRAIT, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def journey_kiosk(demo_db):
    """A kiosk with the ordinary idle time (the checks at each step take a few seconds)."""
    server = Server(demo_db).start()
    yield server
    server.stop()


@pytest.fixture(params=list(SIZES))
def tablet(request, browser, journey_kiosk):
    """The first screen of a kiosk at one of the two tablet sizes: the only URL a journey opens."""
    context = browser.new_context(viewport=SIZES[request.param], locale="ja-JP")
    page = context.new_page()
    page.goto(journey_kiosk.url + "/")
    yield page
    context.close()
