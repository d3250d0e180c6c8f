"""Staff change a recurring rule in place on the hub, on PostgreSQL and SQLite: the edit form
starts from the rule, a preview lists what the change does to the sessions over the hub's
horizon, a change that touches sign-ups asks for a confirmation that counts the people and the
sign-ups, and publishing does what was confirmed (sessions moved with notice, cancelled with
notice, or removed where nobody signed up) or stops when the sign-ups changed meanwhile. Also
the per-date tool's time change, and the changes of a draft and its history in words."""
import datetime
import re

import pytest

from kiosk import catalog_docs, clock
from kiosk.hub.catalog import rule_plan, schedules
from kiosk.hub.catalog import admin as catalog_admin
from kiosk.hub.intake import feed, ingest
from kiosk.models import CatalogDraft, Event, Feed, HubSignup
from kiosk.models.catalog import utcnow
from tests.integration.hub_helpers import editor_client as staff, demo_hub
from tests.records import family

TZ = "Asia/Tokyo"
SERVICE = "nihongo-kyoshitsu"    # two weekly rules: Tuesdays 10:00 and Thursdays 18:30
EDIT = f"/staff/catalog/{'service'}/{SERVICE}"


@pytest.fixture(params=["postgresql", "sqlite"])
def hub(request, tmp_path):
    with demo_hub(request.param, tmp_path, "editor", "editor-pass-123", tz=TZ) as app:
        yield app




def rule(byday="TU"):
    """The service's published rule on that weekday."""
    return next(s for s in catalog_docs.live_document("service", SERVICE)["schedules"] if s["byday"] == byday)


def sessions(uid):
    """The rule's sessions still to come, in date order."""
    return list(Event.select().where((Event.schedule_uid == uid) & (Event.starts_at > utcnow()))
                .order_by(Event.starts_at))


def local_day(event):
    return clock.ward_time(event.starts_at, TZ).date()


def form(r, **changes):
    """The rule form as the edit page sends it (by GET, to see the preview)."""
    args = {"preview": "1", "site": r["site"], "freq": r["freq"], "interval": str(r["interval"]),
            "byday": r["byday"].split(","), "monthly": "nth", "opens_at": r["opens_at"],
            "closes_at": r["closes_at"], "capacity": str(r["capacity"]), "valid_from": r["valid_from"],
            "valid_to": r["valid_to"] or "", "skip_holidays": "1" if r["skip_holidays"] else ""}
    args.update(changes)
    return args


def fingerprint(page):
    return re.search(r'name="plan" value="([0-9a-f]*)"', page).group(1)


def sign_up(event, adults=1, children=0):
    rec = dict(family(event.uid, adults, children), service=SERVICE)
    assert ingest.ingest("dev-x", [rec])[0]["result"] == "accepted"
    return rec["id"]


def last_seq():
    row = Feed.select().order_by(Feed.seq.desc()).first()
    return row.seq if row else 0


def test_a_rule_is_edited_in_place_from_a_prefilled_form(hub):
    c = staff(hub)
    r = rule()
    page = c.get(EDIT).get_data(as_text=True)
    assert f'href="{EDIT}/schedules/{r["uid"]}"' in page and f'href="{EDIT}/schedules/{r["uid"]}/remove"' in page
    page = c.get(f"{EDIT}/schedules/{r['uid']}").get_data(as_text=True)
    # The form starts from the rule as it is.
    assert 'name="opens_at" type="time" required value="10:00"' in page
    assert 'name="byday" value="TU" checked' in page and 'name="byday" value="TH">' in page
    assert f'<option value="{r["site"]}" selected>' in page
    before = last_seq()
    old = sessions(r["uid"])
    args = form(r, opens_at="13:00", closes_at="15:00", capacity="25")
    answer = c.get(f"{EDIT}/schedules/{r['uid']}", query_string=args)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f"Dates whose time or place changes: {len(old)}" in page and "Changed (nobody signed up)" in page
    assert 'name="confirm"' not in page          # nobody signed up: nothing to confirm
    assert fingerprint(page) == ""
    answer = c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args, data={"plan": ""})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#schedules")
    draft = catalog_admin.document("service", SERVICE)[0]
    assert [s["uid"] for s in draft["schedules"]] == [s["uid"] for s in catalog_docs.live_document(
        "service", SERVICE)["schedules"]]          # the same rule, changed in place
    changed = rule_plan.rules_by_uid(draft)[r["uid"]]
    assert changed["opens_at"] == "13:00" and changed["capacity"] == 25
    assert last_seq() == before and rule()["opens_at"] == "10:00"     # kiosks see nothing yet
    # The draft's changes in words: the rule before and after, not the field's key.
    page = c.get(EDIT).get_data(as_text=True)
    assert "Recurring sessions" in page and "Every week: Tuesday 10:00–12:00" in page
    assert "Every week: Tuesday 13:00–15:00" in page and "<strong>schedules</strong>" not in page
    assert c.post(f"{EDIT}/publish").status_code == 303
    after = sessions(r["uid"])
    assert [e.uid for e in after] == [e.uid for e in old]
    assert all(e.moved_from is None and e.capacity == 25 for e in after)
    assert [e.starts_at for e in after] == [schedules.as_utc(local_day(e), "13:00", TZ) for e in old]
    assert {("event", e.uid) for e in after} <= {(f.kind, f.key) for f in Feed.select().where(Feed.seq > before)}


