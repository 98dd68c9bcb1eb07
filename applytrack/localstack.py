"""The whole pipeline on one machine, against the Gmail sandbox: used by the demo, the end-to-end
tests and the benchmarks, so all three run exactly the same wiring.

With ``queue_backend="pubsub"`` the sandbox publishes Gmail notifications to the Pub/Sub topic and a
push subscription delivers them to the webhook (Google's emulator, via PUBSUB_EMULATOR_HOST); with
``"inprocess"`` the sandbox posts the same push envelope to the webhook itself and the
internal queue is in-process.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, make_server

from applytrack.scheduler_wiring import build_scheduler
from applytrack.settings import Settings
from applytrack.web_wiring import receiver_config
from applytrack.wiring import store_from_settings
from applytrack.worker_wiring import build_worker
from messaging import MailboxChanged, Publisher, Subscriber
from messaging.admin import PubSubNames, bootstrap_pubsub
from messaging.inprocess import InProcessQueue
from messaging.pubsub import PubSubPublisher, PubSubSubscriber
from processors import Worker
from receiver import create_app
from sandbox import PubSubNotifier, PushNotifier, SandboxServer
from storage import Store, Tier

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StackOptions:
    """Where the local stack keeps its state and listens."""

    state_dir: Path
    queue_backend: str = "inprocess"
    host: str = "127.0.0.1"
    web_port: int = 0
    sandbox_port: int = 0
    pubsub_project: str = "applytrack-local"
    worker_id: str = "local-worker"
    scheduler: bool = False
    settings_overrides: dict[str, object] = field(default_factory=dict)


@dataclass
class LocalStack:
    """Handles on every running part."""

    settings: Settings
    store: Store
    sandbox: SandboxServer
    publisher: Publisher
    subscriber: Subscriber
    worker: Worker
    web: BaseWSGIServer
    web_url: str
    threads: list[threading.Thread] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def connect_mailbox(
        self,
        user_email: str,
        gmail_address: str,
        *,
        premium: bool = True,
        display_name: str | None = None,
    ) -> tuple[int, int]:
        """Create a user, grant the sandbox mailbox to it, and queue the initial sync."""
        grant = self.sandbox.state.grant(gmail_address)
        user_id = self.store.create_user(user_email, display_name=display_name)
        mailbox_id = self.store.connect_mailbox(
            user_id,
            gmail_address,
            tier=Tier.PREMIUM if premium else Tier.FREE,
            refresh_token=grant["refresh_token"],
        )
        self.publisher.publish(MailboxChanged(mailbox_id, None, "initial"))
        return user_id, mailbox_id

    def stop(self) -> None:
        """Stop the worker, the scheduler and both servers."""
        self.stop_event.set()
        self.worker.stop()
        self.web.shutdown()
        for thread in self.threads:
            thread.join(timeout=30)
        for close in self._closers:
            close()
        self.sandbox.stop()


def start_local_stack(options: StackOptions) -> LocalStack:
    """Start sandbox, database, queue, webhook and dashboard, worker (and scheduler)."""
    push_token = secrets.token_urlsafe(24)
    web = make_server(options.host, options.web_port, _not_ready, threaded=True)  # app set below
    web_url = f"http://{options.host}:{web.server_port}"
    push_endpoint = f"{web_url}/pubsub/gmail?token={push_token}"
    pubsub = options.queue_backend == "pubsub"
    notifier = PubSubNotifier() if pubsub else PushNotifier(push_endpoint)
    sandbox = SandboxServer(host=options.host, port=options.sandbox_port, notifier=notifier)
    try:
        sandbox.start()
        return _start_on(options, web, web_url, push_endpoint, push_token, sandbox)
    except BaseException:  # Ctrl-C while starting too: the sandbox's threads would keep us alive
        sandbox.stop()
        web.server_close()
        raise


def _start_on(
    options: StackOptions,
    web: BaseWSGIServer,
    web_url: str,
    push_endpoint: str,
    push_token: str,
    sandbox: SandboxServer,
) -> LocalStack:
    """The rest of `start_local_stack`, once the web socket and the sandbox are up."""
    settings = Settings.embedded(
        options.state_dir,
        queue_backend=options.queue_backend,
        pubsub=PubSubNames(project=options.pubsub_project),
        gmail_api_endpoint=sandbox.url,
        oauth_auth_uri=f"{sandbox.url}/o/oauth2/auth",
        oauth_token_uri=f"{sandbox.url}/token",
        oauth_revoke_uri=f"{sandbox.url}/revoke",
        push_shared_token=push_token,
        **options.settings_overrides,
    )
    store = store_from_settings(settings)
    store.database.upgrade()
    publisher, subscriber, closers = _queue(settings, push_endpoint)
    web.app = create_app(receiver_config(settings), store=store, publisher=publisher)
    worker = build_worker(settings, subscriber=subscriber, store=store, worker=options.worker_id)
    stack = LocalStack(settings, store, sandbox, publisher, subscriber, worker, web, web_url)
    stack._closers.extend(closers)
    _spawn(stack, "web", web.serve_forever)
    _spawn(stack, "worker", worker.run)
    if options.scheduler:
        scheduler = build_scheduler(settings, publisher=publisher, store=store)
        _spawn(stack, "scheduler", lambda: scheduler.run(stack.stop_event, tick_seconds=30))
    return stack


def _queue(
    settings: Settings, push_endpoint: str
) -> tuple[Publisher, Subscriber, list[Callable[[], None]]]:
    if settings.queue_backend == "inprocess":
        local = InProcessQueue(retry_delay_seconds=0.5)
        return local, local, []
    names = settings.pubsub
    bootstrap_pubsub(names, push_endpoint=push_endpoint)
    publisher = PubSubPublisher(names.project, names.internal_topic)
    subscriber = PubSubSubscriber(names.project, names.internal_subscription, hand_back=publisher)
    return publisher, subscriber, [publisher.close, subscriber.close]


def _not_ready(environ: dict[str, object], start_response: StartResponse) -> list[bytes]:
    """The web server's app until the real one is built (nothing is served before that)."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _spawn(stack: LocalStack, name: str, target: Callable[[], object]) -> None:
    thread = threading.Thread(target=target, name=f"local-{name}", daemon=True)
    thread.start()
    stack.threads.append(thread)
