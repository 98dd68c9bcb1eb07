#!/usr/bin/env python3
"""Run a process that serves no HTTP (worker, scheduler) and answer health checks on $PORT.

A Cloud Run service instance counts as started only once something listens on $PORT, so
`with-health-port applytrack worker` serves `200 ok` there while it runs the command. SIGTERM
and SIGINT go to the command (the worker finishes its message in hand); when the command ends,
so does this process, with the command's exit status, and Cloud Run starts a new instance.
Standard library only: it is copied into the image as /usr/local/bin/with-health-port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE = "usage: with-health-port COMMAND [ARG...]  (listens on $PORT, default 8080)"


class HealthHandler(BaseHTTPRequestHandler):
    """Answers every GET with 200: the process is up as long as this server is."""

    def do_GET(self) -> None:
        """Say the process is alive."""
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep probes out of the logs."""


def port_from(environ: dict[str, str]) -> int:
    """The port to listen on: $PORT, or 8080 as on Cloud Run."""
    raw = environ.get("PORT", "8080")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"PORT is {raw!r}; it must be a TCP port number (1-65535).")
    return int(raw)


def start_health_server(port: int) -> ThreadingHTTPServer:
    """Serve health checks on all interfaces in a background thread."""
    server = ThreadingHTTPServer(("0.0.0.0", port), HealthHandler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server


def exit_status(returncode: int) -> int:
    """A child's return code as a shell would report it (128 + signal for a signal)."""
    return 128 - returncode if returncode < 0 else returncode


def main(argv: Sequence[str]) -> int:
    """Run ``argv`` with a health server beside it; return its exit status."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2 if not argv else 0
    try:
        server = start_health_server(port_from(dict(os.environ)))
    except (ValueError, OSError) as exc:
        print(f"with-health-port: cannot listen for health checks: {exc}", file=sys.stderr)
        return 1
    try:
        child = subprocess.Popen(list(argv))
    except OSError as exc:
        server.shutdown()
        print(f"with-health-port: cannot start {argv[0]!r}: {exc}", file=sys.stderr)
        return 127
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: child.send_signal(received))
    returncode = child.wait()
    server.shutdown()
    return exit_status(returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
