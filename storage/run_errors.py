"""The short reason a sync run's error is kept as: what went wrong, never what it went wrong with.

An exception's text can carry a Gmail message id, a request URL with the mailbox's address in
it, or a header, and a sync run's error is kept for as long as the run and shown on the
Integrations page. So storage keeps either a plain sentence our code wrote for people ("No mail
found in the last 30 days — …") or a short reason read off the error ("gmail 404 notFound",
"quota exhausted", "database unavailable", "unexpected KeyError"), whoever the caller is.
"""

from __future__ import annotations

import re

MAX_SENTENCE_LENGTH = 160
GENERIC_REASON = "sync failed"

# A sentence for people has none of these: they mark URLs, addresses, reprs, headers, queries.
_NOT_IN_A_SENTENCE = frozenset("@/\\<>[]{}()\"'=&%#|`")
_ID_LIKE = re.compile(r"\w*\d\w*")  # a word with a digit: kept only if short ("30", "429")
_ID_LIKE_MAX_LENGTH = 4
_DOTTED = re.compile(r"\w\.\w")  # a domain, a file or a dotted path
_LONG_WORD_LENGTH = 24

_HTTP_STATUS = re.compile(r"\bHttpError (\d{3})\b")  # google-api-python-client's error text
_GOOGLE_REASON = re.compile(r"""['"]reason['"]\s*:\s*['"]([A-Za-z]{1,40})['"]""")
_QUOTA_STATUS = "429"
_QUOTA_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)
_QUOTA_SIGNS = re.compile(r"rateLimitExceeded|quotaExceeded|quota exceeded", re.IGNORECASE)
_DATABASE_SIGNS = re.compile(
    r"OperationalError|InterfaceError|DisconnectionError|psycopg|sqlite3|"
    r"could not connect to server|database is locked",
    re.IGNORECASE,
)
_NETWORK_SIGNS = re.compile(
    r"ConnectionError|ConnectionRefused|ConnectionReset|ServerNotFoundError|SSLError|"
    r"RemoteDisconnected|TimeoutError|timed out",
    re.IGNORECASE,
)
_ERROR_NAME = re.compile(
    r"\b([A-Z][A-Za-z]{1,60}(?:Error|Exception|Revoked|Expired|Gone|Lost|Busy|Interrupted))\b"
)
_GMAIL_ERROR_REASONS = {
    "TokenRevoked": "gmail token revoked",
    "HistoryExpired": "gmail history expired",
    "MessageGone": "gmail message gone",
}


def run_error_reason(error: str | None) -> str | None:
    """What a sync run keeps of ``error``: a plain sentence as it is, anything else shortened to
    a reason with no message id, URL, address or error text in it (None stays None)."""
    if error is None or not error.strip():
        return None
    text = " ".join(error.split())
    if _is_plain_sentence(text):
        return text
    return _reason_from_error_text(text)


def _is_plain_sentence(text: str) -> bool:
    if len(text) > MAX_SENTENCE_LENGTH or _NOT_IN_A_SENTENCE.intersection(text):
        return False
    if _DOTTED.search(text):
        return False
    if any(len(word) > _ID_LIKE_MAX_LENGTH for word in _ID_LIKE.findall(text)):
        return False
    return all(len(word) <= _LONG_WORD_LENGTH for word in text.split())


def _reason_from_error_text(text: str) -> str:
    status = _HTTP_STATUS.search(text)
    google_reason = _GOOGLE_REASON.search(text)
    reason = google_reason.group(1) if google_reason else None
    if status is not None:
        if status.group(1) == _QUOTA_STATUS or reason in _QUOTA_REASONS:
            return "quota exhausted"
        return f"gmail {status.group(1)} {reason}" if reason else f"gmail {status.group(1)}"
    if _QUOTA_SIGNS.search(text):
        return "quota exhausted"
    if _DATABASE_SIGNS.search(text):
        return "database unavailable"
    if _NETWORK_SIGNS.search(text):
        return "connection failed"
    name = _ERROR_NAME.search(text)
    if name is not None:
        return _GMAIL_ERROR_REASONS.get(name.group(1), f"unexpected {name.group(1)}")
    return GENERIC_REASON
