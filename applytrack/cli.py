"""The `applytrack` console script: one subcommand per process or tool."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from applytrack.commands import classify, corrections, db, demo, pubsub, run, user
from applytrack.logs import configure_logging
from applytrack.settings import SettingsError, log_options

COMMAND_MODULES = (demo, run, db, pubsub, classify, corrections, user)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="applytrack",
        description="ApplyTrack Sync: Gmail-driven job application tracking.",
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        type=str.upper,
        help="overrides LOG_LEVEL (default INFO)",
    )
    parser.add_argument(
        "--log-format", choices=("json", "text"), help="overrides LOG_FORMAT (default json)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, configure logging and run the chosen command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        level, line_format = log_options(os.environ)
        configure_logging(
            args.log_level or level, json_lines=(args.log_format or line_format) == "json"
        )
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"applytrack: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
