"""Which requests kiosk.web.replay may answer, and under what key: a failure names the rule."""
import flask

from kiosk.web.replay import Replay
from kiosk.web.sessions import CheckedOnceSessions


def middleware():
    app = flask.Flask("replay-keys")
    app.secret_key = "unit"
    app.session_interface = CheckedOnceSessions()
    return Replay(app, "/nonexistent/never-opened.db"), app.session_interface


def environ(cookie=None, **extra):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/en/", "QUERY_STRING": "", "SCRIPT_NAME": "",
           "wsgi.url_scheme": "http", "HTTP_HOST": "kiosk.local"}
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    env.update(extra)
    return env


def test_a_new_visitor_and_a_checked_visitor_with_preferences_only():
    replay, sessions = middleware()
    assert replay._visitor(environ()) == (None, None)
    assert replay._visitor(environ("other=1")) == (None, None)
    sessions.remember("abc.def", {"csrf_token": "t", "visit": "v", "size": 2})
    data, cookie = replay._visitor(environ("other=1; session=abc.def"))
    assert data == {"csrf_token": "t", "visit": "v", "size": 2} and cookie == "abc.def"


def test_a_cookie_never_checked_two_session_cookies_or_a_quoted_one_go_to_flask():
    replay, sessions = middleware()
    sessions.remember("abc.def", {"csrf_token": "t"})
    assert replay._visitor(environ("session=forged.value")) is None
    assert replay._visitor(environ("session=abc.def; session=abc.def")) is None
    assert replay._visitor(environ('session="abc.def"')) is None
    assert replay._visitor(environ("session=")) is None


def test_a_session_holding_more_than_ids_and_preferences_goes_to_flask():
    replay, sessions = middleware()
    for extra in ({"staff_token": "x"}, {"draft_owner": "o"}, {"_flashes": []}, {"lang": "en"}, {"repeat": "u"}):
        sessions.remember("k.v", {"csrf_token": "t", **extra})
        assert replay._visitor(environ("session=k.v")) is None, extra


def test_the_key_holds_the_preferences_and_the_headers_a_page_depends_on():
    replay, _ = middleware()
    base = replay._key(environ(), {"csrf_token": "a", "visit": "x"})
    assert replay._key(environ(), {"csrf_token": "b", "visit": "y"}) == base      # ids fill holes
    assert replay._key(environ(), {"csrf_token": "a", "size": 2}) != base
    assert replay._key(environ(), {"csrf_token": "a", "furigana": "1"}) != base
    assert replay._key(environ(), None) != base                                     # a new visitor
    assert replay._key(environ(HTTP_HX_REQUEST="true"), {}) != replay._key(environ(), {})
    assert replay._key(environ(HTTP_HOST="other"), {}) != replay._key(environ(), {})
    assert replay._key(environ(QUERY_STRING="page=2"), {}) != replay._key(environ(), {})
    assert replay._key(environ(HTTP_USER_AGENT="x"), {}) == replay._key(environ(), {})
