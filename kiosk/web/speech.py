"""Read-aloud: what a screen's text sounds like, made on the site and never sent anywhere.

The browser reads a screen aloud with the tablet's own voices (static/js/speech.js). Two things
it asks the server for, both answered here from this machine alone:

- the reading of Japanese text, from the same source as the furigana (kiosk.web.furigana: staff
  corrections, the lexicon, the analyser), so a kanji word is said as the furigana writes it,
  not guessed a second time by the voice;
- on a kiosk, a WAV made by espeak-ng (Debian's package, a subprocess) for a language the tablet
  has no voice for. Each language's espeak-ng voice is its `espeak` entry under [[LANGUAGES]].
"""
import json
import shutil
import struct
import subprocess
import unicodedata

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from .. import boundary
from . import furigana
from .i18n import language

ESPEAK = "espeak-ng"
ESPEAK_SPEED = 130          # words a minute; espeak-ng's own default (175) is fast for older listeners
ESPEAK_TIMEOUT_SECONDS = 20
MAX_TEXTS = 60              # blocks of one screen asked for at once


class BadText(ValueError):
    """Text a visitor's page cannot have sent: the message says why, in her language."""


def spoken_japanese(text, corrections=()):
    """``text`` with each word with kanji replaced by its reading (hiragana), as the furigana
    shows it; numbers, kana and Latin letters stay as written, for the voice to say."""
    if not furigana._KANJI.search(text):
        return text
    return "".join(reading if reading and furigana._KANJI.search(piece) else piece
                   for piece, reading in furigana.segments(text, corrections))


def clean(text, limit):
    """One piece of screen text, checked: a string, no control characters, at most ``limit``
    characters, not empty. Raises BadText."""
    if not isinstance(text, str):
        raise BadText(_("There is no text to read aloud."))
    if boundary.text_problem(text):
        raise BadText(_("This text cannot be read aloud."))
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not text:
        raise BadText(_("There is no text to read aloud."))
    if len(text) > limit:
        raise BadText(_("This text is too long to read aloud at once."))
    return text


def texts_from_request(limit):
    """The list of texts in a JSON body {"texts": [...]}; raises BadText."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        body = None
    texts = body.get("texts") if isinstance(body, dict) else None
    if not isinstance(texts, list) or not texts:
        raise BadText(_("There is no text to read aloud."))
    if len(texts) > MAX_TEXTS:
        raise BadText(_("This text is too long to read aloud at once."))
    return [clean(t, limit) for t in texts]


def readings_response():
    """POST {"texts": [...]} -> {"texts": [...]}: each Japanese text as said (spoken_japanese)."""
    try:
        texts = texts_from_request(current_app.config["SPEECH_MAX_CHARS"] * 4)
    except BadText as exc:
        return jsonify(error=str(exc)), 400
    fixes = furigana.corrections()
    return jsonify(texts=[spoken_japanese(t, fixes) for t in texts])


def espeak_voice(code):
    """The espeak-ng voice for a visitor language code, or None."""
    lang = language(code)
    return lang.get("espeak") if lang else None


def available():
    """Is espeak-ng installed on this machine?"""
    return shutil.which(ESPEAK) is not None


def wav(text, voice, speed=ESPEAK_SPEED):
    """A WAV file (bytes) of ``text`` said by espeak-ng's ``voice``. espeak-ng writes a stream
    whose header holds no sizes (it cannot seek a pipe); they are filled in here so every player
    and `soxi` knows the length."""
    done = subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "--stdout", "--", text],
                          capture_output=True, timeout=ESPEAK_TIMEOUT_SECONDS, check=True)
    data = bytearray(done.stdout)
    if len(data) < 44 or data[:4] != b"RIFF" or data[36:40] != b"data":
        raise RuntimeError("espeak-ng wrote no WAV")
    struct.pack_into("<I", data, 4, len(data) - 8)
    struct.pack_into("<I", data, 40, len(data) - 44)
    return bytes(data)


def audio_response():
    """POST {"text": "..."} to /<lang>/speech/audio -> audio/wav of the text in that language;
    a Japanese text is first turned into its reading (espeak-ng reads kana, not kanji)."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        body = None
    try:
        text = clean(body.get("text") if isinstance(body, dict) else None, current_app.config["SPEECH_MAX_CHARS"])
    except BadText as exc:
        return jsonify(error=str(exc)), 400
    voice = espeak_voice(g.lang)
    if not voice or not available():
        return jsonify(error=_("Reading aloud is not available in this language on this tablet.")), 404
    if voice == "ja":
        text = spoken_japanese(text, furigana.corrections())
    try:
        sound = wav(text, voice)
    except (OSError, subprocess.SubprocessError, RuntimeError):
        current_app.logger.warning("espeak-ng failed for voice %s", voice)   # never the text
        return jsonify(error=_("Reading aloud is not available in this language on this tablet.")), 503
    response = current_app.response_class(sound, mimetype="audio/wav")
    response.headers["Cache-Control"] = "no-store"
    return response
