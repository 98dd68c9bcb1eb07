"""The labelled data sets and the ordinary-mail corpus that training and evaluation read."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from classifier.messages import LABELS, Email
from classifier.sources import BadRecord, email_from_record, email_from_rfc822

DATA_DIR = Path(__file__).resolve().parent / "data"
# Whole emails written for training in five languages (read; never evaluation).
MAIL_DIR = Path(__file__).resolve().parent / "mail"
# Written apart from the rules and the training mail, by writers who saw neither: only measured.
EVAL_DIR = Path(__file__).resolve().parent / "eval"
SNIPPET_CHARS = (120, 200)
FOOTER_LINES_PER_COPY = (1, 4)
_FOOTER_RULES = ("\n\n", "\n\n--\n", "\n\n" + "_" * 32 + "\n", "\n")
# Files of a SpamAssassin corpus directory that are not messages.
_NOT_MESSAGES = frozenset({"LICENSE", "NOTICE", "README.md", "cmds"})


@dataclass(frozen=True)
class LabelledEmail:
    """An email with its expected label (a corpus or evaluation record)."""

    id: str
    email: Email
    label: str
    language: str = "en"
    shape: str = "full"


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
            records.append(
                LabelledEmail(
                    str(record.get("id", number)),
                    email_,
                    label,
                    language=str(record.get("lang", "en")),
                    shape=str(record.get("shape", "full")),
                )
            )
    return records


def held_out(record: LabelledEmail, share: float, *, salt: str = "calibration") -> bool:
    """Whether a record falls in the held-out ``share`` (a stable hash of its id, not chance)."""
    digest = hashlib.sha256(f"{salt}:{record.id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def with_shapes(
    records: Sequence[LabelledEmail], *, subject_only: float, snippet: float, seed: int = 0
) -> list[LabelledEmail]:
    """The records plus, for some with a body, a subject-only copy and a snippet copy (the first
    120-200 characters, cut mid-word as Gmail's snippet is): about half of real job mail is read
    from its subject or its snippet alone."""
    rng = random.Random(seed)
    shaped = list(records)
    for record in records:
        body = record.email.body.strip()
        if not body:
            continue
        if rng.random() < subject_only:
            copy = replace(record.email, body="")
            shaped.append(
                replace(record, id=f"{record.id}~subject", email=copy, shape="subject_only")
            )
        if rng.random() < snippet and len(body) > SNIPPET_CHARS[1]:
            cut = " ".join(body.split())[: rng.randint(*SNIPPET_CHARS)]
            copy = replace(record.email, body=cut)
            shaped.append(replace(record, id=f"{record.id}~snippet", email=copy, shape="snippet"))
    return shaped


def with_subject_tags(
    records: Sequence[LabelledEmail],
    tags: Callable[[str], Sequence[str]],
    *,
    share: float,
    seed: int = 0,
) -> list[LabelledEmail]:
    """The records plus, for about ``share`` of them, a copy whose subject opens with one of its
    language's ``tags`` ("[EXTERNAL] ", "Reminder: "): a tag says nothing about what a mail is."""
    rng = random.Random(seed)

    def tagged(record: LabelledEmail) -> Email:
        return replace(
            record.email, subject=rng.choice(tags(record.language)) + record.email.subject
        )

    return [*records, *_copies(records, tagged, "tagged", share=share, rng=rng)]


def with_openings(
    records: Sequence[LabelledEmail],
    lines: Callable[[str], Sequence[str]],
    *,
    share: float,
    seed: int = 0,
) -> list[LabelledEmail]:
    """The records plus, for about ``share`` of those with a body, a copy whose body opens with
    one of its language's ``lines`` ("View this email in your browser"), which say nothing
    about what a mail is either."""
    rng = random.Random(seed)

    def opened(record: LabelledEmail) -> Email:
        return replace(
            record.email, body=f"{rng.choice(lines(record.language))}\n\n{record.email.body}"
        )

    bodied = [record for record in records if record.email.body.strip()]
    return [*records, *_copies(bodied, opened, "opened", share=share, rng=rng)]


def _copies(
    records: Sequence[LabelledEmail],
    change: Callable[[LabelledEmail], Email],
    name: str,
    *,
    share: float,
    rng: random.Random,
) -> list[LabelledEmail]:
    """Changed copies of about ``share`` of ``records``, their ids ending in ``~name``."""
    return [
        replace(record, id=f"{record.id}~{name}", email=change(record))
        for record in records
        if rng.random() < share
    ]


def with_footer(email: Email, lines: Sequence[str], rng: random.Random) -> Email:
    """``email`` with a footer of one to four of ``lines`` under its body, after a blank line or
    a rule: link bars, legal notices and "sent from" lines say nothing about what a mail is."""
    chosen = rng.sample(list(lines), min(len(lines), rng.randint(*FOOTER_LINES_PER_COPY)))
    return replace(email, body=email.body.rstrip() + rng.choice(_FOOTER_RULES) + "\n".join(chosen))


def ham_files(directory: Path) -> list[Path]:
    """The message files of a SpamAssassin-style directory tree (one RFC 822 file each), sorted."""
    return sorted(
        path for path in directory.rglob("*") if path.is_file() and path.name not in _NOT_MESSAGES
    )


def read_ham_dir(directory: Path) -> Iterator[Email]:
    """Yield every message of a SpamAssassin-style directory tree (one RFC 822 file each)."""
    for path in ham_files(directory):
        yield email_from_rfc822(path.read_bytes())
