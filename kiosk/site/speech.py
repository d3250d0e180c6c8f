"""Read-aloud on the kiosk: the reading of Japanese text (the furigana's) and, for a language
the tablet has no voice for, a WAV made here by espeak-ng (kiosk.web.speech). Nothing is sent
off the site. Making sound costs the kiosk's processor, so it is limited per address."""
from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..web import speech

bp = Blueprint("speech", __name__)
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


@bp.post("/<lang:lang>/speech/reading")
def reading(lang):
    """Japanese texts as said, from the furigana's readings (JSON in, JSON out)."""
    return speech.readings_response()


@bp.post("/<lang:lang>/speech/audio")
@limiter.limit(lambda: current_app.config["SPEECH_AUDIO_RATE"])
def audio(lang):
    """One sentence of the screen as a WAV in the screen's language, made by espeak-ng."""
    return speech.audio_response()


@bp.errorhandler(429)
def _too_many(exc):
    """Over the rate: a plain answer in the visitor's language (the page shows it)."""
    response = jsonify(error=_("Please wait a moment before reading aloud again."))
    response.status_code = 429
    response.headers["Retry-After"] = "60"
    return response
