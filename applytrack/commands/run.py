"""`applytrack worker`, `applytrack scheduler` and `applytrack web`: the Procfile's processes."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from applytrack.progress import ProgressBar
from applytrack.settings import Settings
from applytrack.wiring import queue_from_settings, store_from_settings

if TYPE_CHECKING:
    from processors import SyncPhase, SyncProgress

# Each command imports its own process's wiring when it runs, so that a process loads only its
# own stack: the worker no Flask, the web process no spaCy.

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the process subcommands."""
    worker = subparsers.add_parser("worker", help="consume mailbox-changed and sync mailboxes")
    worker.add_argument("--max-messages", type=int, default=None, help="stop after N messages")
    worker.add_argument(
        "--idle-timeout", type=float, default=None, help="stop after this many idle seconds"
    )
    _add_metrics_port(worker)
    worker.set_defaults(func=run_worker)
    scheduler = subparsers.add_parser("scheduler", help="enqueue polls and watch renewals")
    scheduler.add_argument("--once", action="store_true", help="run one tick and exit")
    scheduler.add_argument("--tick-seconds", type=float, default=15.0)
    _add_metrics_port(scheduler)
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
    sync.add_argument(
        "--days",
        type=int,
        default=None,
        help="also scan the older mail back to this many days (31-90; resumes a running scan)",
    )
    sync.set_defaults(func=run_sync)
    web = subparsers.add_parser("web", help="serve the webhook and dashboard (development server)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8080)
    web.set_defaults(func=run_web)


def _add_metrics_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus metrics on this port (default: METRICS_PORT; 0 = off)",
    )


def _metrics_port(args: argparse.Namespace, settings: Settings) -> int:
    return settings.metrics_port if args.metrics_port is None else args.metrics_port


def _stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM (Cloud Run, docker stop) and SIGINT (Ctrl-C) both stop gracefully."""

    def on_signal(signum: int, frame: object) -> None:
        log.info("%s received: stopping after the work in hand", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def run_worker(args: argparse.Namespace) -> int:
    """Run a worker until SIGTERM (finishing the message in hand) or a burst limit."""
    from applytrack.worker_wiring import build_worker
    from classifier import load_classifier
    from processors.metrics import WorkerMetrics, serve_metrics

    settings = Settings.from_env(os.environ)
    # The classifier before the queue's clients: loading it briefly takes ~10 MB more than it
    # keeps, and that spike stays under the worker's peak only while the Pub/Sub client (~19 MB)
    # is not loaded yet (issue #15).
    classifier = load_classifier(settings.classifier_model_path)
    _, subscriber = queue_from_settings(settings)
    metrics = WorkerMetrics()
    worker = build_worker(settings, subscriber=subscriber, metrics=metrics, classifier=classifier)
    server = serve_metrics(metrics.registry, _metrics_port(args, settings))
    _stop_on_signals(worker.stop)
    # What is loaded by now (the classifier's vocabulary and matchers, the ORM, the clients) lives
    # as long as the worker: kept out of the cyclic collector's reach, a full collection no longer
    # walks those ~200,000 objects (70-80 ms each time, every few thousand emails).
    gc.freeze()
    try:
        handled = worker.run(max_messages=args.max_messages, timeout=args.idle_timeout)
    finally:
        if server is not None:
            server.stop()
        _close(subscriber)
    log.info("worker stopped after %s messages", handled)
    return 0


def _close(resource: object) -> None:
    close = getattr(resource, "close", None)
    if close is not None:
        close()


def run_scheduler(args: argparse.Namespace) -> int:
    """Run the scheduler loop (or one tick)."""
    from applytrack.scheduler_wiring import build_scheduler
    from processors.metrics import SchedulerMetrics, serve_metrics

    settings = Settings.from_env(os.environ)
    publisher, _ = queue_from_settings(settings)
    metrics = SchedulerMetrics()
    scheduler = build_scheduler(settings, publisher=publisher, metrics=metrics)
    if args.once:
        scheduler.run_once()
        return 0
    server = serve_metrics(metrics.registry, _metrics_port(args, settings))
    stop = threading.Event()
    _stop_on_signals(stop.set)
    try:
        scheduler.run(stop, tick_seconds=args.tick_seconds)
    finally:
        if server is not None:
            server.stop()
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Sync one mailbox in the foreground; waits for its lease if another worker holds it."""
    from applytrack.worker_wiring import build_syncer
    from messaging import MailboxChanged
    from processors import MailboxBusy

    settings = Settings.from_env(os.environ)
    if args.days is not None and not _deep_scan_requested(settings, args.mailbox_id, args.days):
        return 2
    bar = PhasedProgressBar(f"mailbox {args.mailbox_id}")
    syncer = build_syncer(settings, on_progress=bar.update)
    deadline = time.monotonic() + args.wait_for_lease
    while True:
        try:
            message = MailboxChanged(args.mailbox_id, None, "sync_now")
            result = syncer.handle(message, hand_over=False)
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


def _deep_scan_requested(settings: Settings, mailbox_id: int, days: int) -> bool:
    """Record a deeper scan of ``days`` days on the mailbox (a running one is resumed as it is);
    say why not and return False when it cannot be."""
    from receiver.integrations import DEEP_SCAN_DAYS, DEEP_SCAN_MIN_DAYS
    from storage import ChangeConflict, NotFound

    if not DEEP_SCAN_MIN_DAYS <= days <= DEEP_SCAN_DAYS:
        print(
            f"--days must be a whole number from {DEEP_SCAN_MIN_DAYS} to {DEEP_SCAN_DAYS} "
            "(the first sync reads the last 30)."
        )
        return False
    store = store_from_settings(settings)
    try:
        store.request_deep_scan(mailbox_id, days=days)
    except NotFound as error:
        print(error)
        return False
    except ChangeConflict as error:
        if error.field != "deep_scan":
            print(error)
            return False
        print("A deeper scan is already running on this mailbox: going on with it.")
    finally:
        store.database.dispose()
    return True


class PhasedProgressBar:
    """A progress bar per phase of a sync: a window sync shows its job mail first, then the rest."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._phase: SyncPhase | None = None
        self._bar: ProgressBar | None = None

    def update(self, progress: SyncProgress) -> None:
        """Draw ``progress``, starting a new line when the phase changes."""
        if self._bar is None or progress.phase != self._phase:
            self.close()
            self._phase = progress.phase
            phase = f" ({progress.phase.value.replace('_', ' ')})" if progress.phase else ""
            self._bar = ProgressBar(label=self._label + phase)
        self._bar.update(progress.processed, progress.total)

    def close(self) -> None:
        """Finish the current line."""
        if self._bar is not None:
            self._bar.close()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_web(args: argparse.Namespace) -> int:
    """Serve the receiver with Werkzeug (production uses gunicorn: see the Procfile)."""
    from applytrack.web_wiring import build_web_app

    app = build_web_app(Settings.from_env(os.environ))
    # The development server has no graceful stop of its own: SIGTERM ends it with exit code 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0
