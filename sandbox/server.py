"""`SandboxServer`: the sandbox app on a real HTTP port, served from a background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

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
    ) -> None:
        self.host = host
        self.port = port
        self.notifications = NotificationDispatcher(notifier)
        self.state = SandboxState(
            quota_units_per_second=quota_units_per_second,
            token_lifetime_seconds=token_lifetime_seconds,
            notifications=self.notifications,
            clock=clock,
        )
        self.app = create_app(self.state)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:8081 (only once started)."""
        if self._server is None:
            raise RuntimeError("The sandbox server is not running: call start() first.")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> SandboxServer:
        """Bind the port and serve from a background thread; returns self."""
        if self._server is not None:
            return self
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self.notifications.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-http", daemon=True
        )
        self._thread.start()
        log.info("sandbox serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and finish queued notifications."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
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
