"""A local stand-in for the Gmail API v1 and Google OAuth 2.0, for the demo and the tests.

Only `applytrack.cli`/`applytrack.demo` and `tests/` import it; production code never does.
"""

from sandbox.app import create_app
from sandbox.notify import NotificationDispatcher, Notifier, PubSubNotifier, PushNotifier
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

__all__ = [
    "NotificationDispatcher",
    "Notifier",
    "PubSubNotifier",
    "PushNotifier",
    "SandboxServer",
    "SandboxState",
    "create_app",
]
