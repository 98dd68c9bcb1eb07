"""Webhook counters (prometheus_client), served at `GET /metrics`, and the health endpoints.

`/metrics` is not public: it answers only a scrape with ``Authorization: Bearer <METRICS_TOKEN>``
(401 otherwise), and 404 when no token is configured. `/healthz` and `/readyz` stay open for the
platform's probes; they tell nothing about the users.

Under gunicorn each worker process counts on its own. Set PROMETHEUS_MULTIPROC_DIR to an empty,
writable directory before gunicorn starts: prometheus_client then keeps the counters in files
there, and `/metrics` adds up every process's values, whichever process answers the scrape.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, abort, current_app, jsonify, request
from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess

# name -> help text; each is exposed as applytrack_push_<name>_total
PUSH_COUNTERS = {
    "received": "Push requests received on /pubsub/gmail.",
    "verified": "Pushes whose credentials were accepted.",
    "rejected": "Pushes refused for missing, invalid or foreign credentials.",
    "malformed": "Pushes whose body was not a valid Gmail notification.",
    "unknown_mailbox": "Notifications for a mailbox we do not sync (dropped with 204).",
    "published": "mailbox-changed messages published to the internal queue.",
    "publish_failed": "Pushes answered 503 because the internal queue refused the message.",
    "unavailable": "Pushes answered 503 because a dependency (certificates, database) failed.",
}

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class PushMetrics:
    """The webhook's counters, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters = {
            name: Counter(f"applytrack_push_{name}", help_text, registry=self.registry)
            for name, help_text in PUSH_COUNTERS.items()
        }

    def count(self, name: str) -> None:
        """Add one to the counter ``name``."""
        self._counters[name].inc()

    def value(self, name: str) -> int:
        """This process's value of the counter ``name``."""
        sample = self.registry.get_sample_value(f"applytrack_push_{name}_total")
        return int(sample or 0)

    def render(self, *, multiprocess_dir: str | None = None) -> str:
        """The counters in Prometheus' text format; summed over processes given the shared dir."""
        if multiprocess_dir is None:
            return generate_latest(self.registry).decode()
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined, path=multiprocess_dir)
        return generate_latest(combined).decode()


def init_app(app: Flask) -> None:
    """Register `GET /metrics`, `GET /healthz` (alive) and `GET /readyz` (dependencies up)."""
    app.add_url_rule("/metrics", "metrics", _metrics)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.add_url_rule("/readyz", "readyz", _readyz)


def _metrics() -> Response:
    context = current_app.extensions["applytrack"]
    token: str | None = context.config.metrics_token
    if token is None:
        abort(404)
    if not _carries_bearer(request.headers.get("Authorization", ""), token):
        return Response(
            "Scraping /metrics needs the Authorization: Bearer token set in METRICS_TOKEN.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    metrics: PushMetrics = context.metrics
    text = metrics.render(multiprocess_dir=context.config.prometheus_multiproc_dir)
    return Response(text, content_type=PROMETHEUS_CONTENT_TYPE)


def _carries_bearer(authorization: str, token: str) -> bool:
    scheme, _, presented = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(errors="replace"), token.encode()
    )


def _healthz() -> Response:
    return Response("ok", mimetype="text/plain")


def _readyz() -> tuple[Response, int]:
    """200 when the database answers and the queue is reachable; 503 naming what is not."""
    context = current_app.extensions["applytrack"]
    problems = {}
    try:
        context.store.database.ping()
    except Exception as exc:
        problems["database"] = type(exc).__name__
    if context.publisher is None:
        problems["queue"] = "no publisher configured"
    else:
        try:
            context.publisher.check()
        except Exception as exc:
            problems["queue"] = str(exc)[:200]
    if problems:
        return jsonify({"ready": False, "problems": problems}), 503
    return jsonify({"ready": True}), 200
