"""Versions that mean something, and compiled catalogs in every standard build.

- The version comes from git (setuptools-scm): builds from two commits have different versions,
  the later one higher, and pip upgrades an install of the first to the second.
- Every standard build compiles the catalogs (setup.py's build hook): the sdist carries the .po
  sources and setup.py, and both a wheel built from the sdist (`python -m build`) and one built
  straight from a clean clone (`python -m build --wheel`) carry a .mo for every language.
- A wheel from a clean clone serves Japanese, and the installed kiosk refuses to start when its
  catalogs are missing, instead of quietly showing English.

The builds use a clone, never the checkout, so they write nothing into it; build isolation
fetches setuptools, setuptools-scm and Babel from the package index.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import types
import zipfile

import httpx
import pytest
from babel.messages.pofile import read_po
from markupsafe import escape
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from kiosk.catalogs_check import expected_catalogs, missing_catalogs
from tests.conftest import ROOT, free_port
from tests.helpers import answering

LANGUAGES = [{"code": "ja", "babel": "ja"}, {"code": "en", "babel": "en"},
             {"code": "zh", "babel": "zh_Hans"}, {"code": "ja-easy", "babel": "ja", "domain": "easy"}]


def run(cmd, **kwargs):
    """subprocess.run that fails the test with the command's own output."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited with {done.returncode}:\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def build_env():
    """The environment for git and the builds: nothing that would pin the version."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SETUPTOOLS_SCM_PRETEND_VERSION", "KIOSK_")) and k != "PYTHONPATH"}


def git(*args, cwd):
    return run(["git", "--no-optional-locks", "-c", "user.name=t", "-c", "user.email=t@t",
                "-c", "commit.gpgsign=false", *args], cwd=cwd, env=build_env()).stdout


def configured_languages():
    from kiosk.config import load_config
    return load_config(environ={})["LANGUAGES"]


# --- the check itself ------------------------------------------------------------------------

def test_missing_catalogs_names_the_absent_mo_files(tmp_path):
    for present in ("ja/LC_MESSAGES/messages.mo", "zh_Hans/LC_MESSAGES/messages.mo"):
        (tmp_path / present).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / present).write_bytes(b"")
    # A .po alone is not enough: the kiosk reads the compiled file.
    (tmp_path / "en/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "en/LC_MESSAGES/messages.po").write_text("")
    assert missing_catalogs(LANGUAGES, tmp_path) == [tmp_path / "en/LC_MESSAGES/messages.mo",
                                                     tmp_path / "ja/LC_MESSAGES/easy.mo"]
    (tmp_path / "en/LC_MESSAGES/messages.mo").write_bytes(b"")
    (tmp_path / "ja/LC_MESSAGES/easy.mo").write_bytes(b"")
    assert missing_catalogs(LANGUAGES, tmp_path) == []
    assert missing_catalogs(LANGUAGES, tmp_path / "nowhere") == expected_catalogs(LANGUAGES, tmp_path / "nowhere")


def test_every_configured_language_has_a_catalog_source():
    """What serve expects is what the build compiles: a .po beside each expected .mo."""
    expected = expected_catalogs(configured_languages(), ROOT / "translations")
    assert len(expected) == len({(lang["babel"], lang.get("domain")) for lang in configured_languages()})
    assert [p for p in expected if not p.with_suffix(".po").is_file()] == []


def test_serve_refuses_to_start_without_compiled_catalogs(app, tmp_path, monkeypatch):
    import kiosk.config
    from kiosk.cli import serve_command
    monkeypatch.setattr(kiosk.config, "RESOURCES", tmp_path)    # a translations/ with nothing in it
    result = app.test_cli_runner().invoke(serve_command, [])
    assert result.exit_code != 0
    assert "the compiled translations are missing" in result.output
    assert str(tmp_path / "translations" / "ja" / "LC_MESSAGES" / "messages.mo") in result.output
    assert "kiosk translations compile" in result.output


# --- builds from a clone ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clone of the checkout with the working tree's uncommitted changes committed on top, so
    the builds exercise the current build configuration (pyproject.toml, setup.py, new modules)
    while the checkout itself is only read. Once everything is committed this adds nothing."""
    src = tmp_path_factory.mktemp("versions") / "src"
    run(["git", "clone", "-q", "--no-hardlinks", ROOT, src], env=build_env())
    changed = (git("diff", "--name-only", "-z", "HEAD", cwd=ROOT).split("\0")
               + git("ls-files", "-z", "--others", "--exclude-standard", cwd=ROOT).split("\0"))
    for name in filter(None, changed):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
        elif (src / name).exists():
            (src / name).unlink()
    git("add", "-A", cwd=src)
    if git("status", "--porcelain", cwd=src).strip():
        git("commit", "-q", "-m", "the working tree", cwd=src)
    assert not list(src.rglob("*.mo"))      # git ignores compiled catalogs: a clean clone has none
    return src


