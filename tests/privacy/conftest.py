"""The real hubs and kiosks of tests/sync: these tests start their own and read their logs."""
from tests.sync.conftest import hub, hub_db_url, hub_templates, make_kiosk, pytest_generate_tests  # noqa: F401
