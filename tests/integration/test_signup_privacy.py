"""The visitor's sign-up screens: a repeat sign-up reveals nothing of the earlier one, a shared
landline still lets a household sign up, and the confirmation reads back what was asked."""
import re

from kiosk.models import Event, Service, ServiceSite, Signup, Site, Translation

NEUTRAL = ("A sign-up with this phone number already exists for this session. If it is yours, "
           "your reference code is on your slip, or the desk can read it to you.")


def text(resp):
    return resp.get_data(as_text=True)


def _event(slug=None, capacity=10):
    query = Event.select().join(Service).where(Event.capacity > 0, Event.cancelled == False)  # noqa: E712
    if slug:
        query = query.where(Service.slug == slug)
    ev = query.first()
    Event.update(capacity=capacity, seats_taken=0).where(Event.id == ev.id).execute()
    return Event.get_by_id(ev.id)


def _seats_left(app, ev):
    from kiosk.site.seats import local_seats_left
    with app.app_context():
        return local_seats_left(Event.get_by_id(ev.id))


def _sign_up(client, ev, **fields):
    form = {"name": "Sato Hanako", "phone": "03-1234-5678", "consent": "y", "age_band": "65-74"}
    form.update(fields)
    return client.post(f"/en/signup/event/{ev.uid}", data=form)


def test_a_household_on_one_landline_makes_two_signups_that_do_not_see_each_other(app, db_conn):
    ev = _event()
    before = _seats_left(app, ev)
    alice, bob = app.test_client(), app.test_client()
    assert _sign_up(alice, ev, name="Sato Hanako").status_code == 303
    alice_page = text(alice.get("/en/signup/done"))
    assert _sign_up(bob, ev, name="Sato Taro", phone="03 1234 5678").status_code == 303
    bob_page = text(bob.get("/en/signup/done"))
    rows = {s.name: s.ref_code for s in Signup.select().where(Signup.event_uid == ev.uid)}
    assert set(rows) == {"Sato Hanako", "Sato Taro"}
    assert _seats_left(app, ev) == before - 2
    assert rows["Sato Hanako"] in alice_page and "Sato Hanako" in alice_page
    assert rows["Sato Taro"] in bob_page and "Sato Taro" in bob_page
    assert rows["Sato Hanako"] not in bob_page and "Sato Hanako" not in bob_page
    assert rows["Sato Taro"] not in alice_page and "Sato Taro" not in alice_page


def test_the_same_person_again_gets_a_neutral_message_and_nothing_of_the_first(app, client, db_conn):
    ev = _event()
    assert _sign_up(client, ev).status_code == 303
    first = Signup.get()
    stranger = app.test_client()
    # The same name typed another way: full width, other case, extra spaces.
    again = _sign_up(stranger, ev, name="  ＳＡＴＯ   hanako ", phone="０３１２３４５６７８")
    assert again.status_code == 303 and again.location.endswith("/en/signup/repeat")   # no POST in history
    page = text(stranger.get(again.location))
    assert NEUTRAL in page
    assert first.ref_code not in page and "Sato Hanako" not in page
    assert first.ref_code.replace("-", "") not in page
    assert "/status/" not in page and "<svg" not in page.split("<main", 1)[-1]
    assert Signup.select().count() == 1
    # Nothing to find afterwards either: the stranger has no confirmation of it in her session.
    assert first.ref_code not in text(stranger.get("/en/signup/done"))


def test_a_double_tap_still_shows_the_visitor_her_own_confirmation(client, db_conn):
    ev = _event()
    page = text(client.get(f"/en/signup/event/{ev.uid}"))
    sid = re.search(r'name="submission"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="submission"', page)
    form = {"submission": sid.group(1)}
    assert _sign_up(client, ev, **form).status_code == 303
    assert _sign_up(client, ev, **form).status_code == 303
    assert Signup.select().count() == 1
    done = text(client.get("/en/signup/done"))
    assert Signup.get().ref_code in done and NEUTRAL not in done


def test_the_confirmation_reads_back_party_and_place_before_finish(client, db_conn):
    ev = _event("kodomo-shokudo")
    form = {"name": "Li Wei", "phone": "090-1111-2222", "consent": "y", "adults": "2", "children": "3"}
    assert client.post(f"/zh/signup/event/{ev.uid}", data=form).status_code == 303
    page = text(client.get("/zh/signup/done"))
    main = page.split("<main", 1)[1]
    assert re.search(r"class=\"party-count\">[^<]*2[^<]*3", main)
    site = Site.get_by_id(ev.site_id)
    shown = re.sub(r"<[^>]+>", "", main)      # an address's numbers are kept on one line by a span
    for field in ("name", "address"):
        zh = Translation.get(owner="site", owner_id=site.id, field=field, language="zh").text
        assert zh in shown
    # The Japanese block for the counter comes before the Finish button.
    finish = re.search(r'<a class="btn primary big" href="([^"]+)"', main)
    assert main.index('class="block takeaway"') < finish.start()


def test_the_callback_confirmation_reads_back_language_and_time(client, db_conn):
    svc = Service.get(Service.category == "consultation")
    form = {"name": "Tran", "phone": "090-1111-2222", "consent": "y", "preferred_language": "ko",
            "preferred_time": "afternoon"}
    assert client.post(f"/en/signup/callback/{svc.slug}", data=form).status_code == 303
    page = text(client.get("/en/signup/done"))
    assert "Language for the call" in page and "한국어" in page
    assert "Best time to call" in page and "Afternoon (13:00–17:00)" in page
    sites = list(Site.select().join(ServiceSite).where(ServiceSite.service == svc))
    for s in sites:
        assert Translation.get(owner="site", owner_id=s.id, field="name", language="en").text in page


def test_phone_fields_bring_up_the_phone_keypad(client, db_conn):
    ev = _event()
    svc = Service.get(Service.category == "consultation")
    for url in (f"/en/signup/event/{ev.uid}", f"/en/signup/callback/{svc.slug}"):
        tag = re.search(r"<input[^>]*id=\"phone\"[^>]*>", text(client.get(url))).group(0)
        assert 'type="tel"' in tag and 'inputmode="tel"' in tag


def test_a_long_name_is_not_cut_but_refused_next_to_the_field_as_typed(client, db_conn):
    ev = _event()
    page = text(client.get(f"/en/signup/event/{ev.uid}"))
    assert "maxlength" not in page, "the browser would cut a long name off silently"
    long_name = "Hanako " * 20 + "End"
    r = _sign_up(client, ev, name=long_name)
    assert r.status_code == 303 and Signup.select().count() == 0
    body = text(client.get(r.location))
    assert 'id="name-err"' in body and "Please shorten this to 100 characters." in body
    assert f'value="{long_name.strip()}"' in body


def test_the_home_screen_has_a_check_my_signup_tile(client):
    body = text(client.get("/en/"))
    tile = re.search(r'<a class="tile[^"]*" href="([^"]+)">\s*<span[^>]*>[^<]*</span>\s*'
                     r'<span class="tile-label">Check my sign-up</span>', body)
    assert tile and tile.group(1) == "/en/status"
    assert client.get(tile.group(1)).status_code == 200
