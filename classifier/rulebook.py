"""The rule files: one JSON file per language (`rules/<code>.json`), the senders' table
(`senders.json`) and how people are named (`people.json`: given names, for a subject that names
someone other than the reader).

A language file holds what mail in that language says, in the phrase language of
`classifier.phrases`:

- ``markers``: its most frequent short words, to tell the language of an email;
- ``negations``: words that turn off a positive statement right after them ("not", "kein");
- ``quoting``: how mail clients in that language mark quoted history, forwards and signatures
  (the reply header's first word and verb, "Original Message", header names, sign-offs, subject
  prefixes) and the headings under which a job board lists other jobs ("Similar jobs") — the
  newest text of an email, above them, is what is read;
- ``extraction``: the words around a company's name or a job title ("at Acme", "als …"), in a
  sender's name ("Lena from Acme", "via Hirely") and within names and titles ("Banco de Chile",
  "Segurança e Saúde"); read by extraction only (`Extraction` and classifier/README.md say what
  each key holds);
- ``stages``: per job label (applied, interviewing, offer, rejected), ``strong`` and ``weak``
  phrases that say where the reader's own application stands;
- ``subject_stages``: the same, for phrases that mean it only in a subject line;
- ``job_context``: words that put an email in the world of jobs and hiring;
- ``ordinary``: named groups of phrases that say the email is something else (job alerts,
  newsletters, commerce, other kinds of application, the reader as interviewer, ...).

Adding a language is adding its file (and training mail in it); no code changes. Every file is
checked when loaded: an unknown section, label or a phrase that does not compile is an error that
names the file and the place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from classifier.messages import JOB_LABELS
from classifier.phrases import PhraseError, compile_phrase, fold

RULES_DIR = Path(__file__).resolve().parent / "rules"
SENDERS_FILE = "senders.json"
PEOPLE_FILE = "people.json"
_TABLE_FILES = frozenset({SENDERS_FILE, PEOPLE_FILE})
STRENGTHS = {"strong": 1.0, "weak": 0.5}
_LANGUAGE_KEYS = frozenset(
    {
        "language",
        "name",
        "markers",
        "negations",
        "quoting",
        "extraction",
        "stages",
        "subject_stages",
        "job_context",
        "ordinary",
    }
)
_QUOTING_KEYS = (
    "reply_starts",
    "reply_verbs",
    "original_message",
    "forwarded",
    "from_headers",
    "sent_headers",
    "header_names",
    "sign_offs",
    "mobile_footers",
    "legal_notices",
    "subject_prefixes",
    "forward_subject_prefixes",
    "other_jobs_headings",
)
_SENDER_KEYS = frozenset(
    {
        "ats_domains",
        "job_board_domains",
        "platform_domains",
        "free_mail_domains",
        "hiring_sender_words",
        "ordinary_sender_words",
        "automated_sender_words",
        "vendor_names",
        "ats_company_path_hosts",
        "ats_company_mailbox_hosts",
        "generic_subdomains",
        "tool_senders",
    }
)
# Read by extraction only (where a link names the company, which senders never are it): not part
# of what the model was fitted against, so the rules fingerprint leaves them out.
EXTRACTION_ONLY_SENDER_KEYS = frozenset(
    {
        "vendor_names",
        "ats_company_path_hosts",
        "ats_company_mailbox_hosts",
        "generic_subdomains",
        "tool_senders",
    }
)


class RuleFileError(ValueError):
    """A rule file is malformed; the message names the file, the place and the fix."""


@dataclass(frozen=True, slots=True)  # one per phrase: thousands in every worker
class WeightedPhrase:
    """One phrase of a rule file, where it came from and how much it counts."""

    phrase: str
    group: str  # a job label, "job" for job context, or an ordinary group's name
    weight: float
    language: str


@dataclass(frozen=True)
class Quoting:
    """How a language's mail marks quoted history, forwards, signatures, a job board's list of
    other jobs and a data-protection or confidentiality notice (lower case)."""

    reply_starts: tuple[str, ...] = ()
    reply_verbs: tuple[str, ...] = ()
    original_message: tuple[str, ...] = ()
    forwarded: tuple[str, ...] = ()
    from_headers: tuple[str, ...] = ()
    sent_headers: tuple[str, ...] = ()
    header_names: tuple[str, ...] = ()
    sign_offs: tuple[str, ...] = ()
    mobile_footers: tuple[str, ...] = ()
    legal_notices: tuple[str, ...] = ()  # "Privacy notice", "Hinweise zum Datenschutz"
    subject_prefixes: tuple[str, ...] = ()
    forward_subject_prefixes: tuple[str, ...] = ()  # of them, a forward's ("Fwd", "WG", "TR")
    other_jobs_headings: tuple[str, ...] = ()  # "Similar jobs", "Ähnliche Stellen"

    def merged(self, other: Quoting) -> Quoting:
        """Both languages' markers (each list keeps its order, without repeats)."""
        values = {
            name: tuple(dict.fromkeys((*getattr(self, name), *getattr(other, name))))
            for name in _QUOTING_KEYS
        }
        return Quoting(**values)


