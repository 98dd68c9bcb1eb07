"""`applytrack corrections export FILE`: the emails people corrected, as labelled examples.

One JSON line per corrected email, with its latest label: ``{id, from, subject, date, body,
label, shape}``, the format `applytrack eval` and `applytrack train --include-corrections` read.
Metadata only: the body is always empty (we never store one), so each line is subject-only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from applytrack.settings import Settings
from applytrack.wiring import store_from_settings
from storage import LabelledExample

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``corrections`` command and its ``export`` subcommand."""
    parser = subparsers.add_parser("corrections", help="the emails people corrected")
    commands = parser.add_subparsers(dest="corrections_command", required=True)
    export = commands.add_parser(
        "export", help="write every corrected email as a labelled example (JSON lines)"
    )
    export.add_argument("file", type=Path, help="where to write the JSONL ('-' for stdout)")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Write the labelled examples to ``args.file``; print how many."""
    store = store_from_settings(Settings.from_env(os.environ))
    try:
        examples = store.labelled_examples()
    except SQLAlchemyError as exc:
        logger.error("cannot read the corrections: %s", exc)
        return 1
    finally:
        store.database.dispose()
    lines = "".join(
        json.dumps(record, ensure_ascii=False) + "\n" for record in as_records(examples)
    )
    if str(args.file) == "-":
        print(lines, end="")
        return 0
    try:
        args.file.write_text(lines, encoding="utf-8")
    except OSError as exc:
        logger.error("cannot write %s: %s", args.file, exc)
        return 1
    print(f"wrote {len(examples)} corrected email(s) to {args.file}")
    return 0


def as_records(examples: Iterable[LabelledExample]) -> list[dict[str, str]]:
    """The examples as the training kit's JSON records."""
    return [
        {
            "id": example.id,
            "from": example.sender,
            "subject": example.subject,
            "date": example.date.isoformat(),
            "body": "",
            "label": example.label.value,
            "shape": "subject_only",
        }
        for example in examples
    ]
