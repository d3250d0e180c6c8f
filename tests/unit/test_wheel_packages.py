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
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kiosk"]
    for path in list((ROOT / "kiosk" / "hub").rglob("*.json")) + list((ROOT / "kiosk" / "hub").rglob("*.txt")):
        rel = path.relative_to(ROOT / "kiosk")
        assert any(rel.match(pattern) for pattern in data), rel
