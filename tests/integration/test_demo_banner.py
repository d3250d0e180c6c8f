"""A test fails if any kiosk or public page of a demo catalog lacks the demo
banner. Every GET route of the kiosk and the hub's public pages is visited (a new route that
this table does not cover fails the test), in every language; then, with the catalog marked as
the ward's real one, the banner is gone."""
import re

import pytest

from kiosk.models import Event, KioskState, Service, Signup
from kiosk.sync.protocol import DEMO_KEY
from tests.conftest import LANGS
from tests.integration.hub_helpers import hub_app

BANNER = 'class="demo-banner"'
# Routes that are not pages a visitor reads.
NOT_PAGES = {"static", "language", "healthz", "session.reset", "session.status", "api.feed_page"}


def pages_of(app, values):
    """URLs of every GET route, with its parameters filled from ``values``."""
    urls, uncovered = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.endpoint.startswith(("staff.", "desk.", "accounts.", "reports.", "demand.", "catalog.", "catalog_import.")) or rule.endpoint == "hub_root":
            continue   # staff screens: not visitor pages
        missing = [a for a in rule.arguments if a != "lang" and a not in values]
        if missing:
            uncovered.append(rule.rule)
            continue
        for lang in LANGS:
            args = {a: (lang if a == "lang" else values[a]) for a in rule.arguments}
            urls.append(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(args[m.group(1)]), rule.rule))
    assert uncovered == [], f"routes the banner test does not cover: {uncovered}"
    return sorted(set(urls))


def test_every_kiosk_page_of_the_demo_says_it_is_sample_information(app, client):
    from kiosk.db import database
    with app.app_context(), database.connection_context():
        event = Event.select().where(Event.capacity > 0).first()
        service = Service.get(Service.slug == "machikado-care-cafe")
        values = {"slug": service.slug, "uid": event.uid, "key": event.uid, "need": "food"}
    with client.session_transaction() as s:
        s["host_until"] = 2 ** 40   # host pages too, if the session lets them open
    urls = pages_of(app, values)
    assert len(urls) >= 40
    seen = 0
    for url in urls:
        r = client.get(url, follow_redirects=True)
        if r.mimetype != "text/html" or r.status_code >= 500:
            pytest.fail(f"{url}: {r.status_code} {r.mimetype}")
        assert BANNER in r.get_data(as_text=True), url
        seen += 1
    with app.app_context(), database.connection_context():
        KioskState.set_value(DEMO_KEY, "0")
    assert BANNER not in client.get("/en/services/machikado-care-cafe").get_data(as_text=True)
    assert seen == len(urls)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_public_page_of_the_demo_says_it_is_sample_information(backend, tmp_path):
    with hub_app(backend, tmp_path) as app:
        from kiosk.db import database
        from kiosk.demo import loader
        from kiosk.hub.intake import ingest
        from kiosk.models import HubSignup
        with app.app_context(), database.connection_context():
            loader.load_demo()
            ingest.publish_catalog()
            from tests.records import signup
            rec = signup(event=Event.select().where(Event.capacity > 0).first().uid, service="machikado-care-cafe")
            ingest.ingest("dev", [rec])
            ref = HubSignup.get(HubSignup.id == rec["id"]).ref_code
        client = app.test_client()
        urls = pages_of(app, {"slug": "machikado-care-cafe", "ref": ref})
        assert len(urls) >= 10
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200 and BANNER in r.get_data(as_text=True), url
        with app.app_context(), database.connection_context():
            from kiosk.hub.catalog import admin as catalog_admin
            catalog_admin.set_demo(False)
        assert BANNER not in client.get("/p/en/services/machikado-care-cafe").get_data(as_text=True)
        assert Signup is not None
