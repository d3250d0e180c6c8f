"""What residents look for is counted, never who they are: a phone number, an e-mail address and
names typed into the search box, letter by letter as search-as-you-type sends them and as a
whole, are found nowhere in the kiosk's database file, its write-ahead log, or the hub's database
(every text column, PostgreSQL and SQLite), while the search itself and a harmless word typed
beside them are counted and reach the hub."""
import datetime
import pathlib
import time
import zoneinfo

import httpx

from tests.sync.sync_helpers import hits

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HX = {"HX-Request": "true"}
TYPED = [("en", "080-4321-9876"), ("en", "zed.quorra@example.org"), ("en", "Quorra Zedwick"),
         ("ja", "鷲宮瑠璃子さん"), ("ja", "鷲宮瑠璃子"), ("en", "vrexil 080-4321-9876")]
NEEDLES = ["080-4321-9876", "43219876", "4321-9876", "zed.quorra", "quorra", "Quorra", "zedwick", "Zedwick",
           "example.org", "鷲宮", "瑠璃子"]


def noon_offset(days_ago):
    now = datetime.datetime.now(TOKYO)
    target = datetime.datetime.combine(now.date() - datetime.timedelta(days=days_ago), datetime.time(12), TOKYO)
    return int((target - now).total_seconds())


def type_into_search(url):
    """Each text typed a letter at a time (each prefix a search-as-you-type request), then sent."""
    for lang, text in TYPED:
        with httpx.Client(base_url=url, timeout=15) as c:
            c.get(f"/{lang}/")
            for end in range(1, len(text) + 1):
                assert c.get(f"/{lang}/services", params={"q": text[:end]}, headers=HX).status_code == 200
            assert c.get(f"/{lang}/services", params={"q": text}).status_code == 200


def file_hits(path):
    """The needles found in the bytes of a file (absent file: none)."""
    path = pathlib.Path(path)
    if not path.exists():
        return []
    data = path.read_bytes()
    return [n for n in NEEDLES if n.encode() in data]


def test_personal_text_typed_into_search_is_stored_nowhere(hub, make_kiosk):
    kiosk = make_kiosk("privacy", env={"KIOSK_SYNC_INTERVAL_SECONDS": "3600", "KIOSK_DEMAND_SETTLE_SECONDS": "3"})
    kiosk.env["KIOSK_CLOCK_OFFSET_SECONDS"] = str(noon_offset(1))
    kiosk.start()
    type_into_search(kiosk.url)
    time.sleep(4)                   # each visitor's search settles, is counted at the next count...
    assert httpx.get(kiosk.url + "/en/needs/food", timeout=15).status_code == 200
    time.sleep(1.2)                 # ...and written with the counts of that second at the one after
    assert httpx.get(kiosk.url + "/en/needs/money", timeout=15).status_code == 200
    kiosk.server.kill9()            # the write-ahead log stays as it was, not checkpointed
    wal = pathlib.Path(f"{kiosk.path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert file_hits(kiosk.path) == [] and file_hits(wal) == []
    # Counted all the same: six searches without answer, and the harmless word beside a number.
    # (A pause of more than the settle time while typing would count a prefix on its own.)
    assert kiosk.query("SELECT sum(n) FROM demand_count WHERE kind = 'search'")[0][0] >= len(TYPED)
    assert ("vrexil",) in kiosk.query("SELECT key FROM demand_count WHERE kind = 'word'")

    kiosk.env["KIOSK_CLOCK_OFFSET_SECONDS"] = str(noon_offset(0))
    kiosk.sync()                    # the day is over: its counts go to the hub
    assert kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0
    assert ("vrexil",) in hub.query("SELECT key FROM hub_demand_count WHERE kind = 'word'")
    assert hub.query("SELECT sum(n) FROM hub_demand_count WHERE kind = 'search'")[0][0] >= len(TYPED)
    for needle in NEEDLES:
        assert hits(hub.db_url, needle) == [], needle
    assert file_hits(kiosk.path) == [] and file_hits(wal) == []