def test_a_rule_form_with_bad_values_says_why_and_changes_nothing(hub):
    c = staff(hub)
    r = rule()
    for changes, words in (({"closes_at": "09:00"}, "The end must be after the start."),
                           ({"opens_at": "25:99"}, "Enter times as HH:MM."),
                           ({"byday": []}, "Choose at least one day."),
                           ({"site": "nowhere"}, "Choose a place."),
                           ({"valid_to": "2000-01-01"}, "The last date must be after the first."),
                           ({"valid_to": "2027-02-30"}, "The last date must be after the first."),
                           ({"valid_from": "soon"}, "Enter the first date."),
                           ({"interval": "0", "capacity": "lots", "bymonthday": "x"}, "Enter a number of seats")):
        answer = c.get(f"{EDIT}/schedules/{r['uid']}", query_string=form(r, **changes))
        assert answer.status_code == 422 and words in answer.get_data(as_text=True), changes
        answer = c.post(f"{EDIT}/schedules/{r['uid']}", query_string=form(r, **changes), data={"plan": ""})
        assert answer.status_code == 303 and "error=" in answer.headers["Location"]
    assert not CatalogDraft.select().exists()
    assert c.get(f"{EDIT}/schedules/no-such-rule").status_code == 404
    assert c.get("/staff/catalog/service/no-such-service/schedules/x").status_code == 404


def test_a_change_that_touches_sign_ups_counts_people_and_asks_to_confirm(hub):
    c = staff(hub)
    r = rule()
    old = sessions(r["uid"])
    sign_up(old[0], adults=2, children=1)              # a family of three, moved
    sign_up(old[-1])                                   # one person, whose date goes
    gone = HubSignup.get(HubSignup.id == sign_up(old[-1], adults=2))
    HubSignup.update(status="cancelled").where(HubSignup.id == gone.id).execute()   # no longer counted
    args = form(r, opens_at="13:00", closes_at="15:00", valid_to=local_day(old[-3]).isoformat())
    page = c.get(f"{EDIT}/schedules/{r['uid']}", query_string=args).get_data(as_text=True)
    assert "People affected: 4 (sign-ups: 2)" in page
    assert "Moved with notice. Sessions: 1, people: 3, sign-ups: 1." in page
    assert "Cancelled with notice. Sessions: 1, people: 1, sign-ups: 1." in page
    assert "Dates no longer held: 2" in page and "Removed (nobody signed up)" in page
    assert 'name="confirm"' in page
    plan = fingerprint(page)
    assert plan
    # Without the tick, or with a preview that is no longer true: back to the preview, no draft.
    answer = c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args, data={"plan": plan})
    assert answer.status_code == 303 and "error=confirm" in answer.headers["Location"]
    page = c.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Tick the box to confirm what happens to the people signed up." in page
    answer = c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args, data={"plan": "0" * 32, "confirm": "1"})
    assert answer.status_code == 303 and "error=changed" in answer.headers["Location"]
    assert not CatalogDraft.select().exists()
    answer = c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args, data={"plan": plan, "confirm": "1"})
    assert answer.status_code == 303
    draft = catalog_admin.document("service", SERVICE)[0]
    assert draft[rule_plan.CONFIRMED_KEY] == {r["uid"]: plan}
    page = c.get(EDIT).get_data(as_text=True)
    assert "Confirmed. People told: 4 (sign-ups: 2)." in page


