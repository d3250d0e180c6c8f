"""Helpers for host-mode tests: a session today on the hub and its tile on the host's Today screen,
a host's HTTP client, an attendance record as a host's tablet sends it, and the hub's attendance
report."""
import datetime
import uuid
import zoneinfo

import httpx

from tests.e2e.journey import card
from tests.helpers import csrf_token, staff_login
from tests.sync.conftest import bound, run_cli


def today_event(hub, site="cafe-toyotama", service="machikado-care-cafe", capacity=10):
    """Create a session starting within the hour at ``site`` on the hub and publish it."""
    from kiosk.hub.locks import write_lock
    from kiosk.models import Event, Service, Site
    from kiosk.hub.intake import feed
    uid = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    with bound(hub.db_url):
        with write_lock():
            Event.create(uid=uid, service=Service.get(Service.slug == service), site=Site.get(Site.slug == site),
                         starts_at=now + datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=2),
                         capacity=capacity)
            feed.append("event", uid)
    return uid


def own_session(page, uid, name="街かどケアカフェ"):
    """The tile of the session ``uid`` (today_event) on the host's Today screen, by its name and
    its link: the demo's own session of the same program may be today at the same café too."""
    return page.get_by_role("link", name=card(name)).and_(page.locator(f'[href$="/{uid}"]'))


def host_kiosk(make_kiosk, name="host", site="cafe-toyotama", pin="604817", env=None):
    kiosk = make_kiosk(name, env={"KIOSK_SITE_SLUG": site, **(env or {})})
    run_cli(kiosk.db_url, "kiosk", "set-host-pin", "--pin", pin, env=kiosk.env)
    return kiosk


class Host:
    """A host at a tablet: enters the PIN, taps counters; each call returns True when the screen
    confirmed the tap (the kiosk answered after committing it)."""

    def __init__(self, base, pin="604817", lang="ja"):
        self.http = httpx.Client(base_url=base, timeout=10)
        self.lang = lang
        page = self.http.get(f"/{lang}/host/").text
        self.token = csrf_token(page)
        r = self.http.post(f"/{lang}/host/", data={"csrf_token": self.token, "pin": pin})
        assert r.status_code == 303, r.text

    def post(self, path, **data):
        r = self.http.post(f"/{self.lang}/host/{path}", data={"csrf_token": self.token, **data})
        return r.status_code == 303

    def count(self, key, group, delta):
        return self.post(f"session/{key}/count", group=group, delta=str(delta))

    def checkin(self, key, ref, delta=1):
        return self.post(f"session/{key}/checkin", ref=ref, delta=str(delta))

    def close(self, key):
        """Close, through the confirmation step a host sees."""
        asked = self.http.post(f"/{self.lang}/host/session/{key}/close", data={"csrf_token": self.token},
                               follow_redirects=True)     # to the screen's confirmation (#confirm-close)
        assert asked.status_code == 200 and 'name="confirm"' in asked.text
        return self.post(f"session/{key}/close", confirm="1")

    def page(self, key):
        return self.http.get(f"/{self.lang}/host/session/{key}").text

    def done(self):
        self.http.close()


def attendance(session, kind, seq, group=None, delta=0, ref=None, site="cafe-toyotama"):
    """A host's tap at ``session`` today, as the tablet sends it to the hub."""
    return {"id": str(uuid.uuid4()), "type": "attendance", "session": session,
            "service": "machikado-care-cafe", "site": site,
            "date": datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo")).date().isoformat(),
            "kind": kind, "group": group, "delta": delta, "ref": ref, "text": None, "seq": seq,
            "created_at": "2026-11-22T01:00:00+00:00"}


def staff_csv(hub, month=None):
    """The hub's attendance CSV as a staff member downloads it: (raw bytes, rows as dicts)."""
    import csv
    import io
    month = month or datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%Y-%m")
    with httpx.Client(base_url=hub.url) as staff:
        staff_login(staff)
        raw = staff.get(f"/staff/reports/attendance.csv?month={month}").content
    text = raw.decode("utf-8-sig")
    return raw, list(csv.DictReader(io.StringIO(text)))
