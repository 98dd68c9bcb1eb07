"""What the rules find in an email: stage statements, what it is about, who sent it, its language.

`RuleMatchers` compiles a `RuleBook` once; `RuleMatchers.evidence` reads one email (its sender, its
subject and its newest text) and returns `Evidence`, from which the decision builds its features
and the Activity Log its explanation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from classifier.messages import JOB_LABELS
from classifier.phrases import PhraseMatcher, fold, fold_word
from classifier.rulebook import People, RuleBook, SenderRules, WeightedPhrase

JOB_GROUP = "job"
INTERVIEWER_SIDE = "interviewer_side"  # the ordinary group of mail about someone else's candidacy
STAGE_ORDER = {"applied": 0, "interviewing": 1, "offer": 2, "rejected": 2}
# A later stage outranks an earlier one: a rejection still thanks you for applying, an offer
# mentions the interviews. Earlier-stage evidence counts this much once a later stage is clear.
EARLIER_STAGE_DISCOUNT = 0.25
# "We will not be extending an offer": a negation this close before a positive statement
# turns it off (declines are phrased with negations, so theirs stay).
NEGATION_WINDOW_CHARS = 30
_NEGATABLE = frozenset({"applied", "interviewing", "offer"})
_SENDER = re.compile(r"^\s*(?P<display>[^<]*?)\s*<(?P<address>[^<>]*)>\s*$")
# The older form, the name as a comment after the address: "jobs@acme.example (Acme Careers)".
_COMMENTED_SENDER = re.compile(
    r"^\s*(?P<address>[^\s()<>]+@[^\s()<>]+)\s*\((?P<display>[^()]*)\)\s*$"
)
_MARKER_SAMPLE_CHARS = 600
# The words markers are counted in are the runs of a-z. Every other byte becomes a space, so they
# are the `split()` of the text's UTF-8 bytes (a letter outside a-z is bytes >= 0x80 there): three
# C calls, where a regular expression's `findall` cost a tenth of the rules' time.
_ONLY_A_TO_Z = bytes(byte if 0x61 <= byte <= 0x7A else 0x20 for byte in range(256))
_SENDER_CACHE_SIZE = 4096
_ADDRESS = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w.-]+")
# The words of a person's name: runs of letters.
NAME_WORDS = re.compile(r"[^\W\d_]+")
# A subject's words and the signs that join two people's names ("Alex <> Jane", "Alex / Jane").
_SUBJECT_WORDS = re.compile(r"[^\W\d_][\w'.-]*|<>|[&/+|]")
# A calendar invitation's subject ends with its time ("@ Tue Mar 3, 2pm"): capitalised words
# that are not people.
_CALENDAR_TIME = re.compile(r"\s@\s.*$")
_INITIAL = re.compile(r"^[^\W\d_a-z]\.$")
_SENTENCE_END = re.compile(r"[.!?:;]\s|\n")
# "Jane Doe referred you", "Jane Doe from Acme has invited you": a name this many words before
# "you".
ADDRESSED_WITHIN = 5


@dataclass(frozen=True)
class Cue:
    """One piece of rule evidence: which rule fired, for which label or group, how much it counts.

    ``kind`` is ``phrase`` (a stage statement), ``subject`` (a stage statement in the subject
    line), ``context`` (what the email is about: ``label`` is ``job`` or an ordinary group), or
    ``sender`` (``label`` is ats, board, platform, hiring or automated).
    """

    kind: str
    label: str
    detail: str
    weight: float
    language: str = ""

    @property
    def reason(self) -> str:
        """The short machine-readable reason ("phrase:offer letter", "context:job:salary")."""
        if self.kind in ("context", "sender"):
            return f"{self.kind}:{self.label}:{self.detail}"
        return f"{self.kind}:{self.detail}"


@dataclass(frozen=True)
class SenderFacts:
    """What the From header says about the sender."""

    domain: str = ""
    display: str = ""
    ats: bool = False
    board: bool = False
    platform: bool = False
    hiring: bool = False
    automated: bool = False
    free_mail: bool = False
    ordinary: tuple[str, ...] = ()  # the ordinary groups its name says it sends


@dataclass
class Evidence:
    """Everything the rules found in one email."""

    stage: dict[str, float] = field(default_factory=lambda: dict.fromkeys(JOB_LABELS, 0.0))
    subject: dict[str, float] = field(default_factory=lambda: dict.fromkeys(JOB_LABELS, 0.0))
    job_context: float = 0.0
    ordinary: dict[str, float] = field(default_factory=dict)
    sender: SenderFacts = field(default_factory=SenderFacts)
    language: str = "en"
    internal: bool = False  # sent from the reader's own (work) domain to the reader
    # Someone else forwarding mail that was sent to them: their news, not the reader's.
    others_news: bool = False
    cues: list[Cue] = field(default_factory=list)

    @property
    def stage_found(self) -> bool:
        """True when any statement about an application's stage was found."""
        return any(self.stage.values()) or any(self.subject.values())


