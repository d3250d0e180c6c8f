"""Configuration layering: defaults, role file, instance file, KIOSK_* environment, overrides."""
from kiosk.config import ROOT, load_config


def test_defaults_and_role_file():
    cfg = load_config(environ={})
    assert cfg["ROLE"] == "kiosk" and cfg["PORT"] == 8080
    hub = load_config(role="hub", environ={})
    assert hub["ROLE"] == "hub" and hub["PORT"] == 8081


def test_environment_overrides_are_parsed_as_toml_values():
    cfg = load_config(environ={"KIOSK_PORT": "9001", "KIOSK_IDLE_SECONDS": "5",
                               "KIOSK_PUBLIC_BASE_URL": "https://ward.example/p"})
    assert cfg["PORT"] == 9001 and cfg["IDLE_SECONDS"] == 5
    assert cfg["PUBLIC_BASE_URL"] == "https://ward.example/p"


def test_instance_file_then_env_then_overrides(tmp_path):
    inst = tmp_path / "site.toml"
    inst.write_text('SITE_SLUG = "cafe-oizumi"\nIDLE_SECONDS = 30\n')
    cfg = load_config(environ={"KIOSK_CONFIG": str(inst), "KIOSK_IDLE_SECONDS": "40"},
                      overrides={"RESULTS_PER_PAGE": 5})
    assert cfg["SITE_SLUG"] == "cafe-oizumi"
    assert cfg["IDLE_SECONDS"] == 40
    assert cfg["RESULTS_PER_PAGE"] == 5


def test_relative_sqlite_path_is_under_project_root():
    cfg = load_config(environ={"KIOSK_DATABASE_URL": "sqlite:///var/x.db"})
    assert cfg["DATABASE_URL"] == f"sqlite:///{ROOT}/var/x.db"


def test_every_key_is_documented_in_defaults():
    text = (ROOT / "config" / "defaults.toml").read_text()
    cfg = load_config(environ={})
    for key in cfg:
        assert f"\n{key} =" in text or f"[[{key}]]" in text or f"[{key}]" in text, key
