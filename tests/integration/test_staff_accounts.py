"""Staff accounts on PostgreSQL and SQLite: a password change ends the account's other sessions;
common passwords and the user name are refused on every screen and by `create-staff`; the
security log stays readable under a flood of refused requests."""
import datetime
import os
import subprocess
import sys
import uuid

import pytest

from kiosk.hub.desk import staff_auth
from kiosk.models import Device, SecurityEvent, StaffSession, StaffUser
from kiosk.models.catalog import utcnow
from tests.conftest import ROOT
from tests.integration.hub_helpers import hub_app, in_db, login


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with hub_app(request.param, tmp_path) as app:
        app.config.update(STAFF_LOGIN_RATE="1000 per minute")
        from kiosk.db import database
        with app.app_context(), database.connection_context():
            staff_auth.set_password("admin", "admin-pass-123")
            staff_auth.set_password("desk-one", "desk-pass-123", role="desk", desks=["nerries"])
        yield app


def sessions_of(app, username):
    return in_db(app, lambda: StaffSession.select().join(StaffUser).where(StaffUser.username == username).count())


def test_a_password_change_ends_the_other_sessions(hub):
    here, elsewhere = login(hub, "desk-one", "desk-pass-123"), login(hub, "desk-one", "desk-pass-123")
    assert elsewhere.get("/staff/").status_code == 200 and sessions_of(hub, "desk-one") == 2
    changed = here.post("/staff/password", data={"current": "desk-pass-123", "new": "Kotori-Sakuradai-7",
                                                 "again": "Kotori-Sakuradai-7"})
    assert changed.status_code == 200
    assert elsewhere.get("/staff/").status_code == 302           # the other session ended
    assert "signed out on every other device" in changed.get_data(as_text=True)
    assert here.get("/staff/").status_code == 200                # this one goes on
    assert sessions_of(hub, "desk-one") == 1
    assert hub.test_client().post("/staff/login", data={"username": "desk-one", "password": "desk-pass-123"}).status_code == 401
    # An administrator who sets a new password for someone ends that person's sessions too.
    admin = login(hub, "admin", "admin-pass-123")
    saved = admin.post("/staff/accounts", data={"username": "desk-one", "role": "desk", "desks": ["nerries"],
                                                "password": "Reset-by-admin-42"})
    assert saved.status_code == 303 and here.get("/staff/").status_code == 302
    assert admin.get("/staff/").status_code == 200


WEAK = [("1234567890", "most common"), ("Sakura2024", "most common"), ("ＰＡＳＳＷＯＲＤ１２３", "most common"),
        ("qwertyuiop", "most common"), ("short", "at least 10 characters")]


def test_common_passwords_and_the_user_name_are_refused_on_the_screens(hub):
    assert len(staff_auth.common_passwords()) >= 1000
    admin = login(hub, "admin", "admin-pass-123")
    for password, why in WEAK + [("new-desk-person", "same as the user name"), ("NEW-DESK-PERSON", "same as the user name")]:
        r = admin.post("/staff/accounts", data={"username": "new-desk-person", "role": "desk", "password": password})
        assert r.status_code == 422 and why in r.get_data(as_text=True), password
    assert in_db(hub, lambda: StaffUser.select().where(StaffUser.username == "new-desk-person").count()) == 0
    me = login(hub, "desk-one", "desk-pass-123")
    for password, why in WEAK:
        r = me.post("/staff/password", data={"current": "desk-pass-123", "new": password, "again": password})
        assert r.status_code == 422 and why in r.get_data(as_text=True), password
    assert me.get("/staff/").status_code == 200                  # nothing changed, still signed in


def create_staff(tmp_path, username, password):
    env = dict(os.environ, KIOSK_ROLE="hub", KIOSK_DATABASE_URL=f"sqlite:///{tmp_path}/cli-hub.db",
               KIOSK_SECRET_KEY="test-secret")
    return subprocess.run([sys.executable, "-m", "kiosk", "create-staff", username, "--password", password],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_create_staff_refuses_weak_passwords_with_a_clear_error(tmp_path):
    common = create_staff(tmp_path, "admin", "1234567890")
    assert common.returncode != 0 and "one of the most common passwords" in common.stderr
    same = create_staff(tmp_path, "ward-admin-1", "ward-admin-1")
    assert same.returncode != 0 and "must not be the user name" in same.stderr
    short = create_staff(tmp_path, "admin", "short")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    good = create_staff(tmp_path, "admin", "Hikarigaoka-Plaza-9")
    assert good.returncode == 0 and "staff user admin ready" in good.stdout


def test_the_security_log_summarises_a_flood_and_keeps_real_events_in_view(hub):
    """A flood of refused requests from one address (a new made-up kiosk id each time) is a
    few lines of counts; a refusal of one of the ward's own kiosks, older than the flood, is
    still on the screen."""
    kiosk = str(uuid.uuid4())
    folded = "count" in SecurityEvent._meta.fields       # repeats may be folded into one row

    def plant():
        Device.create(device_id=kiosk, name="plaza tablet", site_slug="plaza-nerima", secret="s")
        SecurityEvent.create(device_id=kiosk, reason="clock_skew", address="10.20.30.40",
                             at=utcnow() - datetime.timedelta(hours=3))
        SecurityEvent.create(device_id=str(uuid.uuid4()), reason="bad_signature", address="10.9.9.9",
                             at=utcnow() - datetime.timedelta(days=3))
        now = utcnow()
        for i in range(300):
            SecurityEvent.create(device_id=str(uuid.uuid4()), reason="unknown_device", address="198.51.100.99",
                                 at=now - datetime.timedelta(seconds=i))
        if folded:   # one row that stands for 4,700 repeats
            SecurityEvent.create(device_id="?", reason="unknown_device", address="198.51.100.99", count=4700)
    in_db(hub, plant)
    page = login(hub, "admin", "admin-pass-123").get("/staff/audit").get_data(as_text=True)
    security = page.split("Refused kiosk requests")[1]
    assert kiosk in security and "clock_skew" in security and "10.20.30.40" in security
    flood = "5000" if folded else "300"
    reason_row = security.split("<code>unknown_device</code>")[1].split("</tr>")[0]
    assert f"<td>{flood}</td><td>{flood}</td>" in reason_row          # last day, last 7 days
    signature_row = security.split("<code>bad_signature</code>")[1].split("</tr>")[0]
    assert "<td>0</td><td>1</td>" in signature_row
    address_row = security.split("<td>198.51.100.99</td>")[1].split("</tr>")[0]
    assert f"<td>{flood}</td>" in address_row
    assert security.count("<tr>") < 60                                 # capped, whatever the flood
