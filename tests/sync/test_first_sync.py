"""A kiosk's first sync does not grow with the ward's history. With 100,000 sign-ups
for sessions long over on the hub (PostgreSQL), the hub's feed compaction leaves out what no
kiosk needs, and a new kiosk's first sync takes under 10 s with a small database; a visitor can
still look up an old sign-up by its reference code on the hub's public status page."""
import sqlite3
import time

import httpx
import pytest

from tests.helpers import wait_for
from tests.sync.conftest import run_cli
from tests.sync.sync_helpers import HISTORY, add_history


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)
def test_a_new_kiosk_first_sync_is_bounded(hub, make_kiosk):
    add_history(hub)
    before = hub.query("SELECT count(*) FROM feed")[0][0]
    assert before > HISTORY
    out = run_cli(hub.db_url, "hub", "hub-retention")
    assert "feed entries" in out
    after = hub.query("SELECT count(*) FROM feed")[0][0]
    assert after < 2_000, after
    # Superseded catalog entries are gone too; every catalog row keeps its latest entry.
    assert hub.query("SELECT count(*) FROM (SELECT kind, key FROM feed GROUP BY kind, key HAVING count(*) > 1) d")[0][0] == 0
    started = time.monotonic()
    kiosk = make_kiosk("new-site", sync=False)
    kiosk.sync()
    took = time.monotonic() - started
    assert took < 10, took
    assert kiosk.query("SELECT count(*) FROM signup_status")[0][0] == 0
    assert kiosk.query("SELECT count(*) FROM service")[0][0] >= 30
    size = kiosk.path.stat().st_size
    assert size < 20 * 1024 * 1024, size
    # An old sign-up is still found by its reference code, on the hub's public page.
    page = httpx.get(hub.url + "/p/en/status/HIST-000042")
    assert page.status_code == 200


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_pairing_takes_the_catalog_before_the_kiosk_serves(hub, make_kiosk):
    """A kiosk started right after pairing finds the ward's catalog on its first page, not
    "0 found" until the sync loop's first round."""
    kiosk = make_kiosk("just-paired", sync=False)
    services = hub.query("SELECT count(*) FROM service")[0][0]
    assert services >= 30
    assert kiosk.query("SELECT count(*) FROM service")[0][0] == services
    assert int(kiosk.query("SELECT value FROM kiosk_state WHERE key = 'feed_cursor'")[0][0]) > 0
    # The catalog came page by page; the round merged its search index into one segment a table.
    assert not any(segments_to_merge(kiosk.path, table) for table in ("search_names", "search_fts"))
    kiosk.start(KIOSK_SYNC_INTERVAL_SECONDS="3600")
    page = httpx.get(kiosk.url + "/ja/services?q=%E3%82%AB%E3%83%95%E3%82%A7")   # カフェ
    assert page.status_code == 200 and "街かどケアカフェ" in page.text


def test_a_kiosk_without_the_catalog_says_it_is_getting_it_then_shows_it(hub, make_kiosk):
    """A paired kiosk whose catalog has not come through (its first round failed, the hub is
    down) says so on every visitor screen and looks again by itself, instead of "0 found";
    the sync loop's round after the hub returns opens the directory."""
    kiosk = make_kiosk("empty-site", env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5",
                                          "KIOSK_SYNC_MAX_BACKOFF_SECONDS": "1"})
    kiosk.query("UPDATE service SET active = 0")
    kiosk.query("UPDATE kiosk_state SET value = '0' WHERE key = 'feed_cursor'")
    hub.stop()
    kiosk.start()
    for path in ("/en/", "/en/services?q=cafe"):
        r = httpx.get(kiosk.url + path)
        assert r.status_code == 503 and r.headers["Refresh"] == "5", (path, r.status_code)
        assert "Getting the ward's list of services" in r.text and "found" not in r.text
    hub.start()
    wait_for(lambda: httpx.get(kiosk.url + "/en/").status_code == 200, timeout=30)
    assert "Places to gather" in httpx.get(kiosk.url + "/en/").text


def segments_to_merge(path, table):
    """Whether a merge of everything would find work in a kiosk's index table (rolled back)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        before = con.total_changes
        con.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', -16)")
        return con.total_changes - before > 1
    finally:
        con.execute("ROLLBACK")
        con.close()
