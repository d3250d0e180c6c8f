"""A kiosk serving its SQLite file does without PostgreSQL's driver (kiosk.config.without_postgres_driver);
every other process keeps it."""
import os
import subprocess
import sys

import pytest

from kiosk.config import ROOT

PROBE = ("import sys; sys.argv = {argv!r}; import kiosk, peewee; "
         "print('with' if peewee.psycopg2 is not None else 'without')")


def driver(argv, role, url):
    env = dict(os.environ, KIOSK_ROLE=role, KIOSK_DATABASE_URL=url, KIOSK_SECRET_KEY="x")
    env.pop("KIOSK_CONFIG", None)
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("argv", [["-m", "serve"], ["/usr/local/bin/kiosk", "serve", "--port", "8080"],
                                  ["-m", "--role", "kiosk", "serve"], ["-m", "--role=kiosk", "serve"]])
def test_a_kiosk_serving_sqlite_leaves_the_driver_out(argv, tmp_path):
    assert driver(argv, "kiosk", f"sqlite:///{tmp_path}/k.db") == "without"


@pytest.mark.parametrize("argv,role,url", [
    (["-m", "serve"], "hub", "sqlite:///{tmp}/h.db"),                        # a hub
    (["-m", "--role", "hub", "serve"], "kiosk", "sqlite:///{tmp}/h.db"),     # a hub by its option
    (["-m", "serve"], "kiosk", "postgresql://postgres@127.0.0.1/none"),      # a kiosk on PostgreSQL
    (["-m", "migrate"], "kiosk", "sqlite:///{tmp}/k.db"),                    # another command
    (["/usr/bin/pytest", "serve"], "kiosk", "sqlite:///{tmp}/k.db"),         # another program
])
def test_every_other_process_keeps_the_driver(argv, role, url, tmp_path):
    assert driver(argv, role, url.format(tmp=tmp_path)) == "with"
