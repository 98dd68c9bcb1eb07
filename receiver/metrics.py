"""Webhook counters, served at `GET /metrics` in Prometheus' text format."""

from __future__ import annotations

import threading

from flask import Flask, Response, current_app, jsonify

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


class PushMetrics:
    """Thread-safe counters for one process (each gunicorn worker keeps its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(PUSH_COUNTERS, 0)

    def count(self, name: str) -> None:
        """Add one to the counter ``name``."""
        with self._lock:
            self._values[name] += 1

    def value(self, name: str) -> int:
        """The current value of the counter ``name``."""
        with self._lock:
            return self._values[name]

    def render(self) -> str:
        """The counters in Prometheus' text exposition format."""
        with self._lock:
            values = dict(self._values)
        lines: list[str] = []
        for name, help_text in PUSH_COUNTERS.items():
            metric = f"applytrack_push_{name}_total"
            lines += [
                f"# HELP {metric} {help_text}",
                f"# TYPE {metric} counter",
                f"{metric} {values[name]}",
            ]
        return "\n".join(lines) + "\n"


def init_app(app: Flask) -> None:
    """Register `GET /metrics`, `GET /healthz` (alive) and `GET /readyz` (dependencies up)."""
    app.add_url_rule("/metrics", "metrics", _metrics)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.add_url_rule("/readyz", "readyz", _readyz)


def _metrics() -> Response:
    metrics: PushMetrics = current_app.extensions["applytrack"].metrics
    return Response(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


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
