"""The classifier's input and output records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.decision import MailboxContext

LABELS = ("applied", "interviewing", "offer", "rejected", "none")
JOB_LABELS = ("applied", "interviewing", "offer", "rejected")


@dataclass(frozen=True)
class Email:
    """One email as the classifier sees it: headers that matter, the plain-text body, and what
    the mailbox knows around it (``context``; optional)."""

    sender: str
    subject: str
    body: str = ""
    to: str = ""
    date: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    context: MailboxContext | None = None


@dataclass(frozen=True)
class Classification:
    """What an email means for a job application, how sure we are, and why.

    ``uncertain`` is set when a job label was given to an email the model found likelier to be
    ordinary mail (it has job evidence, so it is never filed as ordinary mail silently): the
    caller must send it to review whatever its threshold. ``explanation`` is a sentence for a
    person; ``reasons`` the raw rule and model features behind it.
    """

    label: str
    confidence: float
    company: str | None
    role: str | None
    reasons: tuple[str, ...]
    explanation: str = ""
    language: str = "en"
    uncertain: bool = False

    @property
    def is_job_label(self) -> bool:
        """True when the label is about the user's own application (not `none`)."""
        return self.label in JOB_LABELS

    def needs_review(self, threshold: float) -> bool:
        """True when a person should confirm the label before it changes an application."""
        return self.is_job_label and (self.uncertain or self.confidence < threshold)