@dataclass(frozen=True)
class Extraction:
    """How a language names the company and the role: "at Acme", "bei Acme"; "as a Data
    Analyst", "au poste de …"; and the words that follow a role ("position", "Stelle")."""

    company_before: tuple[str, ...] = ()
    role_before: tuple[str, ...] = ()
    role_nouns: tuple[str, ...] = ()
    # Words of a sender's display name that name the hiring department, not the company
    # ("Talent Acquisition", "Talentteam", "Equipo de Selección").
    sender_noise: tuple[str, ...] = ()
    role_stop: tuple[str, ...] = ()  # words a role does not start with ("your", "the")
    role_titles: tuple[str, ...] = ()  # words of job titles ("engineer", "analyst")
    role_fields: tuple[str, ...] = ()  # of them, fields that also end companies' names
    company_stop: tuple[str, ...] = ()  # capitalised words that are not a company ("Dear")
    # Words that may follow a company's name in a sentence ("Acme has received", "Acme a reçu").
    company_after: tuple[str, ...] = ()
    sender_company_before: tuple[str, ...] = ()  # before the company in a sender name: "Jo at Acme"
    sender_platform_before: tuple[str, ...] = ()  # "Acme via Hirely": the platform, not the company
    company_joiners: tuple[str, ...] = ()  # join a company's words: "Bank of X", "Banco de X"
    domain_omitted: tuple[str, ...] = ()  # left out of a name by its domain: "Vale do Jequiá"
    ampersand_words: tuple[str, ...] = ()  # "&" as a domain spells it: marksandspencer
    role_conjunctions: tuple[str, ...] = ()  # join a title's words, never end it: "Saúde e Higiene"
    role_prepositions: tuple[str, ...] = ()  # a title goes on past them: "Fachkraft für Lager"
    role_trailing: tuple[str, ...] = ()  # a title neither starts nor ends with them: "at", "with"
    role_end: tuple[str, ...] = ()  # the sentence goes on past a title: "we", "el", "einladen"
    # After a company acting on the reader's application in a relay's subject or sentence:
    # "invites you", "declined your application", "vous propose", "hat sich leider".
    company_acts: tuple[str, ...] = ()
    # Of company_before, those that as often precede a person or a place ("with", "en", "do").
    company_before_loose: tuple[str, ...] = ()
    # An article between company_before and an institution's name, read only when a joiner is
    # inside the name: "with the City of Tacoma" ("en el Servicio de …" is as often a department
    # as the employer, so not every language has them).
    company_articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class LanguageRules:
    """One language's file, read and checked."""

    code: str
    markers: frozenset[str]
    negations: tuple[str, ...]
    quoting: Quoting
    extraction: Extraction
    stages: tuple[WeightedPhrase, ...]
    subject_stages: tuple[WeightedPhrase, ...]
    job_context: tuple[WeightedPhrase, ...]
    ordinary: tuple[WeightedPhrase, ...]


@dataclass(frozen=True)
class SenderRules:
    """Who sends job mail: applicant tracking systems, job boards, platforms and sender names."""

    ats_domains: tuple[str, ...] = ()
    job_board_domains: tuple[str, ...] = ()
    platform_domains: tuple[str, ...] = ()
    free_mail_domains: frozenset[str] = frozenset()
    hiring_sender_words: tuple[str, ...] = ()
    # The words of a sender's name that say what else it sends, by ordinary group: "newsletter"
    # (content), "Job Alerts" (job_alert), "Admissions" (other_application).
    ordinary_sender_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    automated_sender_words: tuple[str, ...] = ()
    vendor_names: tuple[str, ...] = ()  # never a hiring company (ATS, job boards, platforms)
    # Hosts whose links carry the company in the path (jobs.lever.co/acme/...), and subdomains
    # of an ATS that are not a company's (www, jobs, careers, ...).
    ats_company_path_hosts: tuple[str, ...] = ()
    # ATS domains that send each company's mail from an address named after it
    # (northwind@myworkday.com).
    ats_company_mailbox_hosts: tuple[str, ...] = ()
    generic_subdomains: frozenset[str] = frozenset()
    # Calendar, meeting and signing tools (domains or whole addresses): they send for a company,
    # so neither their name nor their domain is the company.
    tool_senders: tuple[str, ...] = ()

    # Each list as a set, for `evidence.known_domain`: most senders are new to a worker, and a
    # scan of the lists took a quarter of an email's time on real mail.
    @cached_property
    def ats_domain_set(self) -> frozenset[str]:
        return frozenset(self.ats_domains)

    @cached_property
    def job_board_domain_set(self) -> frozenset[str]:
        return frozenset(self.job_board_domains)

    @cached_property
    def platform_domain_set(self) -> frozenset[str]:
        return frozenset(self.platform_domains)


