"""Configuration layering: defaults -> role file -> instance file -> KIOSK_* env -> overrides."""
import os
import pathlib
import secrets
import tomllib

PACKAGE = pathlib.Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# An installed wheel carries config/, migrations/, static/ and translations/ inside the package;
# a checkout has them at its top level.
INSTALLED = (PACKAGE / "config" / "defaults.toml").exists()
RESOURCES = PACKAGE if INSTALLED else ROOT
CONFIG_DIR = RESOURCES / "config"
ENV_PREFIX = "KIOSK_"


def data_root():
    """Where relative database paths and var/ live: KIOSK_DATA_DIR, else the checkout, else the
    current directory (a service's WorkingDirectory, e.g. /var/lib/ward-kiosk)."""
    explicit = os.environ.get(ENV_PREFIX + "DATA_DIR")
    if explicit:
        return pathlib.Path(explicit)
    return pathlib.Path.cwd() if INSTALLED else ROOT


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
    """Make a relative sqlite:/// path relative to the data root, so cwd does not matter."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(data_root() / url[len(prefix):])
    return url


def secret_key(settings):
    """The configured secret, or one generated once and kept beside the database."""
    if settings.get("SECRET_KEY"):
        return settings["SECRET_KEY"]
    path = data_root() / "var" / f"secret_key_{settings['ROLE']}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
