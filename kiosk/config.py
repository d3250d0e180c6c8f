"""Configuration layering: defaults -> role file -> instance file -> KIOSK_* env -> overrides."""
import os
import pathlib
import secrets
import sys
import tomllib

PACKAGE = pathlib.Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# An installed wheel carries config/, migrations/, static/ and translations/ inside the package;
# a checkout has them at its top level.
INSTALLED = (PACKAGE / "config" / "defaults.toml").exists()
RESOURCES = PACKAGE if INSTALLED else ROOT
CONFIG_DIR = RESOURCES / "config"
ENV_PREFIX = "KIOSK_"


SYSTEM_CONFIG_DIR = pathlib.Path("/etc/ward-kiosk")


def system_config_dir(environ=None):
    """Where an installed site keeps its settings, one file per role (kiosk.toml, hub.toml):
    /etc/ward-kiosk, or KIOSK_CONFIG_DIR (a scratch root in the installation test)."""
    environ = os.environ if environ is None else environ
    return pathlib.Path(environ.get(ENV_PREFIX + "CONFIG_DIR") or SYSTEM_CONFIG_DIR)


def site_config_file(role, environ=None):
    """The settings file every command of this role reads: KIOSK_CONFIG when set, else, for an
    installed package (or with KIOSK_CONFIG_DIR set), <config dir>/<role>.toml when it exists.
    So `kiosk pair`, `create-staff`, `backup` and the service act on one database however they
    are started. A checkout (tests, `make run`) reads no system file unless told to."""
    environ = os.environ if environ is None else environ
    named = environ.get(ENV_PREFIX + "CONFIG")
    if named:
        return pathlib.Path(named)
    if INSTALLED or environ.get(ENV_PREFIX + "CONFIG_DIR"):
        candidate = system_config_dir(environ) / f"{role}.toml"
        if candidate.exists():
            return candidate
    return None


def data_root(settings=None, environ=None):
    """Where relative database paths and var/ live: KIOSK_DATA_DIR, else DATA_DIR from the
    settings, else the checkout, else the current directory (a service's WorkingDirectory)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(ENV_PREFIX + "DATA_DIR") or (settings or {}).get("DATA_DIR")
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
    config_file = site_config_file(role, environ)
    configured_url = None
    if config_file:
        from_file = _read_toml(config_file)
        settings.update(from_file)
        if "DATABASE_URL" in from_file:
            configured_url = resolve_sqlite_path(from_file["DATABASE_URL"], data_root(from_file, environ))
    for key, raw in environ.items():
        if key.startswith(ENV_PREFIX) and key not in (ENV_PREFIX + "CONFIG", ENV_PREFIX + "CONFIG_DIR"):
            settings[key[len(ENV_PREFIX):]] = _parse_env_value(raw)
    settings.update(overrides)
    settings["ROLE"] = role
    settings["DATABASE_URL"] = resolve_sqlite_path(settings["DATABASE_URL"], data_root(settings, environ))
    # What a command tells its user when it acts on another database than the file names.
    settings["CONFIG_FILE"] = str(config_file) if config_file else ""
    settings["CONFIGURED_DATABASE_URL"] = configured_url or ""
    return settings


def resolve_sqlite_path(url, root=None):
    """Make a relative sqlite:/// path relative to the data root, so cwd does not matter."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((root or data_root()) / url[len(prefix):])
    return url


def secret_key(settings):
    """The configured secret, or one generated once and kept beside the database."""
    if settings.get("SECRET_KEY"):
        return settings["SECRET_KEY"]
    path = data_root(settings) / "var" / f"secret_key_{settings['ROLE']}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def without_postgres_driver(argv=None, environ=None):
    """Keep peewee from importing psycopg2 in a process that is `kiosk serve` for a kiosk on its
    SQLite file: such a process never talks to PostgreSQL, and the driver (with libpq) is 6 MB of
    the kiosk's memory budget of 80. Called before peewee is first imported; every other process
    (the hub, the tests, any other command) keeps the driver. Returns whether it was left out."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if "peewee" in sys.modules or not argv or not (argv[0] == "-m" or os.path.basename(argv[0]) == "kiosk"):
        return False
    args, role = list(argv[1:]), None
    while args and args[0].startswith("--role"):
        option = args.pop(0)
        role = option.partition("=")[2] if "=" in option else (args.pop(0) if args else None)
    if not args or args[0] != "serve":
        return False
    try:
        settings = load_config(role=role, environ=environ)
    except (OSError, ValueError, KeyError):
        return False
    if settings["ROLE"] != "kiosk" or not str(settings["DATABASE_URL"]).startswith("sqlite"):
        return False
    sys.modules["psycopg2"] = None      # peewee's "import psycopg2" then fails, as without it
    return True