class RuleMatchers:
    """A compiled `RuleBook`: phrase matchers for text and subjects, negations, markers, senders."""

    def __init__(self, rules: RuleBook) -> None:
        self.rules = rules
        text_phrases: list[WeightedPhrase] = []
        subject_phrases: list[WeightedPhrase] = []
        negations: set[str] = set()
        # Each marker word and the languages it marks (a word such as "de" marks several).
        self._markers: dict[bytes, tuple[str, ...]] = {}
        for language in rules.languages:
            text_phrases += [*language.stages, *language.job_context, *language.ordinary]
            subject_phrases += language.subject_stages
            negations.update(language.negations)
            for word in {fold(word).encode() for word in language.markers}:
                self._markers[word] = (*self._markers.get(word, ()), language.code)
        self._languages = tuple(language.code for language in rules.languages)
        self._text = PhraseMatcher(
            (phrase.phrase, _cue_for(phrase)) for phrase in _distinct(text_phrases)
        )
        self._subject = PhraseMatcher(
            (phrase.phrase, _cue_for(phrase, kind="subject"))
            for phrase in _distinct(subject_phrases)
        )
        words = "|".join(sorted((re.escape(fold(word)) for word in negations), key=len)[::-1])
        self._negation = re.compile(rf"(?<![\w'])(?:{words})(?![\w])\W+(?:[\w'-]+\W+){{0,3}}$")
        self._senders = rules.senders
        self._sender_words = SenderWords(
            hiring=PhraseMatcher((word, "hiring") for word in rules.senders.hiring_sender_words),
            ordinary=PhraseMatcher(
                (word, group)
                for group, words in rules.senders.ordinary_sender_words
                for word in words
            ),
        )
        # A mailbox hears from the same senders again and again; bounded by clearing when full.
        self._sender_facts: dict[str, SenderFacts] = {}

    def evidence(
        self, sender: str, subject: str, text: str, *, to: str = "", forwarded_message: str = ""
    ) -> Evidence:
        """Read one email: ``text`` is the subject and newest text the pipeline reads; ``to`` its
        recipients (the reader among them); ``forwarded_message`` a message it forwards (its
        header lines and newest text)."""
        return self.evidence_folded(
            sender, subject, fold(text), to=to, forwarded_message=forwarded_message
        )

    def evidence_folded(
        self,
        sender: str,
        subject: str,
        folded_text: str,
        *,
        to: str = "",
        forwarded_message: str = "",
    ) -> Evidence:
        """`evidence`, for a text already folded (`classifier.phrases.fold`)."""
        folded_subject = fold(subject)
        found = Evidence(sender=self._facts(sender))
        found.internal = self._internal(found.sender, to)
        if forwarded_message:
            found.others_news = forwards_own_mail_of_another(
                sender, found.sender, to, forwarded_message, self.rules.people.given_names
            )
        found.language = self._language(folded_text)
        counted: dict[tuple[str, str, int], float] = {}
        for matcher, folded in ((self._text, folded_text), (self._subject, folded_subject)):
            for cue, start, end in matcher.find(folded):
                if not self._turned_off(cue, folded, start):
                    _add_once(found, _as_found(cue, folded[start:end]), start, counted)
        found.cues.extend(_sender_cues(found.sender))
        another = another_person(subject, to, found.sender.display, self.rules.people, folded_text)
        if another:
            cue = Cue("context", INTERVIEWER_SIDE, another, 1.0)
            found.cues.append(cue)
            _add(found, cue)
        for group in found.sender.ordinary:
            cue = Cue("sender", group, found.sender.display or found.sender.domain, 1.0)
            found.cues.append(cue)
            _add(found, cue)
        _discount_earlier_stages(found.stage)
        return found

    def _internal(self, sender: SenderFacts, to: str) -> bool:
        """Sent from a domain of one of the recipients' own (not a free mail provider's, not an
        applicant tracking system's): the reader's employer writing to them."""
        if not sender.domain or sender.free_mail or sender.ats or sender.board or "@" not in to:
            return False
        return any(
            domain not in self._senders.free_mail_domains
            and known_domain(sender.domain, (domain,)) is not None
            for domain in recipient_domains(to)
        )

    def _facts(self, sender: str) -> SenderFacts:
        facts = self._sender_facts.get(sender)
        if facts is None:
            if len(self._sender_facts) >= _SENDER_CACHE_SIZE:
                self._sender_facts.clear()
            facts = sender_facts(sender, self._senders, self._sender_words)
            self._sender_facts[sender] = facts
        return facts

    def _turned_off(self, cue: Cue, folded: str, start: int) -> bool:
        """A positive stage statement right after a negation ("not ... an offer") does not count."""
        return (
            cue.kind in ("phrase", "subject")
            and cue.label in _NEGATABLE
            and self._negated(folded, start)
        )

    def _negated(self, folded: str, start: int) -> bool:
        window = folded[max(0, start - NEGATION_WINDOW_CHARS) : start]
        return bool(window) and self._negation.search(window) is not None

    def _language(self, folded_text: str) -> str:
        """The language whose marker words are most frequent at the start of the text (the
        first in the rule book's order on a tie; English when none is found)."""
        sample = folded_text[:_MARKER_SAMPLE_CHARS].encode("utf-8", "replace")
        words = sample.translate(_ONLY_A_TO_Z).split()
        counts = dict.fromkeys(self._languages, 0)
        # A plain loop: a `Counter` cost more to build than the dozen marker words it counted.
        for codes in filter(None, map(self._markers.get, words)):
            for code in codes:
                counts[code] += 1
        best, best_count = "en", 0
        for code, count in counts.items():
            if count > best_count:
                best, best_count = code, count
        return best


