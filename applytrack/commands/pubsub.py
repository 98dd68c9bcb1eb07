"""`applytrack pubsub bootstrap` and `applytrack pubsub replay-dead-letters`."""

from __future__ import annotations

import argparse
import os

from applytrack.settings import pubsub_names_from_env, push_identity_from_env
from messaging.admin import bootstrap_pubsub, replay_dead_letters


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the pubsub subcommands."""
    pubsub = subparsers.add_parser("pubsub", help="manage the Pub/Sub topics and subscriptions")
    actions = pubsub.add_subparsers(dest="pubsub_command", required=True, metavar="ACTION")
    bootstrap = actions.add_parser("bootstrap", help="create topics and subscriptions (idempotent)")
    bootstrap.add_argument(
        "--push-endpoint", default=None, help="webhook URL for the Gmail push subscription"
    )
    bootstrap.set_defaults(func=run_bootstrap)
    replay = actions.add_parser(
        "replay-dead-letters", help="move dead-lettered mailbox-changed messages back to the queue"
    )
    replay.add_argument("--max-messages", type=int, default=1000)
    replay.set_defaults(func=run_replay)


def run_bootstrap(args: argparse.Namespace) -> int:
    """Create (or confirm) every Pub/Sub resource and say which were new."""
    results = bootstrap_pubsub(
        pubsub_names_from_env(os.environ),
        push_endpoint=args.push_endpoint,
        push_identity=push_identity_from_env(os.environ),
    )
    for result in results:
        state = "created" if result.created else "exists "
        print(f"{state}  {result.kind:<12}  {result.name}")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """Replay dead-lettered messages onto the internal topic."""
    moved = replay_dead_letters(pubsub_names_from_env(os.environ), max_messages=args.max_messages)
    print(f"replayed {moved} dead-lettered message(s)")
    return 0
