"""Gmail searches for likely job mail, built from the classifier's own rule data.

A first sync (or a resync) asks Gmail for these messages first, so the board fills with the
applications before the rest of the window is read. The searches name the applicant-tracking
and job-board senders of ``senders.json`` and the strong ``subject_stages`` phrases of every
language file, written in Gmail's search syntax: ``from:{a b}`` and ``subject:{a "b c" (d e)}``
match any one of the group.

A rule phrase becomes what Gmail can search for: ``word*`` is searched as ``word``; a phrase
with few spellings (``application to|for|at``) is searched as each spelling; with many, only its
fixed words are kept (broader, never narrower), or, when it has none, the spellings of its place
with the fewest; ``~`` gaps split it into parts that must all be in the subject. A search that
another one already covers (``"interview invitation"`` beside ``interview``) is left out.
Recall matters more than precision here: whatever these searches miss is read by the second
phase of the sync all the same, only later.

Google documents no length limit for ``q``; google-api-python-client sends a GET request whose
URL exceeds 2,048 characters as a POST instead, so each search is kept short enough for a GET.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from classifier.rulebook import STRENGTHS, RuleBook, default_rulebook

# Raw characters of one search; URL-encoded (quotes, colons, accents) it stays under 2,048.
MAX_QUERY_CHARS = 1300
# Marketing mail borrows job words ("an exclusive offer", "interview with our founder"); Gmail
# files it under Promotions, where job mail from a person or an ATS rarely lands.
SUBJECT_SCOPE = "-category:promotions"
MAX_SPELLINGS = 6  # a phrase with more spellings than this is searched by its fixed words
_WORD = re.compile(r"[^\W_]+")

Words = tuple[str, ...]  # a run of words that must stand together, as Gmail reads them
Search = tuple[Words, ...]  # runs that must all be in the subject


class QueryTooLong(ValueError):
    """One term (with the scope) is longer than a search may be."""


def likely_job_mail_queries(
    scope: str = "", *, max_chars: int = MAX_QUERY_CHARS, rulebook: RuleBook | None = None
) -> tuple[str, ...]:
    """Gmail searches (each ``scope`` plus one group, at most ``max_chars`` long) that together
    find mail from job senders or with a job subject, in every language of the rules."""
    if rulebook is None:
        return _default_queries(scope, max_chars)
    senders = _sender_terms(rulebook)
    subjects = [_render(search) for search in _subject_searches(rulebook)]
    return (
        *_grouped(f"{scope} from:".strip(), senders, max_chars),
        *_grouped(f"{scope} {SUBJECT_SCOPE} subject:".strip(), subjects, max_chars),
    )


@lru_cache(maxsize=8)
def _default_queries(scope: str, max_chars: int) -> tuple[str, ...]:
    return likely_job_mail_queries(scope, max_chars=max_chars, rulebook=default_rulebook())


def _sender_terms(rulebook: RuleBook) -> list[str]:
    """ATS and job-board domains; a subdomain of a listed domain is found by its parent."""
    domains = list(
        dict.fromkeys((*rulebook.senders.ats_domains, *rulebook.senders.job_board_domains))
    )
    listed = set(domains)
    return [domain for domain in domains if not _parent_listed(domain, listed)]


def _parent_listed(domain: str, listed: set[str]) -> bool:
    labels = domain.split(".")
    return any(".".join(labels[start:]) in listed for start in range(1, len(labels) - 1))


def _subject_searches(rulebook: RuleBook) -> list[Search]:
    """Every strong subject phrase as searches, shortest first, without covered ones."""
    searches = {
        search
        for language in rulebook.languages
        for phrase in language.subject_stages
        if phrase.weight >= STRENGTHS["strong"]
        for search in _phrase_searches(phrase.phrase)
    }
    kept: list[Search] = []
    for search in sorted(searches, key=lambda s: (sum(map(len, s)), len(s), s)):
        if not any(_covers(shorter, search) for shorter in kept):
            kept.append(search)
    return kept


def _phrase_searches(phrase: str) -> list[Search]:
    """One rule phrase as the searches that find it (see the module's docstring)."""
    parts: list[list[tuple[str, ...]]] = [[]]
    for token in phrase.lower().split():
        if token.startswith("~"):
            parts.append([])
        else:
            parts[-1].append(tuple(dict.fromkeys(w.rstrip("*") for w in token.split("|"))))
    places = [place for part in parts for place in part]
    spellings = 1
    for place in places:
        spellings *= len(place)
    if spellings <= MAX_SPELLINGS:
        return [
            tuple(_words(" ".join(words)) for words in combination)
            for combination in itertools.product(
                *(itertools.product(*part) for part in parts if part)
            )
        ]
    fixed = tuple(run for part in parts for run in _fixed_runs(part))
    if fixed:
        return [fixed]
    return [(_words(spelling),) for spelling in _fewest_spellings(places)]


def _fewest_spellings(places: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The spellings of the place with the fewest (none when even that one has too many): a
    phrase without a fixed word is searched by its most telling word alone."""
    fewest = min(places, key=len, default=())
    return fewest if len(fewest) <= MAX_SPELLINGS else ()


def _fixed_runs(part: list[tuple[str, ...]]) -> Iterator[Words]:
    """The runs of single-spelling words of one part (a place with choices ends a run)."""
    run: list[str] = []
    for place in [*part, ("", "")]:
        if len(place) == 1:
            run.append(place[0])
        elif run:
            yield _words(" ".join(run))
            run = []


def _words(text: str) -> Words:
    """Words as Gmail separates them: letters and digits; punctuation splits."""
    return tuple(_WORD.findall(text.replace("_", " ")))


def _covers(shorter: Search, longer: Search) -> bool:
    """True when every message ``longer`` finds is found by ``shorter`` too."""
    return all(any(_within(run, other) for other in longer) for run in shorter)


def _within(run: Words, other: Words) -> bool:
    size = len(run)
    return any(other[i : i + size] == run for i in range(len(other) - size + 1))


def _render(search: Search) -> str:
    runs = [run[0] if len(run) == 1 else '"' + " ".join(run) + '"' for run in search]
    return runs[0] if len(runs) == 1 else "(" + " ".join(runs) + ")"


def _grouped(prefix: str, terms: Iterable[str], max_chars: int) -> Iterator[str]:
    """``prefix{term term ...}`` searches, as few as fit in ``max_chars`` each."""
    group: list[str] = []
    room = max_chars - len(prefix) - len("{}")
    for term in terms:
        if len(term) > room:
            raise QueryTooLong(f"the search term {term!r} does not fit in {max_chars} characters")
        if group and len(" ".join([*group, term])) > room:
            yield prefix + "{" + " ".join(group) + "}"
            group = []
        group.append(term)
    if group:
        yield prefix + "{" + " ".join(group) + "}"