def test_publishing_does_what_was_previewed(hub):
    c = staff(hub)
    r = rule()
    old = sessions(r["uid"])
    moved_id = sign_up(old[0], adults=2, children=1)
    cancelled_id = sign_up(old[-1])
    args = form(r, opens_at="13:00", closes_at="15:00", valid_to=local_day(old[-3]).isoformat())
    page = c.get(f"{EDIT}/schedules/{r['uid']}", query_string=args).get_data(as_text=True)
    assert c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args,
                  data={"plan": fingerprint(page), "confirm": "1"}).status_code == 303
    weeks = int(hub.config.get("SCHEDULE_WEEKS_AHEAD", 8))
    draft = catalog_admin.document("service", SERVICE)[0]
    plan = rule_plan.plan(r["uid"], r, rule_plan.rules_by_uid(draft)[r["uid"]], clock.ward_today(TZ), weeks, TZ,
                          utcnow())
    actions = {s.uid: s.action for s in plan.sessions}
    assert actions[old[0].uid] == "move" and actions[old[-1].uid] == "cancel" and actions[old[-2].uid] == "remove"
    assert set(actions.values()) == {"move", "update", "cancel", "remove"}
    before = last_seq()
    assert c.post(f"{EDIT}/publish").status_code == 303
    for s in plan.sessions:
        e = Event.get_or_none(Event.uid == s.uid)
        if s.action == "remove":
            assert e is None
            assert Feed.select().where((Feed.key == s.uid) & Feed.deleted & (Feed.seq > before)).exists()
            continue
        assert Feed.select().where((Feed.kind == "event") & (Feed.key == s.uid) & (Feed.seq > before)).exists()
        if s.action == "cancel":
            assert e.cancelled and e.change_reason == "schedule_changed"
        elif s.action == "move":
            # The same session (uid and seats), moved with notice as a move by hand is.
            assert (e.starts_at, e.ends_at) == (s.new_starts_at, s.new_ends_at)
            assert e.moved_from == s.starts_at and e.change_reason == "schedule_changed" and not e.cancelled
            data = feed.serialize("event", s.uid)
            assert data["moved_from"] and data["change_reason"] == "schedule_changed"
        else:
            assert (e.starts_at, e.ends_at) == (s.new_starts_at, s.new_ends_at) and e.moved_from is None
    assert plan.added == [] and len(sessions(r["uid"])) == len(old) - 1     # the cancelled one is kept
    assert HubSignup.get(HubSignup.id == moved_id).status == "confirmed"
    gone = HubSignup.get(HubSignup.id == cancelled_id)
    assert (gone.status, gone.reason) == ("cancelled", "event_cancelled")
    # The moved session stays as it is when the rule is published again.
    moved = Event.get(Event.uid == old[0].uid)
    catalog_admin.save_draft("service", SERVICE, catalog_docs.live_document("service", SERVICE), "editor")
    assert c.post(f"{EDIT}/publish").status_code == 303
    assert Event.get(Event.uid == old[0].uid).starts_at == moved.starts_at


def test_a_sign_up_after_the_confirmation_stops_the_publish_until_confirmed_again(hub):
    c = staff(hub)
    r = rule()
    old = sessions(r["uid"])
    sign_up(old[0])
    args = form(r, valid_to=local_day(old[-3]).isoformat())
    page = c.get(f"{EDIT}/schedules/{r['uid']}", query_string=args).get_data(as_text=True)
    assert "People affected" not in page      # the dates that go have no sign-up yet
    assert c.post(f"{EDIT}/schedules/{r['uid']}", query_string=args, data={"plan": ""}).status_code == 303
    late = sign_up(old[-1], adults=1, children=2)   # arrives after the preview
    before = last_seq()
    answer = c.post(f"{EDIT}/publish")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "Not published" in page
    assert "Not confirmed. People affected: 3 (sign-ups: 1)." in page
    assert last_seq() == before and not Event.get(Event.uid == old[-1].uid).cancelled
    assert CatalogDraft.select().exists() and rule()["valid_to"] is None
    link = f"/staff/catalog/service/{SERVICE}/schedules/{r['uid']}/confirm"
    assert f'href="{link}"' in page
    page = c.get(link).get_data(as_text=True)
    assert "Cancelled with notice. Sessions: 1, people: 3, sign-ups: 1." in page
    answer = c.post(link, data={"plan": fingerprint(page)})
    assert answer.status_code == 303 and "error=confirm" in answer.headers["Location"]
    assert c.post(link, data={"plan": fingerprint(page), "confirm": "1"}).status_code == 303
    assert c.post(f"{EDIT}/publish").status_code == 303
    e = Event.get(Event.uid == old[-1].uid)
    assert e.cancelled and e.change_reason == "schedule_changed"
    assert HubSignup.get(HubSignup.id == late).reason == "event_cancelled"
    assert Event.get_or_none(Event.uid == old[-2].uid) is None


