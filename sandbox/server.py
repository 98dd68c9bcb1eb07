"""`SandboxServer`: the sandbox app on a real HTTP port, served from a background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import cast

from cheroot import wsgi

from sandbox.app import create_app
from sandbox.notify import NotificationDispatcher, Notifier
from sandbox.state import SandboxState

log = logging.getLogger(__name__)


class SandboxServer:
    """A local Gmail API v1 + Google OAuth stand-in; ``port=0`` picks a free port."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        notifier: Notifier | None = None,
        quota_units_per_second: float | None = 250.0,
        token_lifetime_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        keep_alive_seconds: float = 10.0,
    ) -> None:
        """``keep_alive_seconds``: how long an idle client connection stays open."""
        self.host = host
        self.port = port
        self.keep_alive_seconds = keep_alive_seconds
        self.notifications = NotificationDispatcher(notifier)
        self.state = SandboxState(
            quota_units_per_second=quota_units_per_second,
            token_lifetime_seconds=token_lifetime_seconds,
            notifications=self.notifications,
            clock=clock,
        )
        self.app = create_app(self.state)
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:8081 (only once started)."""
        if self._server is None:
            raise RuntimeError("The sandbox server is not running: call start() first.")
        return f"http://{self.host}:{self._server.bind_addr[1]}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since the server started (a client that keeps its
        connection alive opens one, not one per request)."""
        return int(self._server.stats["Accepts"]) if self._server is not None else 0

    def start(self) -> SandboxServer:
        """Bind the port and serve from a background thread; returns self."""
        if self._server is not None:
            return self
        # Like Google's front ends, and unlike werkzeug's development server, it keeps
        # connections alive between requests, so clients that reuse theirs are served that way.
        # cheroot's stub types the timeout as int; it is a socket timeout, so seconds as float.
        idle_timeout = cast(int, self.keep_alive_seconds)
        self._server = wsgi.Server(
            (self.host, self.port), self.app, numthreads=16, timeout=idle_timeout
        )
        self._server.stats["Enabled"] = True  # counts accepted connections
        self._server.prepare()  # binds, so that `url` knows the port
        self.notifications.start()
        self._thread = threading.Thread(target=self._server.serve, name="sandbox-http", daemon=True)
        self._thread.start()
        log.info("sandbox serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and finish queued notifications."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.notifications.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
