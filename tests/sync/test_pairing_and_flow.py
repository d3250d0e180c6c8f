"""The whole loop against a real hub: pairing, a sign-up pushed once, statuses back, purge."""
import datetime

import httpx

from tests.helpers import wait_for
from tests.sync.conftest import enqueue, run_cli

TWO_HUB_PROCESSES = True     # also run against two hub processes on one PostgreSQL


def test_pairing_pulls_the_hubs_catalog(hub, make_kiosk):
    kiosk = make_kiosk()
    hub_events = {r[0] for r in hub.query("SELECT uid FROM event")}
    kiosk_events = {r[0] for r in kiosk.query("SELECT uid FROM event")}
    assert hub_events and kiosk_events == hub_events
    n = kiosk.query("SELECT count(*) FROM service WHERE active = 1")[0][0]
    assert n == hub.query("SELECT count(*) FROM service")[0][0]
    assert kiosk.query("SELECT count(*) FROM search_fts")[0][0] >= n * 5


def test_enrolment_code_is_single_use(hub, make_kiosk, tmp_path):
    code = hub.code()
    r1 = httpx.post(hub.url + "/api/v1/enroll", json={"code": code, "name": "a", "protocol": 1})
    r2 = httpx.post(hub.url + "/api/v1/enroll", json={"code": code, "name": "b", "protocol": 1})
    assert r1.status_code == 200 and r2.status_code == 403
    assert httpx.post(hub.url + "/api/v1/enroll", json={"code": "NOPE-NOPE-NOPE", "protocol": 1}).status_code == 403
    assert httpx.post(hub.url + "/api/v1/enroll", content=b"{not json").status_code == 400
    assert hub.query("SELECT count(*) FROM device")[0][0] == 1


def test_signup_reaches_hub_once_and_status_comes_back(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.5"})
    uid, _cap = hub.event_with_seats()
    ids = enqueue(kiosk.db_url, 3, event_uid=uid)
    kiosk.start()
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup")[0][0] == 3)
    rows = hub.query("SELECT id, status, device_id FROM hub_signup")
    assert {r[0] for r in rows} == set(ids)
    assert {r[1] for r in rows} == {"confirmed"}
    assert {r[2] for r in rows} == {kiosk.device_id()}
    wait_for(lambda: kiosk.query("SELECT count(*) FROM outbox")[0][0] == 0)
    wait_for(lambda: {r[0] for r in kiosk.query("SELECT s.status FROM signup JOIN signup_status s ON s.record_id = signup.id")} == {"confirmed"})
    # The kiosk reports online and a last sync time on every page.
    page = httpx.get(kiosk.url + "/ja/").text
    assert "sync-status" in page and 'class="status online"' in page


def test_status_visible_on_another_kiosk_after_its_sync(hub, make_kiosk):
    a, b = make_kiosk("a"), make_kiosk("b")
    uid, _ = hub.event_with_seats()
    enqueue(a.db_url, 1, event_uid=uid)
    a.sync()
    ref = a.query("SELECT ref_code FROM signup")[0][0]
    b.sync()
    b.start()
    page = httpx.get(b.url + f"/en/status?ref={ref}", follow_redirects=True).text
    assert ref in page and "Your seat is confirmed" in page


def test_personal_data_purged_after_ack_and_retention(hub, make_kiosk):
    """Purged once the hub has it plus the retention; a session sign-up keeps its name until
    the day after its session, for the host's named check-in."""
    kiosk = make_kiosk(env={"KIOSK_PERSONAL_DATA_RETENTION_SECONDS": "0"})
    uid, starts_at = hub.query("SELECT uid, starts_at FROM event WHERE capacity > 0 AND cancelled = %s "
                               "ORDER BY starts_at DESC LIMIT 1", (False,))[0]
    enqueue(kiosk.db_url, 2, kind="volunteer", service="nerries", event_uid=None, prefix="Purgeme")
    enqueue(kiosk.db_url, 2, event_uid=uid, prefix="Purgeme session")
    assert kiosk.query("SELECT count(*) FROM signup WHERE name LIKE 'Purgeme%'")[0][0] == 4
    kiosk.sync()
    assert kiosk.query("SELECT name FROM signup WHERE kind = 'volunteer' AND name IS NOT NULL") == []
    assert kiosk.query("SELECT count(*) FROM signup WHERE kind = 'event' AND name LIKE 'Purgeme session%'")[0][0] == 2
    # The day after the session (the kiosk's clock moved past it): gone too.
    if isinstance(starts_at, str):
        starts_at = datetime.datetime.fromisoformat(starts_at)
    days = (starts_at - datetime.datetime.utcnow()).days + 2
    run_cli(kiosk.db_url, "kiosk", "sync", env={**kiosk.env, "KIOSK_CLOCK_OFFSET_SECONDS": str(days * 86400)})
    assert kiosk.query("SELECT count(*) FROM signup WHERE name IS NOT NULL OR phone IS NOT NULL")[0][0] == 0
    assert kiosk.query("SELECT count(*) FROM signup WHERE purged_at IS NOT NULL")[0][0] == 4
    # Still on the hub, where staff need it.
    assert hub.query("SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("Purgeme%",))[0][0] == 4


def test_not_purged_before_acknowledgement(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_PERSONAL_DATA_RETENTION_SECONDS": "0"})
    enqueue(kiosk.db_url, 1, kind="callback", service="gaikokujin-sodan")
    hub.stop()
    kiosk.sync(check=False)
    assert kiosk.query("SELECT count(*) FROM signup WHERE name IS NOT NULL")[0][0] == 1
    hub.start()


def test_hub_public_pages_are_what_the_qr_codes_open(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_PUBLIC_BASE_URL": hub.url + "/p"}).start()
    detail = httpx.get(kiosk.url + "/ko/services/nihongo-kyoshitsu").text
    assert f"{hub.url}/p/ko/services/nihongo-kyoshitsu" not in detail   # encoded in the QR, not a link
    for lang in ("ja", "en", "zh", "ko", "tl"):
        r = httpx.get(f"{hub.url}/p/{lang}/services/nihongo-kyoshitsu")
        assert r.status_code == 200 and "<h1>" in r.text
        name = hub.query("SELECT t.text FROM translation t JOIN service s ON s.id = t.owner_id "
                         "WHERE t.owner = 'service' AND t.field = 'name' AND t.language = %s "
                         "AND s.slug = 'nihongo-kyoshitsu'", (lang,))[0][0]
        assert name in r.text
    assert httpx.get(f"{hub.url}/p/en/services/no-such-thing").status_code == 404
    uid, _ = hub.event_with_seats()
    enqueue(kiosk.db_url, 1, event_uid=uid)
    kiosk.stop()
    kiosk.sync()
    ref = kiosk.query("SELECT ref_code FROM signup")[0][0]
    status = httpx.get(f"{hub.url}/p/en/status/{ref}")
    assert status.status_code == 200 and "Your seat is confirmed" in status.text
    assert "Test 0" not in status.text   # no personal data on a public page
