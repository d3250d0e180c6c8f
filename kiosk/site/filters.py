"""Kiosk-only template context: idle settings and the sync indicator."""
from flask import current_app

from . import status
from .session import sync_status


def init_app(app):
    status.init_app(app)

    @app.context_processor
    def _kiosk_context():
        return {"idle_seconds": current_app.config["IDLE_SECONDS"],
                "idle_countdown": current_app.config["IDLE_COUNTDOWN_SECONDS"],
                "host_idle_seconds": current_app.config["HOST_IDLE_SECONDS"],
                "sync_status": sync_status}
