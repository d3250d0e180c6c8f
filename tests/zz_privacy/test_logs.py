"""Personal data never appears in a log: this run's own scenario, then every server log of the run.

(The folder name makes pytest run this last, after every other test wrote its logs.)"""
import re

import httpx

from tests.conftest import ARTIFACTS, LOG_FILES
from tests.sync.faults_helpers import signup_via_http
from tests.sync.test_pairing_and_flow import wait_for

MARKERS = ["Privacymarker", "Killtest visitor", "Purgeme", "Maria Dela Cruz", "Auth Test",
           "090-2222-", "090-1234-5678", "09012345678", "090-1111-2222"]


def test_no_personal_data_in_any_log(hub, make_kiosk):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "0.3"}).start()
    uid, _ = hub.event_with_seats()
    assert signup_via_http(kiosk.url, uid, "Zelda Privacymarker")
    # An invalid form too (errors are where personal data tends to leak into logs).
    with httpx.Client(base_url=kiosk.url) as c:
        page = c.get(f"/ja/signup/event/{uid}").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        c.post(f"/ja/signup/event/{uid}", data={"csrf_token": token, "name": "Privacymarker Bad",
                                                "phone": "090-2222-3333x"})
    wait_for(lambda: hub.query("SELECT count(*) FROM hub_signup WHERE name LIKE %s", ("%Privacymarker%",))[0][0] == 1)
    kiosk.stop()
    hub.stop()
    logs = [p for p in LOG_FILES if p.exists()] + list(ARTIFACTS.glob("**/*.log"))
    assert any("Serving on" in p.read_text(errors="replace") for p in logs)
    leaks = [(p.name, m) for p in logs for m in MARKERS if m in p.read_text(errors="replace")]
    assert leaks == []


def test_no_traceback_in_any_server_log():
    """Bad input gets a clear refusal, never an unhandled error: no server log of this run
    (the Hypothesis runs and the fault tests included) holds a traceback."""
    logs = [p for p in LOG_FILES if p.exists()]
    assert logs
    with_traceback = [p.name for p in logs if "Traceback (most recent call last)" in p.read_text(errors="replace")]
    assert with_traceback == []
