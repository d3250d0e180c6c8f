"""What residents look for, end to end with real processes, on PostgreSQL and SQLite: two kiosks
at two sites, searches and needs over several days of their (moved) clocks, and the hub's counts
equal to what was done, exactly once through a kiosk killed with SIGKILL and a lost answer."""
import collections
import datetime
import time
import zoneinfo

import httpx

from tests.helpers import wait_for
from tests.sync.faults_helpers import point_at
from tests.sync.proxy import FaultProxy

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HX = {"HX-Request": "true"}
NONSENSE = "zqxwvy"          # finds nothing in any language: a search without answer, its word kept


def noon_offset(days_ago):
    """Clock offset (seconds) putting a kiosk at noon in Tokyo ``days_ago`` days back: far from
    midnight, whenever the test runs."""
    now = datetime.datetime.now(TOKYO)
    target = datetime.datetime.combine(now.date() - datetime.timedelta(days=days_ago), datetime.time(12), TOKYO)
    return int((target - now).total_seconds())


def visit(url, searches, needs):
    """A day of visitors: each search from its own visitor (so none replaces another), each need
    tapped from the needs screen."""
    for lang, query in searches:
        with httpx.Client(base_url=url, timeout=15) as c:
            assert c.get(f"/{lang}/services", params={"q": query}, headers=HX).status_code == 200
    with httpx.Client(base_url=url, timeout=15) as c:
        for lang, need in needs:
            assert c.get(f"/{lang}/needs/{need}").status_code == 200


def test_two_kiosks_several_days_counted_exactly_once(hub, make_kiosk):
    env = {"KIOSK_SYNC_INTERVAL_SECONDS": "0.5", "KIOSK_SYNC_BATCH_SIZE": "2"}
    kiosks = {"plaza-nerima": make_kiosk("a", env=dict(env, KIOSK_SITE_SLUG="plaza-nerima")),
              "plaza-oizumi": make_kiosk("b", env=dict(env, KIOSK_SITE_SLUG="plaza-oizumi"))}
    done = collections.Counter()           # (site, kind, language, key) -> n
    for days_ago in (3, 2, 1):
        for i, (site, kiosk) in enumerate(kiosks.items()):
            searches = [("en", NONSENSE), ("ja", NONSENSE + "ja")] + [("en", "cafe")] * (days_ago + i)
            needs = [("en", "food")] * (days_ago + 1) + [("ja", "loneliness")] * i
            kiosk.env["KIOSK_CLOCK_OFFSET_SECONDS"] = str(noon_offset(days_ago))
            kiosk.start()
            visit(kiosk.url, searches, needs)
            if site == "plaza-oizumi" and days_ago == 2:
                # A power cut once the day's counts are written (counts wait in memory for a
                # second at most, README): what was written is sent, once.
                day = (datetime.datetime.now(TOKYO).date() - datetime.timedelta(days=days_ago)).isoformat()
                total = len(searches) + 2 + len(needs)          # outcomes, the two words, needs
                wait_for(lambda: kiosk.query("SELECT coalesce(sum(n), 0) FROM demand_count WHERE day = ?",
                                             (day,))[0][0] == total, timeout=30)
                kiosk.server.kill9()
            else:
                kiosk.stop()
            for lang, query in searches:
                done[(site, "searches", lang)] += 1
                if query.startswith(NONSENSE):
                    done[(site, "none", lang)] += 1
                    done[(site, "word", query)] += 1
            for lang, need in needs:
                done[(site, "need", need)] += 1

    # Today: kiosk a's push loses its answer once (the hub committed); kiosk b is killed while
    # it pushes, and started again.
    a, b = kiosks["plaza-nerima"], kiosks["plaza-oizumi"]
    for kiosk in kiosks.values():
        kiosk.env["KIOSK_CLOCK_OFFSET_SECONDS"] = str(noon_offset(0))
    proxy = FaultProxy(hub.port, mode="drop_after_commit")
    try:
        point_at(a, proxy.url)
        a.sync(check=False)
        assert proxy.dropped >= 1
        # The hub committed what reached it (the first batch at least; a batch in flight behind
        # it may have reached it too), but a never heard it: it keeps them.
        assert 1 <= hub.query("SELECT count(*) FROM hub_demand_day WHERE device_id = %s", (a.device_id(),))[0][0] <= 3
        assert a.query("SELECT count(*) FROM outbox WHERE kind = 'demand'")[0][0] >= 1
        proxy.mode = "pass"
        a.sync()
    finally:
        proxy.close()
    point_at(a, hub.url)
    b.start()
    time.sleep(0.4)
    b.server.kill9()
    b.start()
    wait_for(lambda: b.query("SELECT count(*) FROM outbox")[0][0] == 0
             and b.query("SELECT count(*) FROM demand_count")[0][0] == 0, timeout=60)
    b.stop()
    assert a.query("SELECT count(*) FROM outbox")[0][0] == 0

    # Each kiosk's day once (two kiosks, three days), and every count as it was done.
    days = hub.query("SELECT device_id, day FROM hub_demand_day")
    assert len(days) == len(set(days)) == 6
    rows = hub.query("SELECT site_slug, kind, language, key, n FROM hub_demand_count")
    got = collections.Counter()
    for site, kind, language, key, n in rows:
        if kind == "search":
            got[(site, "searches", language)] += n
            if key == "none":
                got[(site, "none", language)] += n
        elif kind == "word":
            got[(site, "word", key)] += n
        elif kind == "need":
            got[(site, "need", key)] += n
    assert got == done
    # Nothing finer than a day reached the hub, and the weeks and months are the days'.
    for day, week, month in hub.query("SELECT day, week, month FROM hub_demand_count"):
        d = datetime.date.fromisoformat(day)
        assert month == day[:7] and datetime.date.fromisoformat(week) == d - datetime.timedelta(days=d.weekday())
