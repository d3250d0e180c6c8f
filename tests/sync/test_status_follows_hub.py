"""Visitors are told what staff did: after one sync, every state staff can set reads in the
visitor's words on the kiosk's status page and on the phone page the QR code opens, and a
finished request offers no cancel."""
import datetime
import re

import httpx
import pytest

from tests.helpers import csrf_token, staff_login
from tests.sync.conftest import enqueue


@pytest.fixture
def staff(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=False, timeout=20) as client:
        staff_login(client)
        yield client


def _token(client, path):
    return csrf_token(client.get(path).text)


def desk_move(staff, signup_id, action):
    path = f"/staff/requests/{signup_id}"
    r = staff.post(f"{path}/move", data={"csrf_token": _token(staff, path), "action": action, "note": ""})
    assert r.status_code == 303, (action, r.status_code)


def set_status(staff, hub, signup_id, status):
    uid = hub.query("SELECT event_uid FROM hub_signup WHERE id = %s", (signup_id,))[0][0]
    data = {"csrf_token": _token(staff, f"/staff/events/{uid}"), "status": status}
    if status == "cancelled":
        data.update(confirm="1", reason="The venue asked us to reduce numbers")
    assert staff.post(f"/staff/signups/{signup_id}/status", data=data).status_code == 303


def session_change(staff, uid, **form):
    path = f"/staff/catalog/sessions/{uid}"
    r = staff.post(path, data={"csrf_token": _token(staff, path), **form})
    assert r.status_code == 303, r.text


def words(text):
    """The page's visible text, tags stripped and spaces folded."""
    main = text.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def seen(kiosk, hub, ref):
    """(kiosk status page, phone status page) for a reference code, as their visitor reads them."""
    with httpx.Client(base_url=kiosk.url, timeout=20) as tablet:
        on_kiosk = tablet.get("/en/status", params={"ref": ref}, follow_redirects=True)
    on_phone = httpx.get(f"{hub.url}/p/en/status/{ref}", timeout=20)
    assert on_kiosk.status_code == 200 and on_phone.status_code == 200
    return words(on_kiosk.text), words(on_phone.text)


@pytest.mark.parametrize("hub_db_url", ["sqlite", "postgresql"], indirect=True)
def test_every_staff_change_reaches_both_status_pages_after_one_sync(hub, make_kiosk, staff):
    kiosk = make_kiosk(env={"KIOSK_SYNC_INTERVAL_SECONDS": "3600"})
    uid, _capacity = hub.event_with_seats(2)
    other_uid = hub.query("SELECT uid FROM event WHERE capacity >= 1 AND cancelled = %s AND uid <> %s "
                          "ORDER BY starts_at, uid LIMIT 1", (False, uid))[0][0]
    callback, = enqueue(kiosk.db_url, 1, kind="callback", service="tsunagaru-madoguchi", prefix="Call")
    volunteer, = enqueue(kiosk.db_url, 1, kind="volunteer", service="nerries", prefix="Help")
    first, second = enqueue(kiosk.db_url, 2, event_uid=uid, prefix="Seat")
    elsewhere, = enqueue(kiosk.db_url, 1, event_uid=other_uid, prefix="Other")
    kiosk.sync()
    kiosk.start()
    refs = dict(kiosk.query("SELECT id, ref_code FROM signup"))

    def after_sync(record, *expected, cancel_offered):
        kiosk.sync()          # one round: the hub's change, then the pages
        for page in seen(kiosk, hub, refs[record]):
            for text in expected:
                assert text in page, (text, page[:2000])
        on_kiosk = seen(kiosk, hub, refs[record])[0]
        assert ("Cancel this sign-up" in on_kiosk) is cancel_offered

    # A call-back request through every desk state.
    desk_move(staff, callback, "take")
    after_sync(callback, "A member of staff has your request and will call you soon.", cancel_offered=True)
    desk_move(staff, callback, "unreachable")
    after_sync(callback, "could not reach you", cancel_offered=True)
    desk_move(staff, callback, "called_back")
    after_sync(callback, "Finished", "The desk has called you back.", cancel_offered=False)
    desk_move(staff, callback, "close")
    after_sync(callback, "Finished", "This request is finished.", cancel_offered=False)
    for page in seen(kiosk, hub, refs[callback]):
        assert "the desk will call you" not in page and "waiting for the desk" not in page

    # A volunteer registration.
    desk_move(staff, volunteer, "contacted")
    after_sync(volunteer, "The ward has contacted you about volunteering.", cancel_offered=True)
    desk_move(staff, volunteer, "registered")
    after_sync(volunteer, "You are registered as a volunteer.", cancel_offered=False)

    # Seats: the ward waitlists, confirms, cancels (the next in line moves up).
    set_status(staff, hub, second, "waitlisted")
    after_sync(second, "The ward put your sign-up on the waiting list.", cancel_offered=True)
    set_status(staff, hub, first, "cancelled")
    after_sync(first, "The ward cancelled this sign-up.", cancel_offered=False)
    kiosk.sync()
    assert hub.query("SELECT status, reason FROM hub_signup WHERE id = %s", (second,)) == [("confirmed", "promoted")]
    after_sync(second, "you moved up from the waiting list", cancel_offered=True)

    # The session moved: both pages say from when to when.
    starts = datetime.datetime.fromisoformat(str(hub.query("SELECT starts_at FROM event WHERE uid = %s", (uid,))[0][0]))
    session_change(staff, uid, action="move", date=(starts + datetime.timedelta(days=1)).date().isoformat(),
                   opens_at="10:30", closes_at="12:00", reason="venue")
    after_sync(second, "The session was moved from", "10:30", "The venue is not available", cancel_offered=True)

    # Another session cancelled by the ward.
    session_change(staff, other_uid, action="cancel", confirm="1", reason="weather")
    after_sync(elsewhere, "The session was cancelled.", "Because of the weather", cancel_offered=False)
