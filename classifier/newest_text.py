"""Find the newest text of an email: above quoted history, forwarded headers and signature.

The markers (reply headers, "Original Message", header names, sign-offs, subject prefixes) come
from every language's rule file (``quoting``), so a reply written in German below a quoted English
message is cut as well as an English one. HTML, whole or as residue, is read as a person reads it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from classifier.rulebook import Quoting, default_rulebook

_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|$)", re.M)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$", re.M)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_HTML_TAG = re.compile(r"<(?:html|body|div|p|br|table|td|tr|span|a|img|style|head)\b", re.I)
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-f]{1,6}|[a-z]{2,8});", re.I)
_MAX_SIGNATURE_LINES = 8


@dataclass(frozen=True)
class NewestText:
    """The newest text of a message and its signature block (kept apart for company extraction)."""

    text: str
    signature: str
    forwarded: bool


class QuoteMarkers:
    """The expressions that find quoted history, forwards and signatures, from `Quoting`."""

    def __init__(self, quoting: Quoting) -> None:
        starts, verbs = _alternatives(quoting.reply_starts), _alternatives(quoting.reply_verbs)
        # A reply header may be wrapped by the mail client, so the verb can sit one line below;
        # German names the writer after the verb ("Am … schrieb Max <max@…>:").
        self.reply_header = re.compile(
            rf"^[ \t]*(?:{starts})\b[^\n]{{0,300}}(?:\n[^\n]{{0,200}})?"
            rf"\b(?:{verbs})\b[^\n:]{{0,120}}[ \t]*:[ \t]*$",
            re.M | re.I,
        )
        original = _alternatives(quoting.original_message)
        self.original_message = re.compile(
            rf"^[ \t]*-{{2,}}\s*(?:{original})\s*-{{2,}}[ \t]*$", re.M | re.I
        )
        froms, sents = _alternatives(quoting.from_headers), _alternatives(quoting.sent_headers)
        self.outlook_header = re.compile(
            rf"^[ \t]*(?:_{{10,}}\s*\n)?(?:{froms})[ \t]*:[^\n]*\n(?:[^\n]*\n){{0,2}}?[ \t]*"
            rf"(?:{sents})[ \t]*:",
            re.M | re.I,
        )
        forwarded = _alternatives(quoting.forwarded)
        self.forward_marker = re.compile(
            rf"^[ \t]*-*[ \t]*(?:{forwarded})\b[^\n]{{0,60}}$", re.M | re.I
        )
        self.header_line = re.compile(
            rf"^[ \t]*(?:{_alternatives(quoting.header_names)})[ \t]*:[^\n]*$", re.I
        )
        footers = _alternatives(quoting.mobile_footers)
        self.mobile_footer = re.compile(rf"^[ \t]*(?:{footers})[^\n]{{0,40}}$", re.M | re.I)
        # Matched on lower-cased text after a newline: a leading literal "\n" lets the regex
        # engine jump from line to line instead of trying every character.
        self.sign_off = re.compile(
            rf"\n[ \t]*(?:{_alternatives(quoting.sign_offs)})[ \t]*[,!.]?[ \t]*$", re.M
        )
        prefixes = _alternatives(quoting.subject_prefixes)
        self.subject_prefix = re.compile(rf"^\s*(?:(?:{prefixes})\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def _alternatives(words: Iterable[str]) -> str:
    ordered = sorted({word for word in words if word}, key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered) or "(?!)"


@lru_cache(maxsize=1)
def default_markers() -> QuoteMarkers:
    """The markers of every shipped language, compiled once."""
    return QuoteMarkers(default_rulebook().quoting())


def clean_subject(subject: str) -> str:
    """Drop reply and forward prefixes ("Re:", "Fwd:", "AW:", "RE: TR:") from a subject line."""
    return default_markers().subject_prefix.sub("", subject or "").strip()


def readable_body(body: str) -> str:
    """A body as a person reads it: HTML turned into text, entities such as ``&amp;`` unescaped."""
    if "<" in body and _HTML_TAG.search(body):
        from inscriptis import get_text  # loaded only for the mail that needs it

        return str(get_text(body))
    if "&" in body and _ENTITY.search(body):
        return html.unescape(body)
    return body


def newest_text(body: str) -> NewestText:
    """Return the newest text of ``body`` with quoted history and the signature removed.

    A forward keeps the forwarded message's own text (without its header lines or its own quoted
    history), because the forwarded message is what the user wants tracked.
    """
    markers = default_markers()
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    forward = markers.forward_marker.search(body)
    reply_cut = _first_reply_cut(body, markers)
    if forward and (reply_cut is None or forward.start() < reply_cut):
        note = _drop_quotes(body[: forward.start()])
        note_text, _ = _split_signature(note, markers)
        forwarded = _forwarded_body(body[forward.end() :], markers)
        inner = newest_text(forwarded)
        text = "\n\n".join(part for part in (note_text, inner.text) if part)
        return NewestText(text=text, signature=inner.signature, forwarded=True)
    if reply_cut is not None:
        body = body[:reply_cut]
    text, signature = _split_signature(_drop_quotes(body), markers)
    return NewestText(text=text, signature=signature, forwarded=False)


def _first_reply_cut(body: str, markers: QuoteMarkers) -> int | None:
    cuts = []
    if ":" in body:
        for pattern in (markers.reply_header, markers.original_message, markers.outlook_header):
            found = pattern.search(body)
            if found:
                cuts.append(found.start())
    elif "---" in body:
        found = markers.original_message.search(body)
        if found:
            cuts.append(found.start())
    return min(cuts) if cuts else None


def _drop_quotes(text: str) -> str:
    if ">" in text:
        text = _QUOTED_LINE.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _forwarded_body(block: str, markers: QuoteMarkers) -> str:
    """Skip the forwarded message's header lines ("From:", "Von:", ...) atop the block."""
    lines = block.lstrip("\n").split("\n")
    index = 0
    while index < len(lines) and (
        markers.header_line.match(lines[index]) or not lines[index].strip()
    ):
        index += 1
    return "\n".join(lines[index:])


def _split_signature(text: str, markers: QuoteMarkers) -> tuple[str, str]:
    """Split off a signature: after "-- ", after "Sent from my ...", or after a closing sign-off."""
    for pattern in (_SIGNATURE_DELIMITER, markers.mobile_footer):
        match = pattern.search(text)
        if match:
            return text[: match.start()].strip(), text[match.end() :].strip()
    last = _last_sign_off(text, markers)
    if last is not None:
        start, end = last
        tail = text[end:].strip()
        if tail.count("\n") < _MAX_SIGNATURE_LINES:
            return text[:start].strip(), tail
    return text.strip(), ""


def _last_sign_off(text: str, markers: QuoteMarkers) -> tuple[int, int] | None:
    """Where the last closing line ("Best regards,") starts and ends, if there is one."""
    lowered = "\n" + text.lower()
    if len(lowered) != len(text) + 1:  # a few characters change length when lower-cased
        lowered = "\n" + "".join(char.lower()[:1] for char in text)
    spans = [found.span() for found in markers.sign_off.finditer(lowered)]
    if not spans:
        return None
    # A match starts at its "\n", which sits one place before the line in ``text``.
    start, end = spans[-1]
    return start, end - 1
