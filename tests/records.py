"""Records as a kiosk sends them to the hub (kiosk/sync/openapi.json), for tests to change one
field at a time: a sign-up, a party's sign-up, a visitor's cancellation, an attendance tap."""
import secrets
import uuid

from kiosk.sync.contract import REF_ALPHABET


def ref():
    """A fresh reference code (ABCD-2345, the contract's alphabet)."""
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def signup(**changes):
    """A sign-up for a session, with ``changes`` applied."""
    rec = {"id": str(uuid.uuid4()), "type": "signup", "kind": "event", "ref_code": "ABCD-2345",
           "service": "machikado-care-cafe", "event": str(uuid.uuid4()), "language": "ja",
           "created_at": "2026-11-22T01:00:00+00:00",
           "person": {"name": "練馬 花子", "phone": "090-1111-2222", "note": "よろしく\nお願いします"}}
    rec.update(changes)
    return rec


def record(event_uid):
    """A sign-up for the session ``event_uid`` by "Auth Test" (a name no server log may hold)."""
    return {"id": str(uuid.uuid4()), "type": "signup", "kind": "event", "ref_code": "ABCD-2345",
            "service": "machikado-care-cafe", "event": event_uid, "language": "ja",
            "created_at": "2026-11-22T01:00:00+00:00",
            "person": {"name": "Auth Test", "phone": "090-1111-2222"}}


def family(uid, adults=1, children=0, phone="090-1111-2222"):
    """A party's sign-up for the session ``uid``, with its own reference code."""
    return signup(event=uid, ref_code=ref(), party={"adults": adults, "children": children},
                  person={"name": "家族", "phone": phone})


def cancel(ref_code, last4):
    """A visitor's cancellation of the sign-up ``ref_code``, proved by ``last4`` of her phone."""
    return {"id": str(uuid.uuid4()), "type": "cancel", "ref_code": ref_code, "phone_last4": last4,
            "created_at": "2026-11-22T03:00:00+00:00"}


def attendance(**changes):
    """A host's tap (a head count) at a session of the café in Toyotama, with ``changes`` applied."""
    rec = {"id": str(uuid.uuid4()), "type": "attendance", "session": str(uuid.uuid4()),
           "service": "machikado-care-cafe", "site": "cafe-toyotama", "date": "2026-11-22",
           "kind": "count", "group": "age_65_plus", "delta": 1, "ref": None, "text": None, "seq": 7,
           "created_at": "2026-11-22T01:00:00+00:00"}
    rec.update(changes)
    return rec


def demand_day(day="2026-11-20", counts=None, **changes):
    """A kiosk's counts of one day (what residents looked for), with ``changes`` applied."""
    rec = {"id": str(uuid.uuid4()), "type": "demand", "day": day, "created_at": "2026-11-21T00:10:00+00:00",
           "counts": counts if counts is not None else [
               {"kind": "search", "language": "en", "key": "none", "n": 2},
               {"kind": "word", "language": "en", "key": "food bank", "n": 2},
               {"kind": "need", "language": "ja", "key": "food", "n": 1}]}
    rec.update(changes)
    return rec
