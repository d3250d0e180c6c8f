"""Near this kiosk first, by touch: a visitor at the Toyotama plaza (the demo kiosk's
site) narrows the places to gather to the Oizumi area; the care café's card leads with its session
in Oizumi and says how far that is; its page lists the café she can walk to first."""
import json
import re

import pytest

from tests.conftest import ROOT
from tests.e2e.journey import Journey, card, labelled, ui

pytestmark = pytest.mark.browser
DATA = ROOT / "kiosk" / "demo" / "data"
CAFE = "machikado-care-cafe"


def site_name(slug, lang="en"):
    sites = json.loads((DATA / "sites.json").read_text(encoding="utf-8"))
    return next(s for s in sites if s["slug"] == slug)["text"][lang]["name"]


def program(slug, lang="en"):
    return json.loads((DATA / "programs" / f"{slug}.json").read_text(encoding="utf-8"))["text"][lang]["name"]


def test_visitor_filters_to_an_area_and_sees_the_nearest_cafe_first(tablet):
    page = tablet
    j = Journey(page, "near-en-area")
    j.touch(page.get_by_role("link", name="English", exact=True))
    j.state("home")
    j.touch(page.get_by_role("link", name=re.compile(re.escape(ui("en", "Places to gather")))))
    j.state("gathering")

    labelled(page, ui("en", "Area")).select_option(label=ui("en", "Oizumi area"))
    page.wait_for_url("**area=oizumi**")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    j.state("oizumi")
    cafe = page.get_by_role("link", name=card(program(CAFE)))
    shown = cafe.inner_text()
    assert site_name("cafe-oizumi") in shown and site_name("cafe-toyotama") not in shown, shown
    assert "About 9.8 km from here" in shown, shown

    j.touch(cafe)
    j.state("care-cafe")
    places = page.locator(".places li").all_inner_texts()
    assert [p.splitlines()[0] for p in places] == [
        f"{site_name('cafe-toyotama')} About 16 min walk from here (1.3 km)",
        f"{site_name('cafe-hikarigaoka')} About 4.8 km from here",
        f"{site_name('cafe-oizumi')} About 9.8 km from here",
    ]
    near = page.locator(".event", has_text=site_name("cafe-toyotama")).first
    assert "About 16 min walk from here (1.3 km)" in near.inner_text()
