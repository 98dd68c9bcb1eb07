"""Find the newest text of an email: above quoted history, forwarded headers and signature."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A reply header may be wrapped by the mail client, so "wrote:" can sit one line below "On ...".
_REPLY_HEADER = re.compile(r"^[ \t]*On\b[^\n]{0,300}(?:\n[^\n]{0,200})?\bwrote:[ \t]*$", re.M)
_ORIGINAL_MESSAGE = re.compile(r"^[ \t]*-{2,}\s*Original Message\s*-{2,}[ \t]*$", re.M | re.I)
_OUTLOOK_HEADER = re.compile(
    r"^[ \t]*(?:_{10,}\s*\n)?From:[^\n]*\n(?:[^\n]*\n){0,2}?[ \t]*Sent:", re.M
)
_FORWARD_MARKER = re.compile(
    r"^[ \t]*(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:"
    r"|-{2,}\s*Forwarded by[^\n]*)[ \t]*$",
    re.M | re.I,
)
_HEADER_LINE = re.compile(r"^[ \t]*(?:From|To|Cc|Date|Sent|Subject|Reply-To):[^\n]*$", re.I)
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|$)", re.M)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$", re.M)
_MOBILE_FOOTER = re.compile(r"^[ \t]*Sent from my [^\n]{0,40}$", re.M | re.I)
# Matched on lower-cased text after a newline: a leading literal "\n" lets the regex engine jump
# from line to line, where "^" with IGNORECASE made it try every character (most of its cost).
_SIGN_OFF = re.compile(
    r"\n[ \t]*(?:best(?: regards| wishes)?|kind regards|warm regards|warmly|regards|cheers|thanks"
    r"|thank you|many thanks|sincerely|all the best|talk soon|respectfully)[ \t]*[,!.]?[ \t]*$",
    re.M,
)
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_MAX_SIGNATURE_LINES = 8


@dataclass(frozen=True)
class NewestText:
    """The newest text of a message and its signature block (kept apart for company extraction)."""

    text: str
    signature: str
    forwarded: bool


def clean_subject(subject: str) -> str:
    """Drop reply and forward prefixes ("Re:", "Fwd:", "RE: FW:") from a subject line."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def newest_text(body: str) -> NewestText:
    """Return the newest text of ``body`` with quoted history and the signature removed.

    A forward keeps the forwarded message's own text (without its header lines or its own quoted
    history), because the forwarded message is what the user wants tracked.
    """
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    forward = _FORWARD_MARKER.search(body) if _may_contain(body, "orward") else None
    reply_cut = _first_reply_cut(body)
    if forward and (reply_cut is None or forward.start() < reply_cut):
        note = _drop_quotes(body[: forward.start()])
        note_text, _ = _split_signature(note)
        forwarded = _forwarded_body(body[forward.end() :])
        inner = newest_text(forwarded)
        text = "\n\n".join(part for part in (note_text, inner.text) if part)
        return NewestText(text=text, signature=inner.signature, forwarded=True)
    if reply_cut is not None:
        body = body[:reply_cut]
    text, signature = _split_signature(_drop_quotes(body))
    return NewestText(text=text, signature=signature, forwarded=False)


def _first_reply_cut(body: str) -> int | None:
    cuts = [
        found.start()
        for hint, pattern in _REPLY_PATTERNS
        if _may_contain(body, hint) and (found := pattern.search(body))
    ]
    return min(cuts) if cuts else None


# Each pattern with a substring it cannot match without: a cheap test that skips most regexes.
_REPLY_PATTERNS = (
    ("wrote:", _REPLY_HEADER),
    ("riginal", _ORIGINAL_MESSAGE),
    ("Sent:", _OUTLOOK_HEADER),
)


def _may_contain(text: str, hint: str) -> bool:
    """A cheap test before a regex: is the hint there, as written or in capitals?"""
    return hint in text or hint.upper() in text


def _drop_quotes(text: str) -> str:
    if ">" in text:
        text = _QUOTED_LINE.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _forwarded_body(block: str) -> str:
    """Skip the forwarded message's header lines ("From:", "Subject:", ...) atop the block."""
    lines = block.lstrip("\n").split("\n")
    index = 0
    while index < len(lines) and (_HEADER_LINE.match(lines[index]) or not lines[index].strip()):
        index += 1
    return "\n".join(lines[index:])


def _split_signature(text: str) -> tuple[str, str]:
    """Split off a signature: after "-- ", after "Sent from my ...", or after a closing sign-off."""
    for pattern in (_SIGNATURE_DELIMITER, _MOBILE_FOOTER):
        match = pattern.search(text)
        if match:
            return text[: match.start()].strip(), text[match.end() :].strip()
    last = _last_sign_off(text)
    if last is not None:
        start, end = last
        tail = text[end:].strip()
        if tail.count("\n") < _MAX_SIGNATURE_LINES:
            return text[:start].strip(), tail
    return text.strip(), ""


def _last_sign_off(text: str) -> tuple[int, int] | None:
    """Where the last closing line ("Best regards,") starts and ends, if there is one."""
    lowered = "\n" + text.lower()
    if len(lowered) != len(text) + 1:  # a few characters change length when lower-cased
        lowered = "\n" + "".join(char.lower()[:1] for char in text)
    spans = [found.span() for found in _SIGN_OFF.finditer(lowered)]
    if not spans:
        return None
    # A match starts at its "\n", which sits one place before the line in ``text``.
    start, end = spans[-1]
    return start, end - 1