@dataclass(frozen=True)
class People:
    """How people are named (folded): the given names a person is known by ("Sofia", "Jürgen"),
    and the words after which a named person is the other party of the reader's own exchange
    ("Interview with Jane Doe", "Alex / Jane Doe", "from Jane Doe"), not its subject."""

    given_names: frozenset[str] = frozenset()
    counterpart_words: frozenset[str] = frozenset()
    # Words by which a named person addresses the reader ("Jane Doe referred you", "… hat Sie
    # eingeladen"): that person is the reader's counterpart too.
    reader_words: frozenset[str] = frozenset()
    # Words between a person and the company they write for ("Emily Zhao from Quantiq").
    company_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleBook:
    """Every language's rules, the senders' table and how people are named."""

    languages: tuple[LanguageRules, ...]
    senders: SenderRules = field(default_factory=SenderRules)
    people: People = field(default_factory=People)

    def all_stages(self) -> Iterator[WeightedPhrase]:
        """Every language's stage phrases."""
        for language in self.languages:
            yield from language.stages

    def extraction(self) -> Extraction:
        """Every language's extraction words together."""
        return Extraction(
            *(
                tuple(
                    dict.fromkeys(
                        word for rules in self.languages for word in getattr(rules.extraction, name)
                    )
                )
                for name in _EXTRACTION_KEYS
            )
        )

    def quoting(self) -> Quoting:
        """Every language's quoting markers together (mail mixes languages)."""
        merged = Quoting()
        for language in self.languages:
            merged = merged.merged(language.quoting)
        return merged

    def codes(self) -> tuple[str, ...]:
        """The language codes, English first."""
        return tuple(language.code for language in self.languages)


@lru_cache(maxsize=1)
def default_rulebook() -> RuleBook:
    """The shipped rule files, read once per process."""
    return load_rulebook(RULES_DIR)


def load_rulebook(directory: Path = RULES_DIR) -> RuleBook:
    """Read and check every rule file in ``directory``."""
    files = sorted(path for path in directory.glob("*.json") if path.name not in _TABLE_FILES)
    if not files:
        raise RuleFileError(f"{directory} holds no language rule files (like en.json)")
    languages = sorted(
        (read_language_file(path) for path in files), key=lambda rules: rules.code != "en"
    )
    return RuleBook(
        tuple(languages),
        read_senders_file(directory / SENDERS_FILE),
        read_people_file(directory / PEOPLE_FILE),
    )


def read_language_file(path: Path) -> LanguageRules:
    """One language's rules, checked; `RuleFileError` names what is wrong."""
    data = _json_object(path)
    unknown = set(data) - _LANGUAGE_KEYS
    if unknown:
        raise RuleFileError(f"{path.name}: unknown section(s) {sorted(unknown)}")
    code = data.get("language")
    if not isinstance(code, str) or code != path.stem:
        raise RuleFileError(f"{path.name}: 'language' must be {path.stem!r}, the file's name")
    return LanguageRules(
        code=code,
        markers=frozenset(_words(path, data, "markers")),
        negations=tuple(_words(path, data, "negations")),
        quoting=_quoting(path, data.get("quoting", {})),
        extraction=_extraction(path, data.get("extraction", {})),
        stages=tuple(_grouped(path, code, data, "stages", JOB_LABELS)),
        subject_stages=tuple(_grouped(path, code, data, "subject_stages", JOB_LABELS)),
        job_context=tuple(
            _strengths(path, code, data.get("job_context", {}), "job_context", "job")
        ),
        ordinary=tuple(_grouped(path, code, data, "ordinary", None)),
    )


def read_senders_file(path: Path) -> SenderRules:
    """The senders' table, checked."""
    if not path.is_file():
        return SenderRules()
    data = _json_object(path)
    unknown = set(data) - _SENDER_KEYS
    if unknown:
        raise RuleFileError(f"{path.name}: unknown section(s) {sorted(unknown)}")
    values = {
        key: tuple(_words(path, data, key)) for key in _SENDER_KEYS - {"ordinary_sender_words"}
    }
    return SenderRules(
        ats_domains=values["ats_domains"],
        job_board_domains=values["job_board_domains"],
        platform_domains=values["platform_domains"],
        free_mail_domains=frozenset(values["free_mail_domains"]),
        hiring_sender_words=values["hiring_sender_words"],
        ordinary_sender_words=_word_groups(path, data, "ordinary_sender_words"),
        automated_sender_words=values["automated_sender_words"],
        vendor_names=values["vendor_names"],
        ats_company_path_hosts=values["ats_company_path_hosts"],
        ats_company_mailbox_hosts=values["ats_company_mailbox_hosts"],
        generic_subdomains=frozenset(values["generic_subdomains"]),
        tool_senders=values["tool_senders"],
    )


