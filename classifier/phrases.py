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
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


# French (and Italian) elision: "d'entretien", "l'offre", "qu'il" read as "entretien", "offre".
_ELIDED_LETTERS = frozenset("cdjlmnst")


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
        # Only the runs of other characters are translated: `str.translate` looks every
        # character up in the table, and most of any text is plain ASCII.
        lowered = _NOT_ASCII.sub(_fold_run, lowered)
    return _drop_elided_articles(lowered) if "'" in lowered else lowered


def _fold_run(run: re.Match[str]) -> str:
    return run.group().translate(_FOLD_TABLE)


def _drop_elided_articles(text: str) -> str:
    """``text`` without its elided articles: "qu" or one of c, d, j, l, m, n, s, t starting a
    word, then an apostrophe and a letter a-z ("d'entretien" is "entretien").

    Found from each apostrophe: as a regular expression (which starts with a look-behind, so it
    is tried at every character) it cost more than the rest of folding together."""
    pieces: list[str] = []
    kept = 0
    at = text.find("'")
    while at != -1:
        if "a" <= text[at + 1 : at + 2] <= "z":
            start = _elided_article_start(text, at)
            if start is not None:
                pieces.append(text[kept:start])
                kept = at + 1
        at = text.find("'", at + 1)
    if not pieces:
        return text
    pieces.append(text[kept:])
    return "".join(pieces)


def _elided_article_start(text: str, apostrophe: int) -> int | None:
    """Where the elided article ending at ``apostrophe`` starts, if one does."""
    if apostrophe >= 2 and text[apostrophe - 2 : apostrophe] == "qu":
        start = apostrophe - 2
    elif apostrophe >= 1 and text[apostrophe - 1] in _ELIDED_LETTERS:
        start = apostrophe - 1
    else:
        return None
    if start == 0:
        return start
    before = text[start - 1]
    return None if before.isalnum() or before in "_'" else start


@dataclass(frozen=True, slots=True)  # one per phrase: thousands in every worker
class CompiledPhrase:
    """A phrase as the matcher runs it: its source, regular expression and anchor words.

    ``literal`` is the folded phrase itself when it is plain words (no alternatives, prefixes or
    gaps): the matcher then finds it without an expression, so none is compiled (``regex`` is
    None). Most phrases are literal, and a compiled expression weighs ~0.6 kB: ~4 MB of a
    worker's memory for the shipped rules.
    """

    source: str
    regex: re.Pattern[str] | None
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
        pieces.append(_word_expression(alternatives, opens_phrase=not pieces) + r"\s+")
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
    others = [words for words in literals if words is not anchor]
    also_needed = (
        tuple(word.replace("_", " ") for word in max(others, key=_shortest_length))
        if others
        else ()
    )
    regex = re.compile(expression) if literal is None else None
    return CompiledPhrase(phrase, regex, anchor, literal, also_needed)


def _shortest_length(words: tuple[str, ...]) -> int:
    return min(len(word) for word in words)


# A phrase starts a word: the character before it is no word character or apostrophe.
_STARTS_WORD = r"(?<![\w'])"
# The same, checked one character into the phrase (the first character is never a line break).
# An expression starting with a look-behind is tried at every position of the text; one starting
# with its first characters lets the regex engine skip to the places where a phrase can begin.
_STARTED_WORD = r"(?<![\w'].)"


def _word_expression(alternatives: list[str], *, opens_phrase: bool = False) -> str:
    """One place of a phrase: whole words, or word beginnings for ``word*``; the place that
    opens a phrase also checks that it starts a word."""
    words = []
    for word in sorted(set(alternatives), key=len, reverse=True):
        stem = word.rstrip("*")
        if not opens_phrase:
            spaced = _spaced_word(stem)
        elif stem[0] == "_":
            spaced = _STARTS_WORD + _spaced_word(stem)
        else:
            spaced = re.escape(stem[0]) + _STARTED_WORD + _spaced_word(stem[1:])
        if word.endswith("*"):
            words.append(spaced + r"[\w'-]*")
        else:
            words.append(spaced + r"(?![\w])")
    return "(?:" + "|".join(words) + ")"


def _spaced_word(stem: str) -> str:
    """A word of a phrase as an expression: ``_`` joins words, matching any run of blanks."""
    return r"\s+".join(re.escape(piece) for piece in stem.split("_"))


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
        anchor_starts: dict[int, int] = {}  # anchor -> where it first occurs
        for end, (length, plain, key) in self._automaton.iter(folded_text):
            start = end - length + 1
            if not _opens_word(folded_text, start):  # every phrase starts each word at a boundary
                continue
            if plain and _closes_word(folded_text, end):
                for index in plain:
                    found.setdefault(index, (start, end + 1))
            anchor_starts.setdefault(key, start)
        anchored: dict[int, int] = {}  # phrase -> where its anchor first occurs
        for key, start in anchor_starts.items():
            for index in self._anchored[key]:
                anchored.setdefault(index, start)
        for index, anchor_start in anchored.items():
            compiled = self._entries[index][0]
            # The expression runs only if one word of the phrase's most telling place besides
            # the anchor occurs somewhere in the text (a substring test is far cheaper). A loop
            # rather than `any` over a generator, and no function call: this runs ~25 times an
            # email.
            for word in compiled.also_needed:
                if word in folded_text:
                    break
            else:
                if compiled.also_needed:
                    continue
            regex = compiled.regex
            if regex is None:  # a literal phrase is found outright, never anchored
                continue
            match = regex.search(folded_text, max(0, anchor_start - MAX_LEAD_CHARS))
            if match is not None:
                found.setdefault(index, match.span())
        return [(self._entries[index][1], start, end) for index, (start, end) in found.items()]


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
