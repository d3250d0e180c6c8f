"""Configuration layering: defaults -> role file -> instance file -> KIOSK_* env -> overrides."""
import os
import pathlib
import secrets
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
ENV_PREFIX = "KIOSK_"


def _read_toml(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _parse_env_value(raw):
    """Environment values are TOML when they parse (numbers, booleans, lists), else strings."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def load_config(role=None, overrides=None, environ=None):
    """Return the merged settings dict for ``role`` (or the role the layers name)."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    settings = _read_toml(CONFIG_DIR / "defaults.toml")
    role = role or overrides.get("ROLE") or environ.get(ENV_PREFIX + "ROLE") or settings["ROLE"]
    role_file = CONFIG_DIR / f"{role}.toml"
    if role_file.exists():
        settings.update(_read_toml(role_file))
    instance_file = environ.get(ENV_PREFIX + "CONFIG")
    if instance_file:
        settings.update(_read_toml(instance_file))
    for key, raw in environ.items():
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG":
            settings[key[len(ENV_PREFIX):]] = _parse_env_value(raw)
    settings.update(overrides)
    settings["ROLE"] = role
    settings["DATABASE_URL"] = resolve_sqlite_path(settings["DATABASE_URL"])
    return settings


def resolve_sqlite_path(url):
    """Make a relative sqlite:/// path relative to the project root, so cwd does not matter."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(ROOT / url[len(prefix):])
    return url


def secret_key(settings):
    """The configured secret, or one generated once and kept beside the database."""
    if settings.get("SECRET_KEY"):
        return settings["SECRET_KEY"]
    path = ROOT / "var" / f"secret_key_{settings['ROLE']}"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
