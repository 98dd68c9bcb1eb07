"""`applytrack pubsub bootstrap` and `applytrack pubsub replay-dead-letters`."""

from __future__ import annotations

import argparse
import os

from applytrack.settings import Settings, SettingsError


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


def pubsub_settings(environ: dict[str, str]) -> Settings:
    """Settings for the Pub/Sub tools: only the project and resource names are needed."""
    project = environ.get("PUBSUB_PROJECT") or environ.get("GOOGLE_CLOUD_PROJECT")
    if not project or len(project) < 6:
        raise SettingsError(
            "PUBSUB_PROJECT (or GOOGLE_CLOUD_PROJECT) is not set to a project id of at least 6 "
            "characters: the Pub/Sub tools need to know which project to use."
        )
    filled = {
        "DATABASE_URL": "sqlite://",
        "APPLYTRACK_ENCRYPTION_KEYS": "unused:" + "A" * 43 + "=",
        "APPLYTRACK_FINGERPRINT_KEY": "A" * 43 + "=",
        "APPLYTRACK_SECRET_KEY": "unused",
        "GOOGLE_OAUTH_CLIENT_ID": "unused",
        "GOOGLE_OAUTH_CLIENT_SECRET": "unused",
        "APPLYTRACK_QUEUE": "pubsub",
    }
    return Settings.from_env({**filled, **environ})


def run_bootstrap(args: argparse.Namespace) -> int:
    """Create (or confirm) every Pub/Sub resource and say which were new."""
    from applytrack.pubsub_admin import bootstrap_pubsub

    settings = pubsub_settings(dict(os.environ))
    for result in bootstrap_pubsub(settings, push_endpoint=args.push_endpoint):
        state = "created" if result.created else "exists "
        print(f"{state}  {result.kind:<12}  {result.name}")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """Replay dead-lettered messages onto the internal topic."""
    from applytrack.pubsub_admin import replay_dead_letters

    moved = replay_dead_letters(pubsub_settings(dict(os.environ)), max_messages=args.max_messages)
    print(f"replayed {moved} dead-lettered message(s)")
    return 0
