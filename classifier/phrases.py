"""The phrase language the rule files are written in, and the matcher that finds phrases in text.

A rule file lists phrases, not regular expressions, so that a new language is a data file:

- words separated by spaces match those words in order: ``we received your application``;
- ``a|b|c`` is any one of the alternatives at that place: ``received|got your application|cv``
  (``|`` binds tighter than a space: ``set_up|arrange a call`` — an alternative of several words
  joins them with ``_``);
- a word ending in ``*`` matches any word it begins: ``recib* tu candidatura``;
- ``~`` is a gap of up to three words inside one sentence, ``~N`` of up to N words:
  ``not ~ moving forward``, ``schedule ~5 interview|call``.

Text and phrases are compared in one folded form (`fold`): lower case, typographic quotes made
straight, accents dropped (``é`` → ``e``), German umlauts spelled out (``ä`` → ``ae``, ``ß`` →
``ss``) and French elided articles dropped (``d'entretien`` → ``entretien``), so
"Vorstellungsgespräch" and "Vorstellungsgespraech" are one word, as are "candidature" and
"candidaturé" typed carelessly. Folding is for matching only: names are kept as written.

One Aho-Corasick pass over the text finds every plain phrase (words only) outright, and every
other phrase's anchor (its most telling place); only those phrases' expressions run, and only
when their next most telling place has one of its words somewhere in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import ahocorasick

T = TypeVar("T")

DEFAULT_GAP = 3
_GAP = re.compile(r"^~(\d*)$")
_WORD_CHARS = re.compile(r"^[\w'&.+#/:%@-]+\*?$")
_SPELLED_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o"}
_STRAIGHT = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "}


class PhraseError(ValueError):
    """A phrase in a rule file cannot be read; the message names it and says why."""


@lru_cache(maxsize=8192)
def fold_word(word: str) -> str:
    """One word in its folded form (see `fold`); cached, since words repeat."""
    return fold(word)


def _folding_table() -> dict[int, str]:
    """Every Latin letter with a diacritic (and every combining mark) mapped to its plain form, so
    that folding is one `str.translate`; umlauts and ligatures are spelled out first."""
    table: dict[int, str] = {
        ord(char): plain for char, plain in {**_SPELLED_OUT, **_STRAIGHT}.items()
    }
    for code in range(0x00C0, 0x0250):
        char = chr(code).lower()
        if len(char) != 1 or ord(char) in table:
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if plain != char and plain.isascii():
            table[code] = plain
    for code in range(0x0300, 0x0370):  # combining marks of text that arrives decomposed
        table[code] = ""
    table.update({0xFB01: "fi", 0xFB02: "fl", 0x2013: "-", 0x2014: "-", 0x0142: "l", 0x0111: "d"})
    return table


_FOLD_TABLE = _folding_table()


# French (and Italian) elision: "d'entretien", "l'offre", "qu'il" read as "entretien", "offre".
_ELISION = re.compile(r"(?<![\w'])(?:qu|[cdjlmnst])'(?=[a-z])")


def lower_same_length(text: str) -> str:
    """``text`` in lower case, character for character (a few characters, such as "İ", grow when
    lower-cased; they keep only their first character), so positions carry over."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower()[:1] for char in text)


def fold(text: str) -> str:
    """Lower case, straight quotes, umlauts spelled out, other accents dropped, elided articles
    dropped ("d'entretien" is "entretien")."""
    lowered = text.lower()
    if not lowered.isascii():
        lowered = lowered.translate(_FOLD_TABLE)
    return _ELISION.sub("", lowered) if "'" in lowered else lowered


@dataclass(frozen=True)
class CompiledPhrase:
    """A phrase as the matcher runs it: its source, regular expression and anchor words.

    ``literal`` is the folded phrase itself when it is plain words (no alternatives, prefixes or
    gaps): the matcher then finds it without running the expression.
    """

    source: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]
    literal: str | None = None
    # The words of the most telling place besides the anchor: one of them must occur for the
    # expression to be worth running (checking every place cost more than the expressions saved).
    also_needed: tuple[str, ...] = ()


