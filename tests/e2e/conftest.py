"""Browser fixtures: Debian's chromium driven by Playwright for Python (never `playwright install`)."""
import contextlib

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


@contextlib.contextmanager
def first_screen(browser, server, size):
    """The first screen of ``server`` in a tablet of ``size`` (a key of SIZES): the only URL a
    journey opens."""
    context = browser.new_context(viewport=SIZES[size], locale="ja-JP")
    page = context.new_page()
    page.goto(server.url + "/")
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(params=list(SIZES))
def tablet(request, browser, journey_kiosk):
    """The first screen of a kiosk at one of the two tablet sizes."""
    with first_screen(browser, journey_kiosk, request.param) as page:
        yield page
