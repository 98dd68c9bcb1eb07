"""Proximity patterns: the shape of a statement, not one fixed wording.

A key phrase catches "we have received your application"; a pattern also catches "your
application for the Analyst post was received" or "your job application is complete". Each
pattern is a regular expression over the lower-cased newest text (subject first) and names the
label it supports. Gaps are bounded ("up to N words") so that unrelated sentences never join.
Expressions start with a word, not a word boundary: that lets the regex engine skip ahead to the
first letter, which is most of the speed of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ahocorasick


def _gap(words: int) -> str:
    """Up to ``words`` words between two parts of a pattern, within one sentence."""
    return rf"(?:[^\s.!?]+\s+){{0,{words}}}"


_APPLICATION = (
    r"(?:(?:job|employment|online|internship)\s+)?"
    r"(?:application|candidacy|resume|résumé|cv|submission|materials)"
)
_JOB_NOUN = r"(?:position|role|job|post|opening|vacancy|opportunity|requisition)"
_SCHEDULE_VERB = (
    r"(?:schedule|scheduling|arrange|arranging|set\s+up|setting\s+up|book|booking|organi[sz]e"
    r"|coordinate|find|pick|select|choose|confirm|plan|line\s+up)"
)
_MEETING = (
    r"(?:interview|interviews|call|chat|conversation|meeting|screen|screening|session|slot|slots"
    r"|time\s+to\s+(?:talk|chat|speak|meet|discuss|connect))"
)
_APPLICATION_WORDS = (
    "application",
    "candidacy",
    "resume",
    "résumé",
    "cv",
    "submission",
    "materials",
)
_NEGATION_WORDS = ("not", "n't", "no longer", "unable", "cannot")
_NEGATION = r"(?:not|n't|no\s+longer|unable\s+to|cannot|decided\s+not\s+to)"


@dataclass(frozen=True)
class Pattern:
    """A named proximity pattern supporting one label."""

    label: str
    name: str
    anchors: frozenset[str]  # the regex runs only when one of these substrings occurs (speed)
    regex: re.Pattern[str]
    weight: float = 1.0


def _pattern(
    label: str, name: str, anchors: tuple[str, ...], expression: str, *, weight: float = 1.0
) -> Pattern:
    return Pattern(label, name, frozenset(anchors), re.compile(expression), weight)


PATTERNS: tuple[Pattern, ...] = (
    # applied: the application arrived, was submitted or is being reviewed.
    _pattern(
        "applied",
        "application received",
        _APPLICATION_WORDS,
        rf"(?:your|the)\s+{_APPLICATION}\s+{_gap(7)}(?:is|was|has\s+been|have\s+been)\s+"
        rf"(?:\w+\s+)?(?:received|submitted|complete|completed|sent|forwarded|recorded|logged"
        rf"|in\s+our|with\s+(?:the|our)|under\s+review|being\s+(?:reviewed|considered|evaluated))",
    ),
    _pattern(
        "applied",
        "received your application",
        _APPLICATION_WORDS,
        rf"(?:received|receipt\s+of|got|have|acknowledge|confirm(?:ing)?)\s+(?:receiving\s+)?"
        rf"(?:your|the)\s+{_APPLICATION}\b",
    ),
    _pattern(
        "applied",
        "thanks for applying",
        ("thank",),
        rf"thank(?:s|\s+you)\s+(?:\w+\s+){{0,2}}for\s+(?:applying|(?:submitting\s+)?your\s+"
        rf"{_APPLICATION}|your\s+interest\s+in\s+(?:the\s+)?[\w ,&/-]{{0,60}}{_JOB_NOUN})",
    ),
    _pattern(
        "applied",
        "application arrived",
        _APPLICATION_WORDS,
        rf"(?:your|the)\s+{_APPLICATION}\s+{_gap(4)}(?:made\s+it|reached\s+us|arrived"
        rf"|came\s+through|is\s+in\b)",
    ),
    _pattern(
        "applied",
        "you applied",
        ("applied",),
        r"you(?:'ve|\s+have)?\s+(?:successfully\s+)?applied\b",
    ),
    _pattern(
        "applied",
        "passed to the hiring manager",
        ("passed", "passing", "forwarded", "shared"),
        r"(?:passed|passing|forwarded|shared)\s+(?:it|them|your\s+[\w-]+|you)\s+"
        r"(?:along\s+|on\s+|over\s+)?(?:to|with)\s+(?:the|our)\s+(?:[\w-]+\s+){0,2}"
        r"(?:manager|team|lead)\b",
    ),
    # interviewing: a meeting with the hiring side is being arranged or confirmed.
    _pattern(
        "interviewing",
        "schedule a meeting",
        (
            "interview",
            "call",
            "chat",
            "conversation",
            "meeting",
            "screen",
            "session",
            "slot",
            "time to",
        ),
        rf"{_SCHEDULE_VERB}\s+{_gap(4)}{_MEETING}\b",
    ),
    _pattern(
        "interviewing",
        "invitation to interview",
        ("invit",),
        rf"invit(?:e|es|ed|ing|ation)\s+{_gap(6)}(?:interview|call|chat|onsite|on-site"
        rf"|assessment|test|challenge|exercise|assignment|(?:next|final|second|third)\s+(?:round|stage))",
    ),
    _pattern(
        "interviewing",
        "interview arranged",
        ("confirmed", "scheduled", "booked", "moved"),
        r"(?:interview|call|screen|assessment|challenge|onsite)\s+(?:\w+\s+){0,3}"
        r"(?:is|has\s+been|was|have\s+been)\s+(?:confirmed|scheduled|rescheduled|booked|moved)",
    ),
    _pattern(
        "interviewing",
        "next round",
        ("round", "stage", "interview", "loop"),
        r"(?:next|final|second|third|first)\s+(?:round|stage|interview)\b"
        r"|(?:interview|onsite|assessment)\s+(?:round|stage|loop)\b",
    ),
    _pattern(
        "interviewing",
        "for your interview",
        ("interview", "screen", "call with"),
        r"(?:for|before|ahead\s+of)\s+(?:your|an|the|our|a)\s+(?:\w+\s+){0,2}"
        r"(?:interview|phone\s+screen|screening\s+call|call\s+with)\b",
        weight=0.5,
    ),
    _pattern(
        "interviewing",
        "your availability",
        ("availab", "free", "time for", "times that work", "time slot"),
        rf"(?:availability|available|free|time\s+for|times?\s+that\s+work|time\s+slots?)\s+"
        rf"{_gap(5)}"
        rf"(?:call|chat|interview|talk|meet|conversation|screen)\b",
    ),
    _pattern(
        "interviewing",
        "get on a call",
        ("call", "chat", "zoom"),
        r"(?:jump|hop|get)\s+on\s+(?:a\s+)?(?:quick\s+|short\s+|brief\s+)?"
        r"(?:video\s+|phone\s+)?(?:call|chat|zoom)\b",
    ),
    _pattern(
        "interviewing",
        "would a day work",
        ("work for",),
        r"(?:monday|tuesday|wednesday|thursday|friday|tomorrow|next\s+week|this\s+week|afternoon"
        r"|morning)\s+(?:\w+\s+){0,3}work\s+for\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,3}"
        r"(?:call|chat|interview|meeting|conversation)\b",
    ),
    _pattern(
        "interviewing",
        "like you to meet",
        ("to meet",),
        r"(?:like|love)\s+(?:for\s+)?you\s+to\s+meet\s+(?:with\s+)?(?:the|our|two|three|a\s+few"
        r"|some|members|one|[\w]+\s+of)\b",
    ),
    # offer: the job is being offered.
    _pattern(
        "offer",
        "offer the role",
        ("offer", "extend"),
        rf"(?:offer|offering|extend|extending)\s+(?:\w+\s+){{0,3}}(?:you\s+)?"
        rf"(?:the|a|an|this|our)\s+(?:[\w-]+\s+){{0,5}}?(?:{_JOB_NOUN}|offer|employment)\b",
    ),
    _pattern(
        "offer",
        "pleased to offer",
        ("offer", "extend", "propose", "welcome"),
        r"(?:pleased|happy|delighted|thrilled|excited|glad|pleasure)\s+to\s+(?:formally\s+)?"
        r"(?:offer|extend|make\s+you\s+an\s+offer|propose\s+you|welcome\s+you\s+(?:to|aboard))",
    ),
    _pattern(
        "offer",
        "offer letter",
        ("letter", "package", "details", "contract", "agreement", "confirm"),
        r"(?:offer|employment)\s+(?:letter|package|details|contract|agreement)\b"
        r"|confirm\s+(?:the|your|our)\s+(?:\w+\s+)?offer\b",
    ),
    _pattern(
        "offer",
        "offer attached",
        ("attached", "enclosed"),
        r"(?:attached|enclosed)\s+(?:is|are|please\s+find|you\s+will\s+find)?\s*"
        r"(?:your|the|a|our)\s+(?:formal\s+|written\s+|official\s+)?offer\b"
        r"|offer\s+(?:doc|document|letter|paperwork)?\s*(?:is\s+)?(?:attached|enclosed)",
    ),
    _pattern(
        "offer",
        "chosen for the job",
        ("chose", "choose", "selected", "picked"),
        r"(?:chose|choose|chosen|selected|picked)\s+you\s+(?:as\s+our\s+[\w-]+|for\s+(?:the|this|our)"
        r"\s+(?:[\w-]+\s+){0,4}(?:job|role|position))\b",
    ),
    _pattern(
        "offer",
        "congratulations on the role",
        ("congratulations",),
        r"congratulations\s+on\s+(?:your\s+|the\s+)?(?:new\s+)?(?:role|position|offer)\b",
        weight=0.5,
    ),
    _pattern(
        "offer",
        "you're hired",
        ("hired", "welcome"),
        r"(?:you(?:'re|\s+are)\s+hired|welcome\s+(?:aboard|to\s+the\s+team))\b",
    ),
    # rejected: the application will not go further.
    _pattern(
        "rejected",
        "not moving forward",
        _NEGATION_WORDS,
        rf"{_NEGATION}\s+{_gap(3)}(?:move|moving|proceed|proceeding|progress|progressing"
        rf"|continue|continuing|pursue|pursuing|take|taking|advance|advancing)\s+"
        rf"(?:forward|ahead|further|with\s+your|your)",
    ),
    _pattern(
        "rejected",
        "other candidates",
        ("candidate", "applicant", "profile"),
        r"(?:other|another|different|stronger|more\s+suitable)\s+(?:\w+\s+)?"
        r"(?:candidates?|applicants?|profiles?)\b",
    ),
    _pattern(
        "rejected",
        "role filled",
        ("filled", "closed", "cancel", "hold", "no longer available"),
        rf"{_JOB_NOUN}\s+(?:\w+\s+){{0,3}}(?:has\s+(?:now\s+|already\s+)?been|was|is\s+now|is)\s+"
        rf"(?:filled|closed|cancelled|canceled|put\s+on\s+hold|on\s+hold|no\s+longer\s+available)",
    ),
    _pattern(
        "rejected",
        "closing the role",
        ("closing", "closed", "pausing", "paused", "pause"),
        rf"(?:closing|closed|pausing|paused|pause|cancelling|canceling)\s+(?:the|this|our)\s+"
        rf"(?:[\w-]+\s+){{0,2}}(?:{_JOB_NOUN}|search|hire|hiring\s+process)\b",
    ),
    _pattern(
        "rejected",
        "not selected",
        ("selected", "shortlisted", "successful", "chosen", "progressed"),
        r"(?:not|n't)\s+(?:been\s+)?(?:selected|shortlisted|successful|chosen|progressed)\b"
        r"|unsuccessful\b",
    ),
    _pattern(
        "rejected",
        "went with someone else",
        ("decided", "chosen", "opted", "elected"),
        r"(?:decided|chosen|opted|elected)\s+to\s+(?:go|move|proceed|continue|hire|pursue)\s+"
        r"(?:forward\s+|ahead\s+)?(?:with\s+)?(?:another|other|a\s+different|someone"
        r"|an?\s+(?:candidate|applicant)|candidates|applicants)",
    ),
    _pattern(
        "rejected",
        "offered to someone else",
        ("offered", "given", "gone to"),
        r"(?:offered|given|gone\s+to)\s+(?:the\s+)?(?:role|position|job)\s+to\s+"
        r"(?:someone|another|a\s+different|an\s+internal)",
    ),
    _pattern(
        "rejected",
        "no offer",
        _NEGATION_WORDS,
        r"(?:not|n't|unable\s+to|cannot)\s+(?:be\s+)?(?:extend|extending|offer|offering)\s+"
        r"(?:you\s+)?(?:an?\s+|the\s+)?(?:offer|position|role|job)",
    ),
    _pattern(
        "rejected",
        "regret",
        ("regret", "sorry", "afraid", "sadly"),
        r"(?:regret\s+(?:to|that)|sorry\s+to\s+(?:inform|let\s+you\s+know|say)"
        r"|afraid\s+(?:that\s+)?we|regrettably|sadly,)",
    ),
)


def _anchor_automaton(patterns: tuple[Pattern, ...]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for anchor in {anchor for pattern in patterns for anchor in pattern.anchors}:
        automaton.add_word(anchor, anchor)
    automaton.make_automaton()
    return automaton


# One pass over the text finds every anchor (Aho-Corasick): four times faster than a substring
# test per anchor, which was itself twice as fast as one regex alternation of them all.
_ANCHORS = _anchor_automaton(PATTERNS)


def find_patterns(text: str) -> list[tuple[Pattern, re.Match[str]]]:
    """Every pattern found in lower-cased ``text``, with its first match."""
    present = {anchor for _end, anchor in _ANCHORS.iter(text)}
    found = []
    for pattern in PATTERNS:
        if pattern.anchors.isdisjoint(present):
            continue
        match = pattern.regex.search(text)
        if match is not None:
            found.append((pattern, match))
    return found
