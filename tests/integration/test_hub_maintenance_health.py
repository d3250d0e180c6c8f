"""The hub's /healthz tells a monitor whether maintenance runs: each job overdue by three of its
intervals (or never run) is named, until it has run; and whether the serve process's loop lives."""
import pytest

from tests.integration.hub_helpers import hub_app


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_healthz_names_overdue_maintenance_until_it_runs(backend, tmp_path):
    from kiosk.hub import maintenance
    with hub_app(backend, tmp_path) as app:
        client = app.test_client()
        body = client.get("/healthz").get_json()
        assert body["maintenance"] == {"loop": None,
                                       "overdue": ["retention", "compaction", "nonces", "schedules"]}
        ran = maintenance.run_due(app, force=True)
        assert not maintenance.failed(ran)
        body = client.get("/healthz").get_json()
        assert body["maintenance"]["overdue"] == []
        assert body["status"] == "ok"