@lru_cache(maxsize=1024)  # a mailbox's mail is addressed to the same few recipients
def recipient_domains(to: str) -> frozenset[str]:
    """The domains of the addresses in a To or Cc header."""
    domains = (found.rpartition("@")[2].lower().rstrip(".") for found in _ADDRESS.findall(to))
    return frozenset(domain for domain in domains if domain)


@lru_cache(maxsize=256)  # a mailbox has one reader
def reader_names(reader: str) -> frozenset[str]:
    """The words of the reader's name, or else of their address's local part ("jordan", "lee";
    "inesbaker"), of three letters or more."""
    display, address = split_sender(reader)
    return name_words(display or address.rpartition("@")[0])


def name_words(name: str) -> frozenset[str]:
    """The words of a person's name, folded, of three letters or more (every known given name
    has three or more): "Dr. Ana María Ruiz" is "ana", "maria", "ruiz"."""
    words = (fold(word) for word in NAME_WORDS.findall(name))
    return frozenset(word for word in words if len(word) >= 3)


def names_the_reader(part: str, names: frozenset[str]) -> bool:
    """Whether a piece of text (a subject's part, a sender's name) holds one of the reader's
    ``names``: a word of it, or two of its words written together ("inesbaker" of "Ines Baker")."""
    words = [fold(word) for word in NAME_WORDS.findall(part)]
    together = (first + second for first, second in itertools.pairwise(words))
    return not names.isdisjoint({*words, *together})


