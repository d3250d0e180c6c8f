"""Fixtures shared by the integration tests."""
import pytest

from kiosk import clock


@pytest.fixture
def start_of_a_minute():
    """Stored pages and answers name their minute: start the test at the start of one, so that
    a test counting what was stored or answered does not see the minute turn under it."""
    now = clock.now()
    clock.set_offset(61 - now.second - now.microsecond / 1e6)
    yield
    clock.set_offset(0)
