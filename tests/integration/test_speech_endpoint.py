"""The kiosk's read-aloud endpoints (kiosk.web.speech): a WAV made by espeak-ng on the kiosk for
a language the tablet has no voice for, and the furigana's readings of Japanese text. Bad input
gets a 400 with a message in the visitor's language, never a 500; the audio is rate-limited and
needs the page's CSRF token like every POST."""
import json
import shutil
import subprocess

import pytest

from tests.conftest import make_app
from tests.helpers import csrf_token

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("soxi") is None,
                                reason="needs Debian's espeak-ng and sox (make test installs them)")


def post(client, path, body, **kw):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **kw)


def seconds(tmp_path, wav):
    path = tmp_path / "said.wav"
    path.write_bytes(wav)
    return float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("body, why", [
    (None, "There is no text to read aloud."),
    ("not json", "There is no text to read aloud."),
    ({"text": ""}, "There is no text to read aloud."),
    ({"text": "   \n "}, "There is no text to read aloud."),
    ({"text": 42}, "There is no text to read aloud."),
    ({"text": ["a"]}, "There is no text to read aloud."),
    ({"words": "hello"}, "There is no text to read aloud."),
    ({"text": "a" * 401}, "This text is too long to read aloud at once."),
    ({"text": "bell\x07"}, "This text cannot be read aloud."),
    ({"text": "half \ud800 pair"}, "This text cannot be read aloud."),
])
def test_bad_input_is_refused_with_a_message_never_a_500(client, body, why):
    answer = post(client, "/en/speech/audio", "" if body is None else body if isinstance(body, str) else
                  json.dumps(body, ensure_ascii=True))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": why}


def test_the_message_is_in_the_visitors_language(client):
    """The refusal is in the language of the URL (kiosk.web.i18n decides it, as for a page)."""
    answer = post(client, "/ja/speech/audio", {"text": ""})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "読み上げる文章がありません。"


@pytest.mark.parametrize("lang, text", [
    ("en", "You are signed up. Your reference code is on this screen."),
    ("zh", "您已报名。请记下您的参考编号。"),
    ("ko", "신청이 완료되었습니다. 참조 번호를 적어 두세요."),
    ("tl", "Naka-sign up ka na. Isulat ang iyong reference code."),
    ("ja", "練馬区役所で相談できます。"),
])
def test_a_wav_of_plausible_length_in_each_language(client, tmp_path, lang, text):
    answer = post(client, f"/{lang}/speech/audio", {"text": text})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "audio/wav"
    assert answer.headers["Cache-Control"] == "no-store"
    assert 0.5 < seconds(tmp_path, answer.data) < 60


def test_japanese_is_said_with_the_furiganas_reading(client):
    answer = post(client, "/ja/speech/reading", {"texts": ["練馬区役所", "10:00〜12:00", "カフェ"]})
    assert answer.status_code == 200
    said = answer.get_json()["texts"]
    assert said[0] == "ねりまくやくしょ"
    assert said[1:] == ["10:00〜12:00", "カフェ"]


@pytest.mark.parametrize("body", [None, {"texts": []}, {"texts": "練馬"}, {"texts": [1]},
                                  {"texts": ["あ"] * 61}, {"texts": ["練" * 1601]}])
def test_readings_refuse_bad_input(client, body):
    answer = post(client, "/ja/speech/reading", "" if body is None else body)
    assert answer.status_code == 400 and "error" in answer.get_json()


def test_no_espeak_on_the_machine_says_so(client, monkeypatch):
    from kiosk.web import speech
    monkeypatch.setattr(speech, "ESPEAK", "espeak-ng-not-installed")
    answer = post(client, "/en/speech/audio", {"text": "Hello"})
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "Reading aloud is not available in this language on this tablet."


def test_audio_needs_the_pages_csrf_token_and_is_rate_limited(demo_db):
    app = make_app(demo_db, WTF_CSRF_ENABLED=True, SPEECH_AUDIO_RATE="2 per minute")
    client = app.test_client()
    assert post(client, "/en/speech/audio", {"text": "Hello"}).status_code == 400   # no token
    token = csrf_token(client.get("/en/status").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    assert post(client, "/en/speech/audio", {"text": "Hello"}, headers=headers).status_code == 200
    assert post(client, "/en/speech/audio", {"text": "Hello"}, headers=headers).status_code == 200
    third = post(client, "/en/speech/audio", {"text": "Hello"}, headers=headers)
    assert third.status_code == 429
    assert third.get_json() == {"error": "Please wait a moment before reading aloud again."}
