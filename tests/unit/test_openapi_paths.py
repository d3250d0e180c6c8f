"""The OpenAPI document kept in the repo describes exactly the sync API the hub serves: its paths
are the hub app's /api/ routes. No hub process is needed for that; the hub's answers are checked
against the document on real hubs in tests/sync/test_openapi.py."""
from kiosk import create_app
from tests.sync.sync_helpers import SPEC


def test_the_document_describes_exactly_the_api_the_hub_serves():
    hub_app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite:///:memory:"}, role="hub")
    served = {rule.rule for rule in hub_app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert served == set(SPEC["paths"])
