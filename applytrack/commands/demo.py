"""`applytrack demo`: the whole product on embedded defaults, in one process."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the demo subcommand."""
    demo = subparsers.add_parser(
        "demo", help="run everything locally against the Gmail sandbox (starts fresh each time)"
    )
    demo.add_argument("--port", type=int, default=8080, help="dashboard and webhook port")
    demo.add_argument("--sandbox-port", type=int, default=8081, help="Gmail sandbox port")
    demo.add_argument(
        "--state-dir", type=Path, default=Path(".applytrack/demo"), help="the demo's state folder"
    )
    demo.add_argument("--interval", type=float, default=8.0, help="seconds between new demo emails")
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Prepare, start, deliver follow-up emails, and stop cleanly on Ctrl-C."""
    from applytrack.demo import Demo, DemoOptions

    def say(line: str) -> None:
        print(f"[demo] {line}", flush=True)

    demo = Demo(
        DemoOptions(
            state_dir=args.state_dir.resolve(),
            port=args.port,
            sandbox_port=args.sandbox_port,
            interval_seconds=args.interval,
        ),
        say,
    )
    try:  # Ctrl-C while starting stops what has started, too
        demo.start()
        say("Press Ctrl-C to stop.")
        demo.deliver_followups()
    except KeyboardInterrupt:
        say("Stopping…")
    finally:
        demo.stop()
        say("Stopped cleanly.")
    return 0
