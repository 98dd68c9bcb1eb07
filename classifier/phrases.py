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
other phrase's anchor (its longest literal word); only those phrases' expressions run, and only
when each of their places has one of its words somewhere in the text.
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
    required: tuple[tuple[str, ...], ...] = ()  # each place's words; one of each must occur


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
    anchor = max(literals, key=lambda words: min(len(word) for word in words))
    if min(len(word) for word in anchor) < 2:
        raise PhraseError(f"{phrase!r}: it needs one word of two letters or more to anchor on")
    plain = all(len(words) == 1 for words in literals) and len(literals) == len(parts)
    literal = " ".join(word.replace("_", " ") for (word,) in literals) if plain else None
    if literal is not None and any(part.endswith("*") for part in parts):
        literal = None
    boundary_start = r"(?<![\w'])"
    required = tuple(tuple(word.replace("_", " ") for word in words) for words in literals)
    return CompiledPhrase(
        phrase, re.compile(boundary_start + expression), anchor, literal, required
    )


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
        anchored: set[int] = set()
        for end, (length, plain, key) in self._automaton.iter(folded_text):
            start = end - length + 1
            if plain and _whole_words(folded_text, start, end):
                for index in plain:
                    found.setdefault(index, (start, end + 1))
            anchored.update(self._anchored[key])
        for index in anchored:
            span = self._search(index, folded_text)
            if span is not None:
                found.setdefault(index, span)
        return [(self._entries[index][1], start, end) for index, (start, end) in found.items()]

    def _search(self, index: int, text: str) -> tuple[int, int] | None:
        """Run a phrase's expression, if every place of the phrase has one of its words
        somewhere in the text (a substring test is far cheaper than the expression)."""
        compiled = self._entries[index][0]
        for words in compiled.required:
            if not any(word in text for word in words):
                return None
        match = compiled.regex.search(text)
        return None if match is None else match.span()


def _whole_words(text: str, start: int, end: int) -> bool:
    """True when text[start:end + 1] is not part of a longer word on either side (a phrase that
    begins or ends with a mark, like "% off", may touch a word there)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end + 1] if end + 1 < len(text) else " "
    open_before = not text[start].isalnum() or not (before.isalnum() or before in "_'")
    open_after = not text[end].isalnum() or not (after.isalnum() or after == "_")
    return open_before and open_after