def test_removing_a_rule_asks_first_and_says_who_is_affected(hub):
    c = staff(hub)
    r = rule("TH")
    old = sessions(r["uid"])
    signed = sign_up(old[1], adults=2)
    link = f"{EDIT}/schedules/{r['uid']}/remove"
    assert c.get(EDIT).status_code == 200
    page = c.get(link).get_data(as_text=True)
    assert f"Dates no longer held: {len(old)}" in page and "People affected: 2 (sign-ups: 1)" in page
    answer = c.post(link, data={"plan": fingerprint(page)})
    assert answer.status_code == 303 and "error=confirm" in answer.headers["Location"]
    assert not CatalogDraft.select().exists()
    assert c.post(link, data={"plan": fingerprint(page), "confirm": "1"}).status_code == 303
    assert [s["uid"] for s in catalog_admin.document("service", SERVICE)[0]["schedules"]] == [rule("TU")["uid"]]
    assert c.post(f"{EDIT}/publish").status_code == 303
    left = list(Event.select().where(Event.schedule_uid == r["uid"]).where(Event.starts_at > utcnow()))
    assert [(e.uid, e.cancelled, e.change_reason) for e in left] == [(old[1].uid, True, "schedule_changed")]
    assert HubSignup.get(HubSignup.id == signed).status == "cancelled"


def test_the_per_date_tool_changes_the_time_or_moves_to_another_day(hub):
    c = staff(hub)
    event = sessions(rule()["uid"])[0]
    day = local_day(event)
    page = c.get(f"/staff/catalog/sessions/{event.uid}").get_data(as_text=True)
    assert "Change the time on the same day" in page and "Move to another day" in page
    # Both forms start from the session's date and times.
    assert page.count('name="opens_at" required value="10:00"') == 2
    assert page.count('name="closes_at" required value="12:00"') == 2
    assert f'name="date" required value="{day.isoformat()}"' in page
    answer = c.post(f"/staff/catalog/sessions/{event.uid}",
                    data={"action": "retime", "opens_at": "10:30", "closes_at": "12:30", "reason": "venue"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("done=retime")
    assert "The time is changed." in c.get(answer.headers["Location"]).get_data(as_text=True)
    moved = Event.get(Event.uid == event.uid)
    assert moved.starts_at == schedules.as_utc(day, "10:30", TZ) and moved.moved_from == event.starts_at
    answer = c.post(f"/staff/catalog/sessions/{event.uid}",
                    data={"action": "move", "date": (day + datetime.timedelta(days=1)).isoformat(),
                          "opens_at": "10:30", "closes_at": "12:30", "reason": "venue"})
    assert answer.headers["Location"].endswith("done=move")
    answer = c.post(f"/staff/catalog/sessions/{event.uid}",
                    data={"action": "retime", "opens_at": "12:00", "closes_at": "11:00", "reason": "venue"})
    assert answer.status_code == 422 and "The end must be after the start." in answer.get_data(as_text=True)


def test_a_drafts_text_changes_are_named_in_words(hub):
    c = staff(hub)
    doc = catalog_docs.live_document("service", SERVICE)
    doc["text"]["en"]["schedule"] = "Tuesdays and Thursdays, changed"
    doc["free"] = not doc["free"]
    catalog_admin.save_draft("service", SERVICE, doc, "editor")
    page = c.get(EDIT).get_data(as_text=True)
    assert "Schedule notes (English)" in page and "text.en.schedule" not in page
    assert "Tuesdays and Thursdays, changed" in page and "Free of charge" in page
    assert c.post(f"{EDIT}/publish").status_code == 303
    page = c.get(f"{EDIT}/history").get_data(as_text=True)
    assert "Schedule notes (English)" in page and "text.en.schedule" not in page
