"""Run the sandbox alone: python -m sandbox --port 8081 [--push-endpoint URL | --pubsub]."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import UTC, datetime

from sandbox.notify import Notifier, PubSubNotifier, PushNotifier
from sandbox.seed import demo_messages
from sandbox.server import SandboxServer


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Local Gmail API v1 + Google OAuth stand-in."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--push-endpoint",
        metavar="URL",
        help="POST Pub/Sub push envelopes for watched mailboxes to URL",
    )
    target.add_argument(
        "--pubsub",
        action="store_true",
        help="publish watch notifications with google-cloud-pubsub "
        "(set PUBSUB_EMULATOR_HOST to use the emulator)",
    )
    parser.add_argument(
        "--quota",
        type=float,
        default=250.0,
        metavar="UNITS",
        help="per-mailbox quota units per second (0 switches quota off)",
    )
    parser.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS")
    parser.add_argument(
        "--seed-demo", metavar="EMAIL", help="create this mailbox with the demo's 30 days of email"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the server and serve until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    notifier: Notifier | None = None
    if args.push_endpoint:
        notifier = PushNotifier(args.push_endpoint)
    elif args.pubsub:
        notifier = PubSubNotifier()
    server = SandboxServer(
        args.host,
        args.port,
        notifier=notifier,
        quota_units_per_second=args.quota or None,
        token_lifetime_seconds=args.token_lifetime,
    )
    try:
        server.start()
    except OSError as exc:
        sys.stderr.write(f"Cannot listen on {args.host}:{args.port}: {exc}. Pick another --port.\n")
        return 2
    if args.seed_demo:
        summary = server.state.deliver_many(
            args.seed_demo, demo_messages(datetime.now(UTC), recipient=args.seed_demo)
        )
        sys.stdout.write(f"Seeded {args.seed_demo} with {summary['delivered']} messages.\n")
    sys.stdout.write(f"Sandbox Gmail + OAuth serving at {server.url} (Ctrl-C to stop)\n")
    sys.stdout.flush()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
