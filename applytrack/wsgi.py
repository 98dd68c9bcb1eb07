"""The web process's WSGI application: `gunicorn 'applytrack.wsgi:create_wsgi_app()'`."""

from __future__ import annotations

import os

from flask import Flask

from applytrack.queues import queue_from_settings
from applytrack.settings import Settings


def build_app(settings: Settings) -> Flask:
    """The receiver app wired to the configured queue."""
    from receiver import create_app

    publisher, _ = queue_from_settings(settings)
    return create_app(settings, publisher=publisher)


def create_wsgi_app() -> Flask:
    """Entry point for gunicorn: settings from the environment, read here and only here."""
    return build_app(Settings.from_env(os.environ))
