"""The "Check my sign-up" tile on the home screen, reached by touch at both tablet sizes:
a real box, readable text, axe clean, and it opens the status look-up."""
import re

import pytest

from tests.e2e.journey import ENDONYM, Journey, labelled, switch_language, ui

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_check_my_signup_tile_opens_the_status_lookup(tablet, lang):
    page = tablet
    j = Journey(page, f"tile-{lang}-check-signup")
    if lang != "ja":
        switch_language(j, ENDONYM[lang])
    j.state("home")
    # Its accessible name is the label then the hint: found by role and name, as a person would.
    tile = page.get_by_role("link", name=re.compile(r"^\W*" + re.escape(ui(lang, "Check my sign-up")) + r"\s"))
    j.touch(tile)
    j.state("status-form")
    assert page.url.endswith(f"/{lang}/status")
    labelled(page, ui(lang, "Reference code")).wait_for()
