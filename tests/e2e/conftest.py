"""Browser fixtures: Debian's chromium driven by Playwright for Python (never `playwright install`)."""
import pytest

from tests.conftest import LANDSCAPE, PORTRAIT  # noqa: F401  (re-exported for the tests)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PORTRAIT, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()
