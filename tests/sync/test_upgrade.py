"""Upgrades with records in flight. A kiosk database is built by an earlier release
of this software (taken from git history: the last commit before migration 0004, when the
schema had sign-ups and attendance), with sign-ups and attendance still queued. The current
software upgrades it (`kiosk migrate`), pairs it with a current hub, and every queued record
reaches the hub exactly once; syncing again sends nothing twice."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT
from tests.sync.conftest import run_cli

OLD_RELEASE = "cf12a68^"     # before migration 0004 (robust sync): schema 0001-0003

OLD_SCRIPT = textwrap.dedent("""
    from kiosk import create_app
    from kiosk.db import database
    from kiosk.demo.loader import load_demo
    from kiosk.models import Event
    from kiosk.sync import outbox     # the old release's layout: this runs its code, not ours
    app = create_app()
    with app.app_context(), database.connection_context():
        load_demo()
        ev = Event.select().where(Event.capacity > 0).first()
        for i in range(12):
            outbox.enqueue_signup(kind="event", service_slug=ev.service.slug, event_uid=ev.uid,
                                  language="ja", name=f"Old release {i}", phone=f"090-7000-{i:04d}",
                                  age_band="65-74")
        outbox.enqueue_signup(kind="callback", service_slug="gaikokujin-sodan", language="tl",
                              name="Maria", phone="080-7000-0001", preferred_language="tl",
                              preferred_time="morning")
        for i in range(5):
            outbox.enqueue_attendance(session_key=ev.uid, service_slug=ev.service.slug,
                                      site_slug=ev.site.slug, session_date="2026-11-20", kind="count",
                                      grp="age_65_plus", delta=1)
""")


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_a_kiosk_of_the_previous_schema_upgrades_and_its_queue_arrives_once(hub, tmp_path):
    old = tmp_path / "old-release"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_RELEASE], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    assert not (old / "migrations" / "0004_robust_sync.py").exists()
    db = tmp_path / "kiosk.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_DATABASE_URL=f"sqlite:///{db}", KIOSK_SECRET_KEY="old", PYTHONPATH=str(old))
    subprocess.run([sys.executable, "-c", OLD_SCRIPT], cwd=old, env=env, check=True, capture_output=True)
    import sqlite3
    con = sqlite3.connect(db)
    assert {r[0] for r in con.execute("SELECT name FROM schema_migration")} == {
        "0001_catalog", "0002_signups_and_sync", "0003_attendance"}
    queued = [r[0] for r in con.execute("SELECT record_id FROM outbox ORDER BY seq")]
    # The hub takes a kiosk's attendance only for the site it was enrolled for: the session's.
    site = json.loads(con.execute("SELECT payload FROM outbox WHERE kind = 'attendance'").fetchone()[0])["site"]
    con.close()
    assert len(queued) == 18
    # The current software: migrate (the file is copied aside first), pair, sync.
    url = f"sqlite:///{db}"
    assert "0004_robust_sync" in run_cli(url, "kiosk", "migrate")
    assert list(tmp_path.glob("kiosk.db.*.bak"))
    run_cli(url, "kiosk", "pair", "--hub", hub.url, "--code", hub.code(site), "--name", "upgraded")
    run_cli(url, "kiosk", "sync")
    run_cli(url, "kiosk", "sync")
    con = sqlite3.connect(db)
    left = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    con.close()
    assert left == 0
    signups = [r[0] for r in hub.query("SELECT id FROM hub_signup")]
    attendance = [r[0] for r in hub.query("SELECT id FROM hub_attendance")]
    assert sorted(signups + attendance) == sorted(queued)           # each exactly once
    assert hub.query("SELECT protocol_version FROM device")[0][0] == 2
