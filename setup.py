"""Build hook: every standard build (pip wheel, python -m build, a build from the sdist) compiles
the message catalogs into the package it builds.

The compiled .mo files are build output and git-ignored, so a wheel built from a clean clone
would otherwise carry only the .po sources and the installed kiosk would refuse to start (it
checks for its catalogs). The catalogs are compiled inside the build directory, after setuptools
has copied the package there, so the build never writes into the source tree. Everything else
about the package is in pyproject.toml.
"""
import logging
import pathlib

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):
    """setuptools' build_py, then every translations/<locale>/LC_MESSAGES/*.po it copied is
    compiled to the .mo beside it, as `pybabel compile` would."""

    def run(self):
        super().run()
        # An editable install copies nothing: the package is the checkout itself, whose
        # catalogs `make translations` compiles.
        if self.editable_mode:
            return
        for po in sorted((pathlib.Path(self.build_lib) / "kiosk" / "translations").rglob("*.po")):
            if po.parent.name == "LC_MESSAGES":
                self._compile(po)

    def _compile(self, po):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        if catalog.fuzzy:
            # pybabel compile skips a catalog whose header is marked fuzzy (a fresh
            # `pybabel init` is), and so do we; the kiosk then refuses to start if that
            # language is configured, naming the missing file.
            self.announce(f"skipping {po}: the whole catalog is marked fuzzy", level=logging.WARNING)
            return
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)   # fuzzy entries stay untranslated, as in pybabel
        self.announce(f"compiled {mo}", level=logging.INFO)


setup(cmdclass={"build_py": build_py_with_catalogs})
