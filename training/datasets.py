"""The labelled data sets and the ordinary-mail corpus that training and evaluation read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from classifier.messages import LABELS, Email
from classifier.sources import BadRecord, email_from_record, email_from_rfc822

DATA_DIR = Path(__file__).resolve().parent / "data"
# Files of a SpamAssassin corpus directory that are not messages.
_NOT_MESSAGES = frozenset({"LICENSE", "NOTICE", "README.md", "cmds"})


@dataclass(frozen=True)
class LabelledEmail:
    """An email with its expected label (a corpus or evaluation record)."""

    id: str
    email: Email
    label: str


def read_labelled_jsonl(path: Path) -> list[LabelledEmail]:
    """Read a labelled JSONL dataset, raising `BadRecord` naming the line of any bad record."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                email_ = email_from_record(record)
            except (ValueError, BadRecord) as exc:
                raise BadRecord(f"{path}:{number}: {exc}") from None
            label = record.get("label")
            if label not in LABELS:
                raise BadRecord(
                    f"{path}:{number}: label {label!r} is not one of {', '.join(LABELS)}"
                )
            records.append(LabelledEmail(str(record.get("id", number)), email_, label))
    return records


def ham_files(directory: Path) -> list[Path]:
    """The message files of a SpamAssassin-style directory tree (one RFC 822 file each), sorted."""
    return sorted(
        path for path in directory.rglob("*") if path.is_file() and path.name not in _NOT_MESSAGES
    )


def read_ham_dir(directory: Path) -> Iterator[Email]:
    """Yield every message of a SpamAssassin-style directory tree (one RFC 822 file each)."""
    for path in ham_files(directory):
        yield email_from_rfc822(path.read_bytes())
