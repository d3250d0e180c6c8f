from tests.sync.conftest import hub, hub_db_url, hub_templates, make_kiosk, pytest_generate_tests  # noqa: F401