def another_person(
    subject: str, to: str, sender_display: str, people: People, folded_text: str = ""
) -> str | None:
    """The person a subject names who is neither the reader (of the To header ``to``) nor the
    sender, nor the reader's counterpart ("Interview with Jane Doe", "Alex / Jane Doe", "Jane Doe
    referred you"): a known given name and a capitalised word or an initial after it ("Offer
    accepted: Sofia Ruiz", "You've been asked to interview Chris Wong"). A tracking system
    writing to an interviewer names the candidate; one writing to a candidate names the
    candidate or the company. A person the text (``folded_text``, folded) names as the
    counterpart ("your interview with Jane Doe", "Sarah Lopez has invited you") is not another.
    None when the reader is named, or unknown (no address: "undisclosed-recipients:;")."""
    words = _SUBJECT_WORDS.findall(_CALENDAR_TIME.sub("", subject) if "@" in subject else subject)
    named = _people_named(words, people.given_names)
    names = reader_names(to) if named and "@" in to else frozenset()
    if not names or names_the_reader(subject, names):
        return None
    sender = name_words(sender_display)
    for index in named:
        given, family = words[index : index + 2]
        before = [fold(words[index - 1])] if index else []
        after = [fold(word) for word in words[index + 2 : index + 2 + ADDRESSED_WITHIN]]
        person = f"{given} {family}"
        if (
            fold(given) in sender  # one of the sender's names: "Ana" is not in "Diana"
            or shares_a_name({fold(family).strip(".")}, names)
            or _as_counterpart(before, after, people)
            or _counterpart_in(fold(person), folded_text, people)
        ):
            continue
        return person
    return None


def _people_named(words: list[str], given_names: frozenset[str]) -> list[int]:
    """Where in ``words`` a person is named: a capitalised given name, then a capitalised word
    or an initial ("Sofia Ruiz", "Anna S."). Read for every email, so its tests run cheapest
    first."""
    return [
        index
        for index, (given, family) in enumerate(itertools.pairwise(words))
        if given[0].isupper()
        and fold_word(given) in given_names
        and _capitalised(given)
        and (_capitalised(family) or _INITIAL.match(family))
    ]


def _as_counterpart(before: list[str], after: list[str], people: People) -> bool:
    """Whether a name between these words is the reader's counterpart: after "with" or "from",
    before the company they write for ("Emily Zhao from Quantiq") or before "you" ("Jane Doe
    referred you")."""
    if before and before[-1] in people.counterpart_words:
        return True
    if after and after[0] in people.company_words:
        return True
    return any(word in people.reader_words for word in after)


def _counterpart_in(person: str, folded_text: str, people: People) -> bool:
    """Whether the text names ``person`` (folded) as the reader's counterpart anywhere, judged
    within the sentence it is named in."""
    start = folded_text.find(person)
    while start >= 0:
        end = start + len(person)
        opening = _SENTENCE_END.split(folded_text[max(0, start - 20) : start])[-1]
        rest = _SENTENCE_END.split(folded_text[end : end + 40])[0]
        before, after = NAME_WORDS.findall(opening)[-1:], NAME_WORDS.findall(rest)
        if _as_counterpart(before, after[:ADDRESSED_WITHIN], people):
            return True
        start = folded_text.find(person, end)
    return False


def _capitalised(word: str) -> bool:
    """An upper-case letter, then at least one lower-case one ("Sofia", "O'Brien"; not "HR")."""
    rest = word[1:]
    return word[0].isupper() and rest != rest.upper()


def shares_a_name(words: Iterable[str], names: frozenset[str]) -> bool:
    """Whether a word of three letters or more is one of ``names`` or inside one, or holds one
    ("kim" of "akim", "pshah" of "Priya Shah")."""
    return any(mine in word or word in mine for word in words if len(word) >= 3 for mine in names)


