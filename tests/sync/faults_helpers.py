"""Helpers shared by the fault and privacy tests."""
import itertools

import httpx

from tests.helpers import csrf_token


def point_at(kiosk, url):
    kiosk.query("UPDATE kiosk_state SET value = ? WHERE key = 'hub_url'", (url,))


_PHONES = itertools.count(1)


def signup_via_http(base, uid, name, phone=None):
    """A visitor's sign-up through the real form; True when the kiosk confirmed it. Each visitor
    has her own phone number (the kiosk shows the first sign-up again for the same number), from
    a counter: numbers derived from the name could collide and turn a sign-up into a repeat."""
    phone = phone or f"090-2222-{next(_PHONES) % 10000:04d}"
    with httpx.Client(base_url=base, timeout=10) as c:
        page = c.get(f"/ja/signup/event/{uid}").text
        token = csrf_token(page)
        r = c.post(f"/ja/signup/event/{uid}", data={
            "csrf_token": token, "name": name, "phone": phone, "age_band": "65-74",
            "consent": "y"})
        return r.status_code == 303


def assert_exactly_once(hub, kiosk_ids):
    rows = hub.query("SELECT id FROM hub_signup")
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    assert set(kiosk_ids) <= set(ids)
