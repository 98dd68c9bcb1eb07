"""The web process's WSGI application: `gunicorn 'applytrack.wsgi:create_wsgi_app()'`."""

from __future__ import annotations

import os

from flask import Flask

from applytrack.logs import configure_logging
from applytrack.settings import Settings
from applytrack.web_wiring import build_web_app


def create_wsgi_app() -> Flask:
    """Entry point for gunicorn: settings from the environment, read here and only here, and the
    same scrubbed JSON log lines as the other processes."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    return build_web_app(settings)
