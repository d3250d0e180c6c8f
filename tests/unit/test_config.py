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


def test_the_site_file_in_the_config_dir_names_the_data_for_every_command(tmp_path):
    """An installed site keeps one settings file per role; every command finds it without being
    told, and its DATA_DIR places relative paths and the generated secret."""
    etc, data = tmp_path / "etc", tmp_path / "data"
    etc.mkdir()
    (etc / "kiosk.toml").write_text(f'DATA_DIR = "{data}"\nDATABASE_URL = "sqlite:///kiosk.db"\n')
    (etc / "hub.toml").write_text('DATABASE_URL = "postgresql://ward_hub@127.0.0.1:5432/ward_hub"\n')
    env = {"KIOSK_CONFIG_DIR": str(etc)}
    kiosk = load_config(environ=env)
    assert kiosk["DATABASE_URL"] == f"sqlite:///{data}/kiosk.db" == kiosk["CONFIGURED_DATABASE_URL"]
    assert kiosk["CONFIG_FILE"] == str(etc / "kiosk.toml")
    hub = load_config(role="hub", environ=env)
    assert hub["DATABASE_URL"] == "postgresql://ward_hub@127.0.0.1:5432/ward_hub"
    # An environment variable still wins, and the loader remembers what the file named.
    other = load_config(environ=dict(env, KIOSK_DATABASE_URL="sqlite:///elsewhere.db"))
    assert other["DATABASE_URL"] != other["CONFIGURED_DATABASE_URL"] == f"sqlite:///{data}/kiosk.db"
    # A checkout reads no system file unless told to.
    assert load_config(environ={})["CONFIG_FILE"] == ""


def test_a_command_on_another_database_than_the_configured_one_says_so(tmp_path):
    import subprocess
    import sys
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "kiosk.toml").write_text(f'DATA_DIR = "{tmp_path}"\nDATABASE_URL = "sqlite:///kiosk.db"\n'
                                    'SECRET_KEY = "x"\n')
    env = {"PATH": "/usr/bin:/bin", "KIOSK_CONFIG_DIR": str(etc)}
    same = subprocess.run([sys.executable, "-m", "kiosk", "migrate"], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "note:" not in same.stderr and (tmp_path / "kiosk.db").exists()
    other = subprocess.run([sys.executable, "-m", "kiosk", "migrate"], cwd=ROOT, capture_output=True, text=True,
                           env=dict(env, KIOSK_DATABASE_URL=f"sqlite:///{tmp_path}/other.db"), check=True)
    assert f"uses the database {tmp_path}/other.db, not {tmp_path}/kiosk.db named in {etc}/kiosk.toml" in other.stderr
