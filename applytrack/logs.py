"""Structured logging: one JSON object per line, never a token, subject or sender.

Our own log calls name mailboxes and messages by id only. As a second line of defence every line
is scrubbed of anything shaped like a credential or an email address before it is written, and
the libraries that log requests, SQL parameters or payloads at DEBUG are held at WARNING.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType

_CONTEXT_FIELDS = ("mailbox_id", "message_id", "run_id", "worker_id", "outcome")

# Libraries whose DEBUG/INFO output carries URLs with tokens, SQL parameters or message payloads.
QUIET_LOGGERS = (
    "werkzeug",
    "urllib3",
    "requests",
    "googleapiclient",
    "google",
    "google_auth_httplib2",
    "oauthlib",
    "requests_oauthlib",
    "httplib2",
    "grpc",
    "sqlalchemy",
    "alembic",
    "spacy",
    "filelock",
    "asyncio",
)

REDACTED = "[redacted]"
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # key=value in a query string or a form body
    (
        re.compile(
            r"(?i)\b((?:access_|refresh_|id_)?token|code|code_verifier|client_secret|password)"
            r"=[^&\s\"']+"
        ),
        rf"\1={REDACTED}",
    ),
    # "key": "value" in JSON or a Python dict
    (
        re.compile(
            r"(?i)([\"'](?:access_token|refresh_token|id_token|token|client_secret|password)"
            r"[\"']\s*:\s*)[\"'][^\"']*[\"']"
        ),
        rf'\1"{REDACTED}"',
    ),
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {REDACTED}"),
    (re.compile(r"\bya29\.[A-Za-z0-9._-]+"), REDACTED),  # Google access tokens
    (re.compile(r"\b1//[A-Za-z0-9._-]+"), REDACTED),  # Google refresh tokens
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), REDACTED),  # addresses
)


def scrub(text: str) -> str:
    """``text`` with credentials and email addresses replaced by a marker."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one scrubbed JSON line with its context fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(_message(record)),
        }
        for name in _CONTEXT_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class ScrubbingTextFormatter(logging.Formatter):
    """Plain-text lines for a terminal, scrubbed like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as text, scrubbed."""
        return scrub(super().format(record))


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a bad format string must not lose the line
        return str(record.msg)


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Send logs to stderr, as JSON lines or as plain text; quiet the chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(
            ScrubbingTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        library = logging.getLogger(name)
        library.setLevel(logging.WARNING)
        library.handlers[:] = []  # their own handlers would bypass the JSON formatter
        library.propagate = True
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    logging.getLogger("applytrack").critical("uncaught exception", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("applytrack").error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
    )
