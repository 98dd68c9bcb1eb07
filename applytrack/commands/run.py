"""`applytrack worker`, `applytrack scheduler` and `applytrack web`: the Procfile's processes."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time

from applytrack.queues import queue_from_settings
from applytrack.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the process subcommands."""
    worker = subparsers.add_parser("worker", help="consume mailbox-changed and sync mailboxes")
    worker.add_argument("--max-messages", type=int, default=None, help="stop after N messages")
    worker.add_argument(
        "--idle-timeout", type=float, default=None, help="stop after this many idle seconds"
    )
    worker.set_defaults(func=run_worker)
    scheduler = subparsers.add_parser("scheduler", help="enqueue polls and watch renewals")
    scheduler.add_argument("--once", action="store_true", help="run one tick and exit")
    scheduler.add_argument("--tick-seconds", type=float, default=15.0)
    scheduler.set_defaults(func=run_scheduler)
    sync = subparsers.add_parser(
        "sync", help="sync one mailbox now, in the foreground, with a progress bar"
    )
    sync.add_argument("mailbox_id", type=int, help="the mailbox's id")
    sync.add_argument(
        "--wait-for-lease",
        type=float,
        default=300.0,
        help="seconds to wait while another worker holds the mailbox (default 300)",
    )
    sync.set_defaults(func=run_sync)
    web = subparsers.add_parser("web", help="serve the webhook and dashboard (development server)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8080)
    web.set_defaults(func=run_web)


def _stop_on_sigterm(stop: callable) -> None:
    signal.signal(signal.SIGTERM, lambda signum, frame: stop())


def run_worker(args: argparse.Namespace) -> int:
    """Run a worker until SIGTERM (finishing the message in hand) or a burst limit."""
    from processors import build_worker

    settings = Settings.from_env(os.environ)
    _, subscriber = queue_from_settings(settings)
    worker = build_worker(settings, subscriber=subscriber)
    _stop_on_sigterm(worker.stop)
    worker.run(max_messages=args.max_messages, timeout=args.idle_timeout)
    return 0


def run_scheduler(args: argparse.Namespace) -> int:
    """Run the scheduler loop (or one tick)."""
    from processors import Schedule, Scheduler, store_from_settings

    settings = Settings.from_env(os.environ)
    publisher, _ = queue_from_settings(settings)
    scheduler = Scheduler(
        store_from_settings(settings),
        publisher,
        Schedule(
            free_poll_seconds=settings.free_poll_interval_seconds,
            premium_sweep_seconds=settings.premium_sweep_interval_seconds,
            watch_renew_before_seconds=settings.watch_renew_before_seconds,
        ),
    )
    if args.once:
        scheduler.run_once()
        return 0
    stop = threading.Event()
    _stop_on_sigterm(stop.set)
    scheduler.run(stop, tick_seconds=args.tick_seconds)
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Sync one mailbox in the foreground; waits for its lease if another worker holds it."""
    from applytrack.messaging import MailboxChanged
    from applytrack.progress import ProgressBar
    from classifier import load_classifier
    from processors import MailboxBusy, MailboxSyncer, store_from_settings
    from processors.worker import gmail_factory, sync_policy

    settings = Settings.from_env(os.environ)
    store = store_from_settings(settings)
    bar = ProgressBar(label=f"mailbox {args.mailbox_id}")
    syncer = MailboxSyncer(
        store,
        load_classifier(settings.classifier_model_path),
        gmail_factory(settings, store.database),
        sync_policy(settings),
        on_progress=bar.update,
    )
    deadline = time.monotonic() + args.wait_for_lease
    while True:
        try:
            result = syncer.handle(MailboxChanged(args.mailbox_id, None, "sync_now"))
            break
        except MailboxBusy:
            if time.monotonic() > deadline:
                print(f"mailbox {args.mailbox_id} is still being synced by another worker")
                return 1
            time.sleep(1.0)
    bar.close()
    print(
        f"mailbox {result.mailbox_id}: {result.messages_seen} new messages, "
        f"{result.events_written} status changes"
        + (" (resynced after an expired cursor)" if result.resynced else "")
        + (" (skipped: the mailbox is not active)" if result.skipped else "")
    )
    return 0


def run_web(args: argparse.Namespace) -> int:
    """Serve the receiver with Werkzeug (production uses gunicorn: see the Procfile)."""
    from applytrack.wsgi import build_app

    app = build_app(Settings.from_env(os.environ))
    app.run(host=args.host, port=args.port, threaded=True)
    return 0
