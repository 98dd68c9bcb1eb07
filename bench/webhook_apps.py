"""The two WSGI apps `bench/webhook.py` serves with gunicorn, side by side.

`verified_app()` is the real receiver (OIDC verification, mailbox lookup, publish to the in-process
queue); `bare_app()` is a Flask endpoint that reads the body and answers 204. Both are configured
by the benchmark through BENCH_* variables (this is benchmark wiring, not library code).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request

from applytrack.settings import Settings
from applytrack.web_wiring import build_web_app
from messaging.inprocess import InProcessQueue


def verified_app() -> Flask:
    """The receiver, verifying Google-style OIDC tokens against a local certs URL."""
    from applytrack.logs import configure_logging

    configure_logging("INFO")  # as `create_wsgi_app` does in production: a JSON line per push
    settings = Settings.embedded(
        Path(os.environ["BENCH_STATE_DIR"]),
        demo=False,
        push_audience=os.environ["BENCH_AUDIENCE"],
        push_service_account=os.environ["BENCH_SERVICE_ACCOUNT"],
        push_certs_url=os.environ["BENCH_CERTS_URL"],
    )
    return build_web_app(settings, publisher=InProcessQueue())


def bare_app() -> Flask:
    """The floor: a Flask endpoint that reads the JSON body and answers 204."""
    app = Flask("bare")

    @app.post("/pubsub/gmail")
    def receive() -> tuple[str, int]:
        request.get_json(silent=True)
        return "", 204

    return app