@pytest.fixture(scope="module")
def builds(clone, tmp_path_factory):
    """Two builds from consecutive commits: `python -m build` (an sdist, then a wheel built from
    that sdist), then, after one more commit, `python -m build --wheel` straight from the clone."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out / "first", clone], env=build_env())
    git("commit", "-q", "--allow-empty", "-m", "one more commit", cwd=clone)
    run([sys.executable, "-m", "build", "--wheel", "--outdir", out / "second", clone], env=build_env())
    # Compiled in setuptools' build directory (build/, git-ignored), never beside the sources.
    assert not list((clone / "translations").rglob("*.mo"))
    return types.SimpleNamespace(sdist=next((out / "first").glob("ward_kiosk-*.tar.gz")),
                                 first=next((out / "first").glob("ward_kiosk-*.whl")),
                                 second=next((out / "second").glob("ward_kiosk-*.whl")))


def wheel_version(wheel):
    name, version, _build, _tags = parse_wheel_filename(wheel.name)
    assert name == "ward-kiosk"
    return version


def venv_with(tmp_path, *wheels):
    """A fresh virtual environment with ward-kiosk installed from ``wheels`` in turn (no
    dependencies); returns its directory and the output of each pip install."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    installs = [run([venv / "bin" / "python", "-m", "pip", "install", "--no-deps", wheel], env=build_env())
                for wheel in wheels]
    return venv, installs


def use_test_dependencies(venv):
    """Third-party dependencies come from the test environment; ward-kiosk only from the wheel."""
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return site


def test_the_sdist_carries_the_catalog_sources_and_every_wheel_the_compiled_catalogs(builds):
    with tarfile.open(builds.sdist) as sdist:
        top = builds.sdist.name.removesuffix(".tar.gz")          # ward_kiosk-<version>/
        names = {name.removeprefix(top + "/") for name in sdist.getnames()}
        pkg_info = sdist.extractfile(f"{top}/PKG-INFO").read()
    assert "setup.py" in names and "pyproject.toml" in names
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "translations").glob("*/LC_MESSAGES/*.po")}
    assert sources and sources <= names
    assert not [n for n in names if n.endswith(".mo")]
    assert f"Version: {wheel_version(builds.first)}\n".encode() in pkg_info
    expected = {f"kiosk/translations/{p.relative_to(p.parents[2])}"
                for p in expected_catalogs(configured_languages(), ROOT / "translations")}
    for wheel in (builds.first, builds.second):
        with zipfile.ZipFile(wheel) as zf:
            names = set(zf.namelist())
            assert expected <= names, wheel.name
            assert all(zf.getinfo(n).file_size > 0 for n in expected)


def test_a_later_commit_builds_a_higher_version_and_pip_upgrades_to_it(builds, tmp_path):
    first, second = wheel_version(builds.first), wheel_version(builds.second)
    assert first != second and second > first
    assert first > Version("0.1.dev0")     # git's version, not pyproject's fallback
    venv, (_, upgrade) = venv_with(tmp_path, builds.first, builds.second)
    assert "already" not in upgrade.stdout.lower() and f"Successfully installed ward-kiosk-{second}" in upgrade.stdout
    shown = run([venv / "bin" / "python", "-m", "pip", "show", "ward-kiosk"], env=build_env()).stdout
    assert f"Version: {second}\n" in shown
    use_test_dependencies(venv)
    reported = run([venv / "bin" / "python", "-c",
                    "import importlib.metadata, kiosk.sync.protocol as p; "
                    "print(importlib.metadata.version('ward-kiosk'), p.software_version(), p.__file__)"],
                   cwd=tmp_path, env=build_env()).stdout.split()
    assert reported[:2] == [str(second), str(second)] and reported[2].startswith(str(venv))


def test_a_wheel_from_a_clean_clone_serves_japanese_and_will_not_start_without_its_catalogs(builds, tmp_path):
    with open(ROOT / "translations" / "ja" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        heading = read_po(fh)["What are you looking for?"].string     # the home page's heading
    assert heading and heading != "What are you looking for?"
    venv, _ = venv_with(tmp_path, builds.second)
    site = use_test_dependencies(venv)
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    port = free_port()
    config = site_dir / "kiosk.toml"
    config.write_text(f'ROLE = "kiosk"\nDATABASE_URL = "sqlite:///{site_dir}/kiosk.db"\n'
                      f'SECRET_KEY = "version-test"\nPORT = {port}\nHOST = "127.0.0.1"\n')
    env = dict(build_env(), KIOSK_CONFIG=str(config))
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([venv / "bin" / "kiosk", "serve"], cwd=site_dir, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        answering(base + "/healthz", timeout=60, proc=proc, log=log)    # any answer: it is serving
        home = httpx.get(base + "/ja/")
        assert home.status_code == 200 and str(escape(heading)) in home.text
    finally:
        proc.terminate()
        proc.wait(10)

    catalogs = list((site / "kiosk" / "translations").rglob("*.mo"))
    assert catalogs
    for mo in catalogs:
        mo.unlink()
    refused = subprocess.run([venv / "bin" / "kiosk", "serve"], cwd=site_dir, env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0
    assert "the compiled translations are missing" in refused.stderr
    assert str(site / "kiosk" / "translations" / "ja" / "LC_MESSAGES" / "messages.mo") in refused.stderr
