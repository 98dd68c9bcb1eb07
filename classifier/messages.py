"""The classifier's input and output records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

LABELS = ("applied", "interviewing", "offer", "rejected", "none")
JOB_LABELS = ("applied", "interviewing", "offer", "rejected")


@dataclass(frozen=True)
class Email:
    """One email as the classifier sees it: headers that matter and the plain-text body."""

    sender: str
    subject: str
    body: str = ""
    to: str = ""
    date: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Classification:
    """What an email means for a job application, how sure we are, and why."""

    label: str
    confidence: float
    company: str | None
    role: str | None
    reasons: tuple[str, ...]

    @property
    def is_job_label(self) -> bool:
        """True when the label is about the user's own application (not `none`)."""
        return self.label in JOB_LABELS