def compile_phrase(phrase: str) -> CompiledPhrase:
    """Turn one phrase of a rule file into an anchored regular expression over folded text."""
    parts = fold(phrase).split()
    if not parts or _GAP.match(parts[0]) or _GAP.match(parts[-1]):
        raise PhraseError(f"{phrase!r}: a phrase starts and ends with a word, not a gap")
    pieces: list[str] = []
    literals: list[tuple[str, ...]] = []
    for part in parts:
        gap = _GAP.match(part)
        if gap:
            pieces.append(_gap_expression(int(gap.group(1) or DEFAULT_GAP)))
            continue
        alternatives = part.split("|")
        if not all(alternatives) or not all(_WORD_CHARS.match(word) for word in alternatives):
            raise PhraseError(f"{phrase!r}: {part!r} is not a word or a|b|c alternatives")
        pieces.append(_word_expression(alternatives) + r"\s+")
        literals.append(tuple(word.rstrip("*") for word in alternatives))
    expression = "".join(pieces)
    expression = expression[: -len(r"\s+")] if expression.endswith(r"\s+") else expression
    anchor = max(literals, key=_shortest_length)
    if min(len(word) for word in anchor) < 2:
        raise PhraseError(f"{phrase!r}: it needs one word of two letters or more to anchor on")
    plain = all(len(words) == 1 for words in literals) and len(literals) == len(parts)
    literal = " ".join(word.replace("_", " ") for (word,) in literals) if plain else None
    if literal is not None and any(part.endswith("*") for part in parts):
        literal = None
    boundary_start = r"(?<![\w'])"
    others = [words for words in literals if words is not anchor]
    also_needed = (
        tuple(word.replace("_", " ") for word in max(others, key=_shortest_length))
        if others
        else ()
    )
    return CompiledPhrase(
        phrase, re.compile(boundary_start + expression), anchor, literal, also_needed
    )


def _shortest_length(words: tuple[str, ...]) -> int:
    return min(len(word) for word in words)


def _word_expression(alternatives: list[str]) -> str:
    """One place of a phrase: whole words, or word beginnings for ``word*``."""
    words = []
    for word in sorted(set(alternatives), key=len, reverse=True):
        spaced = r"\s+".join(re.escape(piece) for piece in word.rstrip("*").split("_"))
        if word.endswith("*"):
            words.append(spaced + r"[\w'-]*")
        else:
            words.append(spaced + r"(?![\w])")
    return "(?:" + "|".join(words) + ")"


def _gap_expression(words: int) -> str:
    """Up to ``words`` words between two parts of a phrase, within one sentence."""
    return rf"(?:[^\s.!?]+\s+){{0,{words}}}"


# A phrase's words before its anchor span at most this many characters: the expression is run
# from there rather than from the start of the text (it begins with a look-behind, so the regex
# engine cannot skip ahead to a likely start by itself).
MAX_LEAD_CHARS = 200


class PhraseMatcher(Generic[T]):
    """Finds which of many phrases occur in a text; each phrase carries a value of the caller's."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._entries: list[tuple[CompiledPhrase, T]] = []
        keys: dict[str, tuple[list[int], list[int]]] = {}  # key -> (plain phrases, anchored)
        for phrase, value in phrases:
            compiled = compile_phrase(phrase)
            index = len(self._entries)
            self._entries.append((compiled, value))
            if compiled.literal is not None:
                keys.setdefault(compiled.literal, ([], []))[0].append(index)
                continue
            for anchor in compiled.anchors:
                keys.setdefault(anchor.replace("_", " "), ([], []))[1].append(index)
        self._anchored: list[tuple[int, ...]] = []
        self._automaton = ahocorasick.Automaton()
        for key, (plain, anchored) in keys.items():
            self._automaton.add_word(key, (len(key), tuple(plain), len(self._anchored)))
            self._anchored.append(tuple(anchored))
        if keys:
            self._automaton.make_automaton()
        self._empty = not keys

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, folded_text: str) -> list[tuple[T, int, int]]:
        """Each phrase found in ``folded_text`` (already folded), once, with where its first
        match starts and ends."""
        if self._empty or not folded_text:
            return []
        found: dict[int, tuple[int, int]] = {}
        anchored: dict[int, int] = {}  # phrase -> where its anchor first occurs
        for end, (length, plain, key) in self._automaton.iter(folded_text):
            start = end - length + 1
            if not _opens_word(folded_text, start):  # every phrase starts each word at a boundary
                continue
            if plain and _closes_word(folded_text, end):
                for index in plain:
                    found.setdefault(index, (start, end + 1))
            for index in self._anchored[key]:
                anchored.setdefault(index, start)
        for index, anchor_start in anchored.items():
            span = self._search(index, folded_text, max(0, anchor_start - MAX_LEAD_CHARS))
            if span is not None:
                found.setdefault(index, span)
        return [(self._entries[index][1], start, end) for index, (start, end) in found.items()]

    def _search(self, index: int, text: str, start: int) -> tuple[int, int] | None:
        """Run a phrase's expression from ``start``, if one word of its most telling place
        besides the anchor occurs somewhere in the text (a substring test is far cheaper than
        the expression)."""
        compiled = self._entries[index][0]
        if compiled.also_needed and not any(word in text for word in compiled.also_needed):
            return None
        match = compiled.regex.search(text, start)
        return None if match is None else match.span()


def _opens_word(text: str, start: int) -> bool:
    """True when text[start] is not inside a longer word (a phrase that begins with a mark, like
    "% off", may touch a word there)."""
    if start == 0 or not text[start].isalnum():
        return True
    before = text[start - 1]
    return not (before.isalnum() or before in "_'")


def _closes_word(text: str, end: int) -> bool:
    """True when text[end] is not followed by more of its word (or ends with a mark)."""
    if end + 1 == len(text) or not text[end].isalnum():
        return True
    after = text[end + 1]
    return not (after.isalnum() or after == "_")
