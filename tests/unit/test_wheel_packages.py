"""Every package of the code is in the wheel: pyproject.toml lists packages by hand (the wheel
must hold what it names and nothing else), so a new sub-package must be named there too."""
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_code_package_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kiosk").rglob("__init__.py")}
    assert found - listed == set()


def test_every_data_file_next_to_the_code_is_listed():
    """Any file under kiosk/ that is not Python (a lexicon, a word list, a schema, a template) must
    match a package-data pattern, or the installed system runs without it."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kiosk"]
    missing = []
    for path in (ROOT / "kiosk").rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT / "kiosk")
        if not any(rel.match(pattern) or _glob_match(rel, pattern) for pattern in data):
            missing.append(str(rel))
    assert missing == []


def _glob_match(rel, pattern):
    """``templates/**/*`` holds every file under templates/ (PurePath.match has no **)."""
    if "**" in pattern:
        head = pattern.split("**", 1)[0].rstrip("/")
        return str(rel).startswith(head + "/")
    return False