def forwards_own_mail_of_another(
    sender: str,
    facts: SenderFacts,
    to: str,
    forwarded_message: str,
    given_names: Container[str] = frozenset(),
) -> bool:
    """Whether a forward is a friend or a relative passing on mail that was sent to them ("Fwd: I
    got the job!"): a person at a free mail provider, named, whom the forwarded message was
    addressed to; whose name shares no word with the reader's, not even inside one ("pshah" of
    "Priya Shah"), so that the reader forwarding from another address of their own is never taken
    for someone else, unless the two go by other given names (a sister: "Deniz Yilmaz" to
    m.yilmaz@…); and a message that does not name the reader by a name the sender does not share
    ("thanks for passing on Tom's details" is news of Tom's application)."""
    if not facts.free_mail or facts.automated or not facts.display:
        return False
    theirs = name_words(facts.display)
    reader = reader_names(to)
    if not theirs or not reader:
        return False
    if shares_a_name(theirs, reader) and not _other_given_name(facts.display, to, given_names):
        return False
    message = forwarded_message.lower()
    address = split_sender(sender)[1].lower()
    sent_to_them = (bool(address) and address in message) or facts.display.lower() in message
    own = frozenset(word for word in reader if not shares_a_name([word], theirs))
    return sent_to_them and not names_the_reader(forwarded_message, own)


def _other_given_name(display: str, to: str, given_names: Container[str]) -> bool:
    """Whether the sender's given name (the first word of three letters or more of ``display``,
    "Dr." left out) is not the reader's: the first word of the reader's name or address that is
    not one of the sender's other names (a family name written together with it cut off: "dan"
    of danokafor@…), when it is an initial ("m" of m.yilmaz@…) or both are known given names;
    unknown words tell nothing."""
    words = [fold_word(word) for word in NAME_WORDS.findall(display) if len(word) >= 3]
    if not words or words[0] not in given_names:
        return False
    given, family = words[0], words[1:]
    reader_display, address = split_sender(to)
    reader_words = NAME_WORDS.findall(reader_display or address.partition("@")[0])
    own = (_without_family(fold_word(word), family) for word in reader_words)
    candidates = [word for word in own if word and word not in family]
    if not candidates:
        return False
    reader_given = candidates[0]
    if len(reader_given) == 1:
        return not reader_display and reader_given != given[0]
    if reader_given not in given_names:
        return False
    return not (reader_given.startswith(given) or given.startswith(reader_given))


def _without_family(word: str, family: Iterable[str]) -> str:
    """A reader's name word with a family name it was written together with cut off: "dan" of
    "danokafor", "m" of "mokafor"; the word itself when it holds none of them."""
    for name in family:
        if word == name:
            continue
        if word.endswith(name):
            return word[: -len(name)]
        if word.startswith(name):
            return word[len(name) :]
    return word


def _cue_for(phrase: WeightedPhrase, *, kind: str | None = None) -> Cue:
    if kind is None:
        kind = "phrase" if phrase.group in JOB_LABELS else "context"
    return Cue(kind, phrase.group, phrase.phrase, phrase.weight, phrase.language)


def _as_found(cue: Cue, matched: str) -> Cue:
    """The cue with the words it matched as its detail (a phrase with alternatives or gaps
    reads better as what the email said)."""
    words = " ".join(matched.split())
    if cue.detail == words:
        return cue
    return Cue(cue.kind, cue.label, words, cue.weight, cue.language)  # `replace` is slower


def _distinct(phrases: Iterable[WeightedPhrase]) -> list[WeightedPhrase]:
    """One entry per (phrase as folded, group): a word two languages spell alike counts once."""
    kept: dict[tuple[str, str], WeightedPhrase] = {}
    for phrase in phrases:
        key = (" ".join(fold(phrase.phrase).split()), phrase.group)
        if key not in kept or phrase.weight > kept[key].weight:
            kept[key] = phrase
    return list(kept.values())


