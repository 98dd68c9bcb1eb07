"""Find the newest text of an email: above quoted history, forwarded headers, signature and a job
board's list of other jobs.

The markers (reply headers, "Original Message", header names, sign-offs, subject prefixes) come
from every language's rule file (``quoting``), so a reply written in German below a quoted English
message is cut as well as an English one. HTML, whole or as residue, is read as a person reads it.
"""

from __future__ import annotations

import base64
import binascii
import html
import quopri
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from classifier.phrases import lower_same_length
from classifier.rulebook import Quoting, default_rulebook

# Searched in the text with a newline before it: a literal first character lets the regex engine
# jump from line to line instead of trying every position.
_QUOTED_LINE = re.compile(r"\n[ \t]*>[^\n]*")
# A line that is "--" or "-- " (searched in `LoweredText`, like the line markers).
_SIGNATURE_DELIMITER = re.compile(r"\n-- ?(?=\n|\Z)")
# A line that sets a forwarded message apart: Outlook's rule, "-----Original Message-----".
_SEPARATOR_LINE = re.compile(r"[ \t]*(?:_{10,}|-{2,}[^\n]*-{2,})[ \t]*")
_BLANK_RUNS = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)+")  # a no-break space is blank too
_HTML_TAG = re.compile(r"<(?:html|body|div|p|br|table|td|tr|span|a|img|style|head)\b", re.I)
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-f]{1,6}|[a-z]{2,8});", re.I)
# Characters a reader never sees: zero-width spaces and joiners, soft hyphens, the byte-order mark.
# A preheader pads with rows of them ("\u200c \u200c \u200c"), which the textcat would count
# as words.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200f\u2060\ufeff]")
# What UTF-8 read as Latin-1 or Windows-1252 leaves ("reÃ§ue", "Â ", "â€™"): only text holding
# one of these is given to `ftfy`, which then judges whether it is mis-decoded at all.
_MISDECODED_MARKS = ("Ã", "Â", "â€")
# An inline style that hides its element. The HTML converter hides only a plain "display: none",
# while mail hides a preheader as "display:none !important", "visibility:hidden" or a box of no
# height ("max-height:0; overflow:hidden").
_STYLE_ATTRIBUTE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_NO_HEIGHT = r"max-height\s*:\s*0(?![.\d]*[1-9])"
_HIDING_STYLE = re.compile(
    rf"display\s*:\s*none|visibility\s*:\s*hidden|{_NO_HEIGHT}.*overflow\s*:\s*hidden"
    rf"|overflow\s*:\s*hidden.*{_NO_HEIGHT}",
    re.I | re.S,
)
# The converter lays tables out in columns: a cell's text padded with spaces to the column's
# width. A reader sees one space; the padding would take the characters the pipeline reads.
_LAYOUT_SPACES = re.compile(r"[^\S\n]{2,}")
_LINE_END_SPACES = re.compile(r"[^\S\n]+(?=\n|\Z)")
# Quoted-printable left undecoded (a body exported without its transfer decoding): lines of at
# most 76 characters cut with a soft break ("=" at the end), escaped UTF-8 ("=C3=A9") or an
# HTML attribute's escaped "=" (style=3D"..."). A line of text or HTML rarely ends in "=", and
# a URL's "=" is not followed by such pairs.
_SOFT_BREAK = re.compile(r"^[^\n]{0,75}=\r?\n", re.M)
_QP_ESCAPES = re.compile(r"=[C-F][0-9A-F]=[89AB][0-9A-F]|=3D[\"']")
_MIN_SOFT_BREAKS = 2
# Or a body left in base64: nothing but lines of its alphabet, the last one padded, that decode
# to text (a word such as "Thanks" is in the alphabet too, but decodes to control characters).
_BASE64_BODY = re.compile(r"(?:[A-Za-z0-9+/]{40,76}\r?\n)*[A-Za-z0-9+/]{2,76}={0,2}\s*")
_MIN_BASE64_CHARS = 16
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The most of an HTML document converted (Gmail clips a message's HTML at about 100 KB).
MAX_HTML_CHARS = 200_000
# A link's address after its text, as HTML converted to text writes a button: " [https://…]".
_LINK_TAIL = r"(?:[ \t]*[\[<(]https?://[^\s\]>)]*[\]>)])?"
_MAX_SIGNATURE_LINES = 8
# Less than this above an other-jobs heading ("Hi Ana," and the list) is a job alert, read whole.
_MIN_TEXT_ABOVE_OTHER_JOBS = 30
# A legal notice names itself near its paragraph's start ("Hinweise zum Datenschutz: Ihre …",
# "Conformément au Règlement général sur la protection des données, …"); further in, the words
# may belong to a sentence about the application ("we will keep your details, in line with GDPR").
_LEGAL_NOTICE_OPENING_CHARS = 50


@dataclass(frozen=True)
class NewestText:
    """The newest text of a message and its signature block (kept apart for company extraction)."""

    text: str
    signature: str
    forwarded: bool
    # A forwarded message's header lines ("From: …", "To: …") and its newest text.
    forwarded_message: str = ""


class QuoteMarkers:
    """The expressions that find quoted history, forwards and signatures, from `Quoting`.

    The line markers are searched in `LoweredText`: lower case, with a newline before the first
    line, so every expression starts with a literal newline. The regex engine then jumps from line
    to line; a case-insensitive expression starting with a long alternation tried every
    character and cost more than the rest of the pipeline together on long replies.
    """

    def __init__(self, quoting: Quoting) -> None:
        starts, verbs = _alternatives(quoting.reply_starts), _alternatives(quoting.reply_verbs)
        # A reply header may be wrapped by the mail client, so the verb can sit one line below;
        # German names the writer after the verb ("Am … schrieb Max <max@…>:").
        reply_header = (
            rf"(?:{starts})\b[^\n]{{0,300}}(?:\n[^\n]{{0,200}})?"
            rf"\b(?:{verbs})\b[^\n:]{{0,120}}[ \t]*:[ \t]*$"
        )
        original = rf"-{{2,}}\s*(?:{_alternatives(quoting.original_message)})\s*-{{2,}}[ \t]*$"
        froms, sents = _alternatives(quoting.from_headers), _alternatives(quoting.sent_headers)
        outlook_header = (
            rf"(?:_{{10,}}\s*\n)?(?:{froms})[ \t]*:[^\n]*\n(?:[^\n]*\n){{0,2}}?[ \t]*"
            rf"(?:{sents})[ \t]*:"
        )
        self.original_message = _line_expression(original)
        # Where quoted history starts: the first line any of the three finds, in one scan (the
        # leftmost match of an alternation is the earliest of its alternatives' matches).
        self.reply_cut = _line_expression(rf"(?:{reply_header}|{original}|{outlook_header})")
        # In a forward (its subject says so) the same header block opens the forwarded message:
        # Outlook forwards as it replies.
        self.header_block = _line_expression(rf"(?:{original}|{outlook_header})")
        forwarded = _alternatives(quoting.forwarded)
        self.forward_marker = _line_expression(rf"-*[ \t]*(?:{forwarded})\b[^\n]{{0,60}}$")
        self.from_line = re.compile(
            rf"^[ \t]*(?:{froms})[ \t]*:[ \t]*(?P<sender>[^\n]*\S)", re.I | re.M
        )
        self.header_line = re.compile(
            rf"^[ \t]*(?:{_alternatives(quoting.header_names)})[ \t]*:[^\n]*$", re.I
        )
        footers = _alternatives(quoting.mobile_footers)
        self.mobile_footer = _line_expression(rf"(?:{footers})[^\n]{{0,40}}$")
        self.sign_off = _line_expression(
            rf"(?:{_alternatives(quoting.sign_offs)})[ \t]*[,!.]?[ \t]*$"
        )
        # A short line that opens a job board's list of other jobs ("Similar jobs near you:"),
        # or a button to them, as converted HTML shows it ("Similar jobs [https://…]").
        headings = _alternatives(quoting.other_jobs_headings)
        self.other_jobs = _line_expression(rf"(?:{headings})[^\n]{{0,40}}?{_LINK_TAIL}$")
        notices = _alternatives(quoting.legal_notices)
        self.legal_notice = re.compile(
            rf"\n[^\n]{{0,{_LEGAL_NOTICE_OPENING_CHARS}}}?(?:{notices})", re.M
        )
        prefixes = _alternatives(quoting.subject_prefixes)
        forwards = _alternatives(quoting.forward_subject_prefixes)
        self.forward_subject = re.compile(rf"^\s*(?:{forwards})\s*(?:\[\d+\])?\s*:", re.I)
        self.subject_prefix = re.compile(rf"^\s*(?:(?:{prefixes})\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def _line_expression(rest: str) -> re.Pattern[str]:
    """An expression for a line of `LoweredText` that starts (after blanks) with ``rest``."""
    return re.compile(rf"\n[ \t]*{rest}", re.M)


def _alternatives(words: Iterable[str]) -> str:
    """The words as one alternation, longest first, grouped by their first character: the regex
    engine then tries one group per line instead of every word (a sign-off list is ~100 words)."""
    ordered = sorted({word.lower() for word in words if word}, key=len, reverse=True)
    groups: dict[str, list[str]] = {}
    for word in ordered:
        groups.setdefault(word[0], []).append(_spaced(word[1:]))
    return (
        "|".join(f"{_spaced(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())
        or "(?!)"
    )


def _spaced(text: str) -> str:
    """``text`` escaped, a space matching any run of blanks or one line break."""
    return re.escape(text).replace(r"\ ", r"\s+")


class LoweredText:
    """A text lower-cased for the line markers, with a newline before its first line; spans
    found in it are given back as spans of the original text."""

    def __init__(self, text: str) -> None:
        self.lowered = "\n" + lower_same_length(text)

    def search(self, pattern: re.Pattern[str]) -> tuple[int, int] | None:
        """Where the first line ``pattern`` finds starts and ends in the original text."""
        found = pattern.search(self.lowered)
        return None if found is None else _original_span(found)

    def last(self, pattern: re.Pattern[str]) -> tuple[int, int] | None:
        """The same for the last line ``pattern`` finds."""
        found = deque(pattern.finditer(self.lowered), maxlen=1)
        return _original_span(found[0]) if found else None


def _original_span(found: re.Match[str]) -> tuple[int, int]:
    # A match starts at its newline, which sits one place before the line in the original text.
    return found.start(), found.end() - 1


@lru_cache(maxsize=1)
def default_markers() -> QuoteMarkers:
    """The markers of every shipped language, compiled once."""
    return QuoteMarkers(default_rulebook().quoting())


def clean_subject(subject: str) -> str:
    """Drop reply and forward prefixes ("Re:", "Fwd:", "AW:", "RE: TR:") from a subject line."""
    return default_markers().subject_prefix.sub("", _as_read(subject or "")).strip()


def forwarded_sender(forwarded_message: str) -> str:
    """Who sent the message a forward forwards: its header's "From:" ("Von:", "De:") line, or ""."""
    header = forwarded_message.split("\n\n", 1)[0]
    found = default_markers().from_line.search(header) if header else None
    # Gmail's plain text sets the name in bold: "From: *Acme Careers* <jobs@acme.com>".
    return found.group("sender").replace("*", "").strip() if found else ""


def is_forward_subject(subject: str) -> bool:
    """Whether a subject line opens with a forward's prefix ("Fwd:", "FW:", "WG:", "TR:", "RV:",
    "ENC:"); "Re: Fwd:" is a reply."""
    return default_markers().forward_subject.match(subject or "") is not None


def readable_body(body: str, limit: int | None = None) -> str:
    """A body as a person reads it: HTML turned into text, entities such as ``&amp;`` unescaped,
    mis-decoded characters repaired, invisible ones dropped; with ``limit``, its first ``limit``
    characters. An HTML document is converted whole before that cut: its head and styles alone
    often run longer than the text a reader reads. A body still in its transfer encoding
    (quoted-printable, base64) is decoded first."""
    body = _transfer_decoded(body)
    head = body[:limit]  # all of it without a limit
    if "<" in head and _HTML_TAG.search(head):
        from inscriptis import get_text  # loaded only for the mail that needs it

        text = str(get_text(_STYLE_ATTRIBUTE.sub(_plain_hiding, body[:MAX_HTML_CHARS])))
        text = _LAYOUT_SPACES.sub(" ", _LINE_END_SPACES.sub("", text))
        head = text[:limit]
    elif "&" in head and _ENTITY.search(head):
        head = html.unescape(head)
    return _as_read(head)


def _transfer_decoded(body: str) -> str:
    """``body`` with its transfer encoding (quoted-printable, base64) decoded, when it is still
    in one; else unchanged."""
    raw = _base64_bytes(body)
    if raw is not None:
        text = _text_of(raw)
        return body if _CONTROL.search(text) else text
    raw = _quoted_printable_bytes(body)
    return body if raw is None else _text_of(raw)


def _text_of(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # a Latin-1 or Windows-1252 body
        return raw.decode("cp1252", errors="replace")


def _base64_bytes(body: str) -> bytes | None:
    if " " in body[:80] or len(body) < _MIN_BASE64_CHARS or not _BASE64_BODY.fullmatch(body):
        return None
    try:
        return base64.b64decode(body, validate=False)
    except (binascii.Error, ValueError):
        return None


def _quoted_printable_bytes(body: str) -> bytes | None:
    if "=" not in body:
        return None
    # Counting answers at once; the expression then checks the lines' lengths.
    soft_broken = (
        body.count("=\n") + body.count("=\r\n") >= _MIN_SOFT_BREAKS
        and len(_SOFT_BREAK.findall(body)) >= _MIN_SOFT_BREAKS
    )
    if not soft_broken and not _QP_ESCAPES.search(body):
        return None
    return quopri.decodestring(body.encode("utf-8"))


def _plain_hiding(style: re.Match[str]) -> str:
    """A hiding style attribute written as the converter reads it; any other unchanged."""
    declarations = style.group(1) if style.group(1) is not None else style.group(2)
    return 'style="display:none"' if _HIDING_STYLE.search(declarations) else style.group(0)


def _as_read(text: str) -> str:
    """``text`` as a reader sees it: characters a mis-declared charset garbled repaired, and
    without the characters nobody sees."""
    # Most mail is ASCII, and `isascii` answers at once where the searches read every character.
    if text.isascii():
        return text
    if any(mark in text for mark in _MISDECODED_MARKS):
        from ftfy import fix_encoding  # loaded only for the mail that needs it

        text = fix_encoding(text)
    return _INVISIBLE.sub("", text)


def newest_text(body: str, *, forward: bool = False) -> NewestText:
    """Return the newest text of ``body`` with quoted history and the signature removed.

    A forward keeps the forwarded message's own text (without its header lines or its own quoted
    history), because the forwarded message is what the user wants tracked; with ``forward`` (the
    subject is a forward's) an Outlook header block or an "Original Message" line opens it too,
    as it opens a reply's history in a reply. A job board's confirmation or decline ends where
    its list of other jobs begins: those jobs are not the reader's application.
    """
    markers = default_markers()
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = LoweredText(body)
    forward_at = lines.search(markers.forward_marker)
    reply_cut = _first_reply_cut(body, lines, markers)
    if forward and forward_at is None and reply_cut is not None:
        block = lines.search(markers.header_block)
        if block is not None and block[0] == reply_cut:
            forward_at, reply_cut = (block[0], block[0]), None
    if forward_at and (reply_cut is None or forward_at[0] < reply_cut):
        note = _drop_quotes(body[: forward_at[0]])
        note_text, _ = _split_signature(note, markers)
        header, forwarded = _forwarded_parts(body[forward_at[1] :], markers)
        inner = newest_text(forwarded)
        text = "\n\n".join(part for part in (note_text, inner.text) if part)
        message = f"{header}\n\n{inner.text}"
        return NewestText(
            text=text, signature=inner.signature, forwarded=True, forwarded_message=message
        )
    ends = [end for end in (reply_cut, _other_jobs_cut(body, lines, markers)) if end is not None]
    if ends:
        body = body[: min(ends)]
    text, signature = _split_signature(_drop_quotes(body), markers)
    text = _drop_legal_notices(text, markers)
    return NewestText(text=text, signature=signature, forwarded=False)


def _first_reply_cut(body: str, lines: LoweredText, markers: QuoteMarkers) -> int | None:
    if ":" in body:
        found = lines.search(markers.reply_cut)
    elif "---" in body:
        found = lines.search(markers.original_message)
    else:
        return None
    return None if found is None else found[0]


def _other_jobs_cut(body: str, lines: LoweredText, markers: QuoteMarkers) -> int | None:
    found = lines.search(markers.other_jobs)
    if found is None or len(body[: found[0]].strip()) < _MIN_TEXT_ABOVE_OTHER_JOBS:
        return None
    return found[0]


def _drop_legal_notices(text: str, markers: QuoteMarkers) -> str:
    """Drop the paragraphs after the first that open as a data-protection or confidentiality
    notice: they say nothing of the application, and their words are an account's or a shop's."""
    paragraphs = text.split("\n\n")
    if len(paragraphs) < 2:
        return text
    kept = [paragraphs[0]]
    kept += [p for p in paragraphs[1:] if not markers.legal_notice.match(LoweredText(p).lowered)]
    return "\n\n".join(kept)


def _drop_quotes(text: str) -> str:
    if ">" in text:
        text = _QUOTED_LINE.sub("", "\n" + text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _forwarded_parts(block: str, markers: QuoteMarkers) -> tuple[str, str]:
    """The forwarded message's header lines ("From:", "Von:", ...) atop the block, and the rest."""
    lines = block.lstrip("\n").split("\n")
    start = 0
    while start < len(lines) and _SEPARATOR_LINE.fullmatch(lines[start]):
        start += 1
    index = start
    while index < len(lines) and (
        markers.header_line.match(lines[index]) or not lines[index].strip()
    ):
        index += 1
    return "\n".join(lines[start:index]).strip(), "\n".join(lines[index:])


def _split_signature(text: str, markers: QuoteMarkers) -> tuple[str, str]:
    """Split off a signature: after "-- ", after "Sent from my ...", or after a closing sign-off."""
    lines = LoweredText(text)
    delimiter = lines.search(_SIGNATURE_DELIMITER)
    if delimiter:
        return text[: delimiter[0]].strip(), text[delimiter[1] :].strip()
    footer = lines.search(markers.mobile_footer)
    if footer:
        return text[: footer[0]].strip(), text[footer[1] :].strip()
    last = lines.last(markers.sign_off)
    if last is not None:
        start, end = last
        tail = text[end:].strip()
        if tail.count("\n") < _MAX_SIGNATURE_LINES:
            return text[:start].strip(), tail
    return text.strip(), ""
