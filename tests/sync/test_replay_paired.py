"""A paired kiosk's sync rounds keep the pages answered without Flask (kiosk.web.replay).

Each round writes when it last synced, and the hub's clock offset, to the kiosk's database, and
told the footer's board it had changed: every round (every few seconds) dropped every stored
answer, so a paired kiosk, the only kind visitors meet, went through Flask for pages the unpaired
bench answered at once. A round that changes nothing a page shows keeps them; a sign-up sent
(the footer's count of records waiting) and a new minute (its "last synced") do not.
"""
import pytest

from kiosk import clock
from kiosk.site.sync.client import SyncLoop
from tests.conftest import make_app
from tests.helpers import wait_for
from tests.sync.conftest import enqueue


@pytest.fixture
def paired_app(make_kiosk):
    kiosk = make_kiosk()
    return make_app(kiosk.path), kiosk


def answered(app):
    return app.extensions["replay"].answered


def rounds(loop, n):
    """Run ``n`` more rounds of the real loop (woken, not waited for)."""
    target = loop.rounds + n
    while loop.rounds < target:
        seen = loop.rounds
        loop.wake()
        wait_for(lambda: loop.rounds > seen, timeout=20, what="a sync round")


@pytest.mark.parametrize("hub_db_url", ["sqlite"], indirect=True)
def test_a_paired_kiosks_quiet_rounds_keep_the_answers(paired_app):
    app, kiosk = paired_app
    loop = SyncLoop(app, interval=600)
    app.extensions["sync_loop"] = loop
    client = app.test_client()
    url = "/en/services"
    # The offset moves the kiosk's clock to the start of a minute; the hub allows that much skew.
    now = clock.now()
    clock.set_offset(61 - now.second - now.microsecond / 1e6)
    loop.start()
    try:
        rounds(loop, 1)
        assert not loop.unpaired and not loop.error, loop.error
        for _ in range(2):
            client.get(url)
        before = answered(app)
        page = client.get(url).data
        assert answered(app) == before + 1 and b"Online" in page
        rounds(loop, 3)
        assert kiosk.query("SELECT value FROM kiosk_state WHERE key = 'last_sync_at'")
        assert client.get(url).data == page and answered(app) == before + 2

        # A record waiting changes the footer: the next page is Flask's, and shows it. (The
        # sign-up view tells the board, wake_sync; here the loop is not woken yet.)
        enqueue(kiosk.db_url, 1)
        loop.board.recount()
        again = client.get(url).data
        assert answered(app) == before + 2 and b"1 record waiting" in again
        rounds(loop, 1)     # sent: the footer no longer counts it
        sent = client.get(url).data
        assert answered(app) == before + 2 and b"record waiting" not in sent
    finally:
        loop.stop()
        loop.join(10)
        clock.set_offset(0)