def _add_once(
    found: Evidence, cue: Cue, start: int, counted: dict[tuple[str, str, int], float]
) -> None:
    """Add a cue's weight, counting each place of the text once per label: phrases that match
    the same words add only what the strongest of them weighs."""
    key = (cue.kind, cue.label, start)
    already = counted.get(key, 0.0)
    found.cues.append(cue)
    if cue.weight <= already:
        return
    counted[key] = cue.weight
    _add(found, Cue(cue.kind, cue.label, cue.detail, cue.weight - already, cue.language))


def _add(found: Evidence, cue: Cue) -> None:
    if cue.kind == "phrase":
        found.stage[cue.label] += cue.weight
    elif cue.kind == "subject":
        found.subject[cue.label] += cue.weight
    elif cue.label == JOB_GROUP:
        found.job_context += cue.weight
    else:
        found.ordinary[cue.label] = found.ordinary.get(cue.label, 0.0) + cue.weight


def _discount_earlier_stages(stage: dict[str, float]) -> None:
    clear = [label for label in JOB_LABELS if stage[label] >= 1.0]
    if not clear:
        return
    latest = max(STAGE_ORDER[label] for label in clear)
    for label in JOB_LABELS:
        if STAGE_ORDER[label] < latest:
            stage[label] *= EARLIER_STAGE_DISCOUNT


def split_sender(sender: str) -> tuple[str, str]:
    """Split a From header into its display name and address (a fast `email.utils.parseaddr`)."""
    found = _SENDER.match(sender) or _COMMENTED_SENDER.match(sender)
    if found:
        return found.group("display").strip().strip('"').strip(), found.group("address").strip()
    text = sender.strip()
    return ("", text) if "@" in text else (text, "")


def known_domain(domain: str, known_domains: Container[str]) -> str | None:
    """The entry of ``known_domains`` that ``domain`` is, or is a subdomain of (the longest)."""
    name = domain
    while name:
        if name in known_domains:
            return name
        name = name.partition(".")[2]
    return None


@dataclass(frozen=True)
class SenderWords:
    """The words of senders' names, compiled: hiring ones, and ordinary ones by group."""

    hiring: PhraseMatcher[str]
    ordinary: PhraseMatcher[str]


def sender_facts(sender: str, senders: SenderRules, words: SenderWords) -> SenderFacts:
    """What the From header says: an ATS, a job board, a platform, a hiring or automated name,
    or a name that says what else it sends ("Weekly Digest", "Office of Admissions")."""
    display, address = split_sender(sender or "")
    local, _, domain = address.lower().rpartition("@")
    domain = domain.rstrip(".>")
    named = fold(f"{display} {local.replace('.', ' ').replace('_', ' ')}")
    ats = known_domain(domain, senders.ats_domain_set) is not None
    hiring = bool(words.hiring.find(named))
    # A company's own name may hold such a word ("Editorial Tinta Roja" hiring through an ATS).
    ordinary = () if ats else _groups_named(words.ordinary, named)
    return SenderFacts(
        domain=domain,
        display=display,
        ats=ats,
        board=known_domain(domain, senders.job_board_domain_set) is not None,
        platform=known_domain(domain, senders.platform_domain_set) is not None,
        hiring=hiring,
        automated=any(
            fold_word(word) in named or word in local for word in senders.automated_sender_words
        ),
        free_mail=domain in senders.free_mail_domains,
        ordinary=ordinary,
    )


def _groups_named(matcher: PhraseMatcher[str], named: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(group for group, _, _ in matcher.find(named)))


def _sender_cues(facts: SenderFacts) -> list[Cue]:
    flags = (("ats", facts.ats), ("board", facts.board), ("platform", facts.platform))
    cues = [Cue("sender", name, facts.domain, 1.0) for name, on in flags if on]
    if facts.hiring:
        cues.append(Cue("sender", "hiring", facts.display or facts.domain, 1.0))
    return cues