def read_people_file(path: Path) -> People:
    """How people are named, checked (no file: no names known)."""
    if not path.is_file():
        return People()
    data = _json_object(path)
    unknown = set(data) - set(_PEOPLE_KEYS)
    if unknown:
        raise RuleFileError(f"{path.name}: unknown section(s) {sorted(unknown)}")
    return People(**{key: frozenset(map(fold, _words(path, data, key))) for key in _PEOPLE_KEYS})


_PEOPLE_KEYS = ("given_names", "counterpart_words", "reader_words", "company_words")


def _word_groups(
    path: Path, data: Mapping[str, Any], key: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    groups = data.get(key, {})
    if not isinstance(groups, dict):
        raise RuleFileError(f"{path.name}: {key!r} must map group names to word lists")
    return tuple(
        (group, tuple(_words(path, {f"{key}.{group}": words}, f"{key}.{group}")))
        for group, words in groups.items()
    )


def _quoting(path: Path, data: object) -> Quoting:
    if not isinstance(data, dict) or set(data) - set(_QUOTING_KEYS):
        raise RuleFileError(
            f"{path.name}: 'quoting' must map some of {', '.join(_QUOTING_KEYS)} to word lists"
        )
    return Quoting(**{key: tuple(_words(path, data, key)) for key in _QUOTING_KEYS})


_EXTRACTION_KEYS = (
    "company_before",
    "role_before",
    "role_nouns",
    "sender_noise",
    "role_stop",
    "role_titles",
    "role_fields",
    "company_stop",
    "company_after",
    "sender_company_before",
    "sender_platform_before",
    "company_joiners",
    "domain_omitted",
    "ampersand_words",
    "role_conjunctions",
    "role_prepositions",
    "role_trailing",
    "role_end",
    "company_acts",
    "company_before_loose",
    "company_articles",
)


def _extraction(path: Path, data: object) -> Extraction:
    if not isinstance(data, dict) or set(data) - set(_EXTRACTION_KEYS):
        raise RuleFileError(
            f"{path.name}: 'extraction' must map some of {', '.join(_EXTRACTION_KEYS)} to lists"
        )
    extraction = Extraction(**{key: tuple(_words(path, data, key)) for key in _EXTRACTION_KEYS})
    for part, whole in (("company_before_loose", "company_before"), ("role_fields", "role_titles")):
        stray = set(getattr(extraction, part)) - set(getattr(extraction, whole))
        if stray:
            raise RuleFileError(f"{path.name}: {part} words not in {whole}: {sorted(stray)}")
    return extraction


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"{path.name}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RuleFileError(f"{path.name}: the file must hold one JSON object")
    return data


def _words(path: Path, data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise RuleFileError(f"{path.name}: {key!r} must be a list of non-empty strings")
    return [item.strip().lower() for item in value]


def _grouped(
    path: Path,
    code: str,
    data: Mapping[str, Any],
    section: str,
    allowed: tuple[str, ...] | None,
) -> Iterator[WeightedPhrase]:
    groups = data.get(section, {})
    if not isinstance(groups, dict):
        raise RuleFileError(f"{path.name}: {section!r} must map names to strong/weak lists")
    for group, strengths in groups.items():
        if allowed is not None and group not in allowed:
            raise RuleFileError(
                f"{path.name}: {section}.{group} is not one of {', '.join(allowed)}"
            )
        yield from _strengths(path, code, strengths, f"{section}.{group}", group)


def _strengths(
    path: Path, code: str, strengths: object, where: str, group: str
) -> Iterator[WeightedPhrase]:
    if not isinstance(strengths, dict) or set(strengths) - set(STRENGTHS):
        raise RuleFileError(f"{path.name}: {where} must hold 'strong' and/or 'weak' lists")
    for strength, phrases in strengths.items():
        if not isinstance(phrases, list):
            raise RuleFileError(f"{path.name}: {where}.{strength} must be a list of phrases")
        for phrase in phrases:
            if not isinstance(phrase, str):
                raise RuleFileError(f"{path.name}: {where}.{strength} holds a non-string")
            try:
                compile_phrase(phrase)
            except PhraseError as exc:
                raise RuleFileError(f"{path.name}: {where}.{strength}: {exc}") from None
            yield WeightedPhrase(phrase, group, STRENGTHS[strength], code)
