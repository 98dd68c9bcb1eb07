"""Company and role extraction from the sender, ATS links, the subject, the text and the signature.

Names are taken as written ("Zürich", not "Zuerich"). The words that introduce a company or a role
in each language ("at", "bei", "chez", "en"; "as", "als", "au poste de") come from the rule files;
an applicant tracking system, job board or mail platform is never the company.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from classifier.domains import domain_stem
from classifier.evidence import (
    NAME_WORDS,
    known_domain,
    names_the_reader,
    reader_names,
    split_sender,
)
from classifier.phrases import fold, fold_word, lower_same_length
from classifier.rulebook import default_rulebook

# Cheap test before the ATS expressions: they only matter where an ATS host name appears
# (host names in links and addresses are written in lower case).
_ROLE_SEARCH_CHARS = 1000
# A title's own gender ending stays in it: "Chargé(e) de communication", "Geólogo(a)".
_ROLE_AFTER_WORDS = re.compile(r"(?P<role>[A-ZÀ-Ý](?:[^\n,.;:!?()]|\([a-zà-ÿ]{1,3}\)){1,80})")
# A dot belongs to a word only inside it ("Vue.js"): "Labs. Our team" ends the name at "Labs";
# or after a saint's or a mount's abbreviation before a name ("St. Brendan's Hospital"), or a
# company's before the sentence goes on ("Wattle & Co. has invited you").
_WORD = (
    r"(?:(?:St|Ste|Mt)\.(?= [A-Z])|(?:Co|Inc|Ltd|Corp|Bros)\.(?= [a-z])"
    r"|[A-ZÀ-ÖØ-Ý][\w&'-]*(?:\.[\w&'-]+)*)"
)
# An address in a text (a calendar invitation's organizer), its domain as the group.
_ADDRESS = re.compile(r"[\w.+-]+@(?P<domain>[a-z0-9-]+(?:\.[a-z0-9-]+)+)")
_ROLE_WORD = (
    r"(?:[A-ZÀ-Ý][\w/+#.&-]*|[IVX]+|\d{1,2}|of|and|&|for|de|da|do|del|des|du|-|\u2013|/|\([\w ]+\))"
)
_ROLE = rf"(?P<role>[A-ZÀ-Ý][\w/+#.&-]*(?:[ ]{_ROLE_WORD}){{0,7}})"
# The shortest title before a mark: "Data Analyst - Northwind Traders - Seattle" is Data Analyst.
_FIRST_ROLE = rf"(?P<role>[A-ZÀ-Ý][\w/+#.&-]*(?:[ ]{_ROLE_WORD}){{0,7}}?)"
_APPLIED_FOR = (
    r"(?:[Aa]pplication|[Aa]pplying|[Cc]andidacy|[Ii]nterview|[Oo]ffer|[Rr]equisition) (?:for|to) "
    r"(?:be )?(?:the |our |a |an )?"
)
_ROLE_PATTERNS = (
    re.compile(
        rf"\bfor the (?:position of |role of )?{_ROLE} (?:position|role|opening|opportunity|job)\b"
    ),
    re.compile(rf"\b(?:for|as|to) (?:the |our |a |an )?(?:position|role) of {_ROLE}"),
    re.compile(
        rf"\b(?:for|as|to|in) (?:the |our |a |an )?{_ROLE} (?:position|role|opening|opportunity)\b"
    ),
    # "the Product Manager position you applied for", "The Marketing Coordinator job at Initech"
    re.compile(rf"\b[Tt]he {_ROLE} (?:position|role|opening|job|vacancy)\b"),
    re.compile(rf"\b{_APPLIED_FOR}{_ROLE}(?= at | with | \(|[,.!:;]| -|$)"),
    # "your application for Account Executive and our team will…", "… Frontend Engineer has
    # been received": the sentence goes on after the title (the shortest, so "Engineer. Review
    # and accept" is not one).
    re.compile(rf"\b{_APPLIED_FOR}{_FIRST_ROLE}(?= and [a-z]| (?:has|have|was|is) )"),
    re.compile(rf"^{_FIRST_ROLE} (?:at|@|-|\u2013|\||\u00b7) ", re.M),  # "Analyst · Berlin"
    re.compile(rf"(?<=: ){_FIRST_ROLE} at (?=[A-ZÀ-Ý])"),  # "Application sent: Clerk at X"
    re.compile(rf"^{_ROLE}\n[^\n]* \u00b7 ", re.M),  # a board's title line, then "Acme · Leeds"
    re.compile(rf"^{_ROLE} (?:at|@|-|\u2013|\|) ", re.M),  # "Update - Registered Nurse at X"
    re.compile(rf"(?:[-\u2013|:] ){_ROLE}$", re.M),
    # "Bewerbung eingegangen: Filialleitung (m/w/d) Graz": a gender tag marks a title
    re.compile(rf"(?:^|[-\u2013|:] ){_ROLE}(?=\s*\((?:[mwfdxhk]\s*/\s*){{1,3}}[mwfdxhk]\))", re.M),
)


@lru_cache(maxsize=1)
def _name() -> str:
    """A company's name, as an expression: capitalised words and the words of every language's
    rule file that join them ("Bexley & Crane", "Bank of America", "Banco de Chile")."""
    joiners = _escaped(default_rulebook().extraction().company_joiners)
    return rf"{_WORD}(?:[ ](?:{_WORD}|&|{joiners}))*"


@lru_cache(maxsize=1)
def _company_team() -> re.Pattern[str]:
    """A name before a hiring team's: "Acme Recruiting Team"."""
    team = r"\s+(?:Recruiting|Talent|Hiring|People|Careers)\s+Team\b"
    return re.compile(rf"\b(?P<name>{_name()}){team}")


@lru_cache(maxsize=1)
def _company_in_text() -> re.Pattern[str]:
    """ "at Acme", "bei Acme", "chez Acme", "en Acme" — the name ending at punctuation, at a
    separator ("Interview with Acme @ Tue 4 Mar", "… with Acme | Data Engineer") or at a word
    that may follow it ("Acme has", "Acme a reçu"): the words of every language's rule file."""
    extraction = default_rulebook().extraction()
    after = _escaped(extraction.company_after)
    end = rf"(?=\s*(?:[,.!:;)(@|]|\s(?:{after})\b|$))"
    words = _words_before(extraction.company_before)
    # In lower case only: "The Home Depot" names itself with its article.
    article = rf"(?:(?P<article>{_escaped(extraction.company_articles)})\s+)?"
    return re.compile(rf"(?<![.@/])\b(?P<before>(?i:{words})){article}(?P<name>{_name()}){end}")


@lru_cache(maxsize=1)
def _loose_before() -> frozenset[str]:
    """The words before a name that as often precede a person or a place ("with Andrew", "en
    Valencia", "do Márcio"), each as `_company_in_text` finds it (folded, single-spaced)."""
    return frozenset(fold(word) for word in default_rulebook().extraction().company_before_loose)


def _words_before(words: tuple[str, ...] | set[str]) -> str:
    """Words that introduce a name, as one alternation that takes the blanks after them too:
    none needed after an elided article ("au poste d'Ingénieur", "l'équipe d'Alan")."""
    return "|".join(
        re.escape(word).replace(r"\ ", r"\s+") + (r"\s*" if word.endswith("'") else r"\s+")
        for word in sorted(words, key=len, reverse=True)
    )


def extract_company(
    sender: str, subject: str, text: str, signature: str, *, reader: str = ""
) -> str | None:
    """Best guess of the hiring company: ATS link or subdomain, the sender's name, the subject,
    the text, the signature, a name standing alone in the subject, and only then the sender's
    web domain — or, for a calendar or signing tool's mail, the first company address in the text
    (the invitation's organizer); written in full where the sign-off does so. ``reader`` (the To
    header) is never the company."""
    from_sender = _companies_from_sender(sender or "")
    found = from_sender.ats or _company_from_ats(text) or _company_from_ats(signature)
    if found and from_sender.display:
        found = _written_out(found, from_sender.display)
    if found:  # "Tallow & Finch" in the text, tallowfinch in the link
        written = _company_from_text(subject) or _company_from_text(text)
        found = written if written and _squashed(written) == _squashed(found) else found
    found = found or from_sender.display
    names = reader_names(reader)
    # From a person at a company's domain, a lone word after "with" or "en" that the domain does
    # not spell is more often a colleague or a town than another company (not from the reader,
    # forwarding from their own school's or employer's address).
    person = bool(from_sender.stem) and not (from_sender.display or from_sender.relay)
    forwarded = person and names_the_reader(split_sender(sender or "")[0], names)
    stem = from_sender.stem if person and not forwarded else ""
    for source in (subject, text, signature):
        found = found or _company_from_text(source, names, stem=stem)
    found = found or _other_side_of_meeting(subject, names, from_sender.stem)
    if from_sender.relay:
        found = found or _company_acting(subject, text, names) or _company_under_title(text)
    found = found or _company_from_subject_parts(subject, reader, from_sender.stem)
    if found or not from_sender.tool:
        found = found or _spelled_out(from_sender.domain, f"{subject}\n{text}\n{signature}")
        return _written_in_full(found, f"{signature}\n{_closing_block(text)}") if found else None
    return _company_from_addresses(text)


def _spelled_out(domain_company: str | None, text: str) -> str | None:
    """The domain's company as the mail writes it in words ("Harborline Bank" for
    harborlinebank.com, in a signature's title line or a footer), else as the domain gives it."""
    if domain_company is None:
        return None
    key = _squashed(domain_company)
    for found in _names().finditer(text):
        name = found.group(0)
        if " " in name and _spells(name, key) and _company_like(name):
            return name
    return domain_company


@lru_cache(maxsize=1)
def _names() -> re.Pattern[str]:
    return re.compile(_name())


def _closing_block(text: str) -> str:
    """The text's last paragraph when it reads like a sign-off: at most three short lines
    ("Elena Novak\nQuillmark Publishing")."""
    paragraphs = _BLANK_LINE.split(text.rstrip())
    lines = paragraphs[-1].splitlines()
    short = len(lines) <= 3 and all(len(line) <= 60 for line in lines)
    return paragraphs[-1] if len(paragraphs) > 1 and short else ""


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def _without_department(name: str) -> str:
    """A name without the hiring department after it ("Hyacinth Health Human Resources")."""
    words = name.split()
    while len(words) > 1 and fold(words[-1]) in _department_words():
        words.pop()
    return " ".join(words)


def _written_in_full(company: str, sign_off: str) -> str:
    """The company as a line of the sign-off (signature, closing lines) writes it in full
    ("Quillmark Publishing" for Quillmark, from the domain or "at Quillmark"), else as found."""
    key = _squashed(company)
    for line in sign_off.splitlines():
        line = _without_department(line.strip())
        if (
            len(line) > len(company)
            and _squashed(line).startswith(key)
            and _only_a_name().fullmatch(line)
            and _company_like(line)
        ):
            return line
    return company


def _written_out(slug_company: str, display: str) -> str:
    """The company as the sender's name writes it when it is the same as the one a link's slug
    gave ("Halberd Industrial" for halberd, "Helix Genomics" of "Lucas Tanaka (Helix Genomics)")."""
    names: list[str] = [*_PARENTHESISED.findall(display), display]
    for name in names:
        if _squashed(slug_company) in _squashed(name):
            return name.strip()
    return slug_company


_PARENTHESISED = re.compile(r"\(([^()]+)\)")


def _squashed(name: str) -> str:
    """A name as a domain would spell it: "Cortiço Labs" is "corticolabs"."""
    return "".join(filter(str.isalnum, fold(name)))


@dataclass(frozen=True)
class _SenderCompanies:
    ats: str | None
    display: str | None
    domain: str | None  # the web domain's company, or the one an ATS names its address after
    stem: str = ""  # the domain's name squashed, when it names the company ("bexleycrane")
    tool: bool = False  # a calendar, meeting or signing tool, sending for a company
    relay: bool = False  # a tracking system or a job board, sending for a company


@lru_cache(maxsize=4096)  # a mailbox hears from the same senders again and again
def _companies_from_sender(sender: str) -> _SenderCompanies:
    display, address = split_sender(sender)
    domain = address.rpartition("@")[2].lower()
    if _is_tool(address.lower(), domain):
        stem = _squashed(domain_stem(domain) or "")
        acting = _acting_for_platform(display, stem) if stem else None
        return _SenderCompanies(ats=None, display=acting, domain=None, tool=True)
    company = _company_from_domain(domain)
    senders = default_rulebook().senders
    return _SenderCompanies(
        ats=_company_from_ats(address),
        display=_company_from_display_name(display, domain),
        domain=company or _company_from_mailbox(address.lower(), domain),
        stem=_squashed(domain_stem(domain) or "") if company else "",
        relay=any(
            known_domain(domain, domains) is not None
            for domains in (senders.ats_domain_set, senders.job_board_domain_set)
        ),
    )


def _company_from_mailbox(address: str, domain: str) -> str | None:
    """The company an ATS names its sending address after: Northwind of northwind@myworkday.com,
    never a word any sending address is made of (no-reply, careers, jobs)."""
    senders = default_rulebook().senders
    if known_domain(domain, senders.ats_company_mailbox_hosts) is None:
        return None
    local = address.rpartition("@")[0]
    words = set(re.split(r"[._+-]+", local))
    generic = {*senders.automated_sender_words, *senders.generic_subdomains, *_department_words()}
    if local in generic or words & generic or not _SLUG.fullmatch(local) or _SHARD.fullmatch(local):
        return None
    return _title_from_slug(local)


def _is_tool(address: str, domain: str) -> bool:
    tools = default_rulebook().senders.tool_senders
    return address in tools or known_domain(domain, tools) is not None


def _company_from_addresses(text: str) -> str | None:
    """The company of the first address in ``text`` that is not free mail, a tool's, an ATS's
    or a job board's."""
    for found in _ADDRESS.finditer(lower_same_length(text or "")):
        if not _is_tool(found.group(0), found.group("domain")):
            company = _company_from_domain(found.group("domain"))
            if company:
                return company
    return None


def extract_role(
    subject: str, text: str, *, reader: str = "", company: str | None = None
) -> str | None:
    """Best guess of the job title from subject patterns and phrases like "for the X position",
    "als X (m/w/d)", "au poste de X", "para a vaga de X", or a title standing alone among the
    subject's parts ("Spotify | Data Engineer - application received"); never ``reader``'s name
    nor ``company``'s ("Halvorsen Logistics: let's schedule a phone screen")."""
    role = _first_role(subject, text, reader)
    if role and company:
        return _without_company(role, company)
    return role


def _without_company(role: str, company: str) -> str | None:
    """The role without the company's name after or before a dash ("Graduate Accountant -
    Tarwin Partners", "Mintleaf - Customer Success Manager"); None when it is only the name."""
    name = _squashed(company)
    if _squashed(role) == name:
        return None
    dashes = list(_SPACED_DASH.finditer(role))
    if dashes and _squashed(role[dashes[-1].end() :]) == name:
        return role[: dashes[-1].start()]
    if dashes and _squashed(role[: dashes[0].start()]) == name:
        return role[dashes[0].end() :]
    return role


def _first_role(subject: str, text: str, reader: str) -> str | None:
    cleaned = _without_reader(subject, reader)
    for source in (cleaned, text[:_ROLE_SEARCH_CHARS]):
        role = _role_in(source, subject if source is cleaned else None, reader)
        if role:
            return _with_specialty(role, source, reader_names(reader))
    return None


def _role_in(source: str, subject: str | None, reader: str) -> str | None:
    """The first role ``source`` names; ``subject`` (None for a body) also by its parts."""
    for pattern in _ROLE_PATTERNS:
        for match in pattern.finditer(source):
            tagged = _GENDER_TAG.match(source, match.end("role")) is not None
            role = _tidy_role(match.group("role"), tagged=tagged)
            if role:
                return role
    role = _role_after_words(source)
    if role is None and subject is not None:
        role = _role_from_subject_parts(subject, reader)
    return role


# A title's specialty after a comma, up to where the title ends: "Backend Engineer, Payments
# role", "Senior Manager, Product Marketing at Figma", "Software Engineer, Infrastructure (R-1)".
_SPECIALTY = re.compile(
    r", (?P<specialty>[A-ZÀ-Ý][\w&+/-]*(?: (?:&|and|of|[A-ZÀ-Ý][\w&+/-]*)){0,3})"
    r"(?= (?:role|position|opening|job|opportunity|team)\b| at | with | (?:has|was|is) "
    r"| and [a-z]|\s*[(\[]| [-\u2013\u2014|]|[.;:]?[ \t]*$|[.;:]\s)",
    re.M,
)


def _with_specialty(role: str, source: str, reader_names: frozenset[str]) -> str:
    """``role`` with the specialty that follows it in ``source`` after a comma, when there is one
    and it is neither a place's code ("Columbus, OH"), the reader ("Data Analyst, Sam."), a
    stage ("Analyst, Interview"), another title ("Data Analyst, Business Analyst") nor words
    that are not names ("Engineer, Monday")."""
    known = _role_words()
    at = source.find(role)
    found = _SPECIALTY.match(source, at + len(role)) if at >= 0 else None
    if found is None or role.split()[-1].lower() not in known.named_titles:
        return role
    specialty = found.group("specialty")
    words = [fold(word) for word in specialty.split()]
    refused = (
        specialty.isupper()
        or not reader_names.isdisjoint(words)
        or not known.role_stop.isdisjoint(words)
        or not known.company_stop.isdisjoint(words)
        or words[-1] == fold(role.split()[-1])
    )
    return role if refused else f"{role}, {specialty}"


# Where a subject's parts meet: "Oracle - Status update on your application",
# "Spotify | Data Engineer - application received", "Interview: Sam Okafor / Data Engineer".
_SUBJECT_PARTS = re.compile(r"\s+[-\u2013\u2014|/@]\s+|:\s+")
_ONLY_A_ROLE = re.compile(_ROLE)


def _is_the_reader(name: str, names: frozenset[str]) -> bool:
    """Whether ``name`` is the reader's own ("Interview with Sam Rivera"): all its words are
    words of the reader's ``names``, or written together one of them."""
    words = [fold(word) for word in NAME_WORDS.findall(name)]
    return bool(names) and (names.issuperset(words) or "".join(words) in names)


_MEETING = re.compile(r"\s*<>\s*")


def _other_side_of_meeting(subject: str, names: frozenset[str], stem: str) -> str | None:
    """The other side of a meeting named for two ("Sam Rivera <> Orbitra Labs - Interview"), when
    one side names the reader and the other a company: one the sender's domain spells, or, from
    a sender whose domain names none, a name of several words (one word is more often a
    person's: "Sofia <> Katie")."""
    sides = _MEETING.split(subject or "")
    if len(sides) != 2 or not names:
        return None
    near = [_SUBJECT_PARTS.split(sides[0])[-1].strip(), _SUBJECT_PARTS.split(sides[1])[0].strip()]
    reader_sides = [names_the_reader(side, names) for side in near]
    if reader_sides.count(True) != 1:
        return None
    other = near[reader_sides.index(False)]
    if not _names_a_company(other):
        return None
    spelled = (_holds(other, stem) or _within(other, stem)) if stem else " " in other
    return other if spelled else None


def _company_acting(subject: str, text: str, names: frozenset[str]) -> str | None:
    """A name opening the subject or a sentence and acting on the reader's application
    ("Halvorsen Logistics invites you to a coding test", "Tanya, Brightside Logistics wants to
    schedule an interview", "Ostrava Health declined your application", "Lumière vous propose un
    entretien"): read only in a tracking system's or a job board's mail, where the one acting is
    the employer (in a calendar's, it is a person)."""
    for source in (subject or "", text or ""):
        for found in _acting().finditer(source):
            name = _ARTICLE.sub("", found.group("name"))  # "A Transportadora Serra Azul"
            if _company_like(name) and not _is_the_reader(name, names):
                return name
    return None


_ARTICLE = re.compile(r"^(?:The|Our|Your|A|O) (?=\S)")


def _company_under_title(text: str) -> str | None:
    """The company of a job board's posting block: a short line (the title), then the company
    and its place after a dash ("Barista (Part-Time)\nDaily Grind \u2013 Boston")."""
    for found in _posting_block().finditer(text or ""):
        name = found.group("name")
        if _company_like(name) and not _names_a_role(name):
            return name
    return None


@lru_cache(maxsize=1)
def _posting_block() -> re.Pattern[str]:
    title = r"[^\W\d_][^\n.!?:;]{1,79}"
    place = r"[^\W\d_][^\n.!?:;]{0,39}(?:\.[^\n.!?:;]{0,10}){0,2}"
    return re.compile(
        rf"^[ \t]*{title}\n[ \t]*(?P<name>{_name()})[ \t]+[-\u2013\u2014][ \t]+{place}[ \t]*$",
        re.MULTILINE,
    )


@lru_cache(maxsize=1)
def _acting() -> re.Pattern[str]:
    """A name at the start of a line, a sentence or a subject's part (after the reader's first
    name and a comma, as boards greet: "Tanya, ", "Hi Michael, "), then the words of an act on
    the reader's application."""
    words = _escaped(default_rulebook().extraction().company_acts)
    opening = r"(?:^|(?<=[.!?:]\s)|(?<=\n))(?:(?:[^\W\d_]+\s)?[^\W\d_]+,\s+)?"
    return re.compile(rf"{opening}(?P<name>{_name()})\s+(?i:{words})\b", re.MULTILINE)


# A part that says something (a word in lower case) rather than naming: "Status update on your
# application", "Proposta de contratação".
_STATEMENT = re.compile(r"\b[a-zß-ÿ]{3,}\b")


def _subject_parts(subject: str, reader: str) -> list[str]:
    """The subject's parts, without those that name the reader (their name or address)."""
    names = reader_names(reader)
    return [
        part
        for part in (part.strip() for part in _SUBJECT_PARTS.split(subject))
        if part and not names_the_reader(part, names)
    ]


def _without_reader(subject: str, reader: str) -> str:
    """The subject without its parts that name the reader, each with the mark after it (before
    it, for the last part): "Entrevista Lucía Ortega / Data Analyst" is "Data Analyst"."""
    names = reader_names(reader)
    if not names:
        return subject
    pieces = _SUBJECT_MARKS.split(subject)  # a part, then a mark and a part, and so on
    parts, marks = pieces[::2], [*pieces[1::2], ""]
    kept = [
        (part, mark)
        for part, mark in zip(parts, marks, strict=True)
        if not names_the_reader(part, names)
    ]
    return "".join(part + mark for part, mark in kept[:-1]) + (kept[-1][0] if kept else "")


_SUBJECT_MARKS = re.compile(f"({_SUBJECT_PARTS.pattern})")


def _company_from_subject_parts(subject: str, reader: str, stem: str) -> str | None:
    """A name standing alone in the subject, not a title, a stage word or the reader: one that
    the sender's domain spells ("Bexley & Crane: Interview confirmation" from bexleycrane.com),
    or, when the sender's address names no company (a tracking system, a job board, a tool), the
    name of several words that opens it before a colon ("Brennock Bank: your video interview is
    ready")."""
    if not _SUBJECT_PARTS.search(subject or ""):
        return None
    parts = _subject_parts(subject, reader)
    names = [part for part in parts if _names_a_company(part)]
    if stem:
        return next((name for name in names if _holds(name, stem) or _within(name, stem)), None)
    opening, colon, rest = subject.partition(":")
    opening = opening.strip()
    if colon and opening in names and " " in opening and _STATEMENT.search(rest):
        return opening
    # "Wide World Importers - Logistics Coordinator": one name of several words beside a title
    if len(names) == 1 and " " in names[0] and any(map(_title_part, parts)):
        return names[0]
    return None


@lru_cache(maxsize=1)
def _only_a_name() -> re.Pattern[str]:
    """A subject's part that is a name and nothing else ("Bexley & Crane", "The Acme Group")."""
    return re.compile(rf"(?:The |Our |Your )?{_name()}")


def _names_a_company(part: str) -> bool:
    known = _role_words()
    return (
        _only_a_name().fullmatch(part) is not None
        and part.split()[0].lower() not in known.role_stop
        and not _is_stage_word(part.split()[-1], known)  # "Pebblebrook Interview"
        and _company_like(part)
        and not _names_a_role(part)
        and _tidy_role(part) is None
    )


def _role_from_subject_parts(subject: str, reader: str) -> str | None:
    """A job title standing alone among the subject's parts ("Data Engineer" of "Interview: Sam
    Okafor / Data Engineer @ Wed Dec 10")."""
    if not _SUBJECT_PARTS.search(subject or ""):
        return None
    return next(filter(None, map(_title_part, _subject_parts(subject, reader))), None)


def _title_part(part: str) -> str | None:
    """The title a subject's part is, and nothing else ("Senior Accountant (R-10442)")."""
    known = _role_words()
    part = _NUMBERED_SUFFIX.sub("", part)
    head, comma, _ = part.partition(", ")
    if comma and _SPECIALTY.match(part, len(head)):  # its specialty is added back later
        part = head
    words = fold(part).split()
    if (
        (_ONLY_A_ROLE.fullmatch(part) or _opens_with_a_title(part, words))
        and (len(words) > 1 or known.hints.search(part))  # "Applied" is a status
        and known.role_stop.isdisjoint(words)  # "Phone Interview", "Ihrer Bewerbung"
        and _department_words().isdisjoint(words)  # "Wieden+Kennedy Careers"
    ):
        return _tidy_role(part)
    return None


_MOSTLY_WORDS = re.compile(r"[^\W\d_][\w/()'-]*(?: [\w/()'-]+){0,4}")


def _opens_with_a_title(part: str, words: list[str]) -> bool:
    """A part in sentence case that a title's word opens: "Recepcionista de noche (Benidorm)",
    "Gestionnaire sinistres"."""
    return (
        part[:1].isupper()
        and _title_word(words[0]) in _role_words().named_titles
        and _MOSTLY_WORDS.fullmatch(part) is not None
    )


def _role_after_words(source: str) -> str | None:
    """A role named after the words every language's rule file lists ("als", "au poste de").

    The words are found in the lower-cased text (a case-insensitive alternation of them tried
    every character and cost more than the rest of extraction), the role in the original; a
    shorter one inside a longer is tried too ("candidatura para" and "para a vaga de").
    """
    for before in _overlapping(_role_before_words(), lower_same_length(source)):
        found = _ROLE_AFTER_WORDS.match(source, before.end())
        if found is None:
            continue
        # "als Disponent (m/w/d)": a gender tag says it is a job title, known word or not; so do
        # words that name the post ("au poste de Sommelier", "für die Position Lektor").
        tagged = _GENDER_TAG.match(source, found.end()) is not None
        named = not _role_words().nouns.isdisjoint(fold(before.group(0)).split())
        # "au poste d'Ingénieur Systèmes est reçue": the sentence goes on after the title.
        title = _role_end().split(found.group("role"), maxsplit=1)[0]
        if named:  # "Chefe de Sala no hotel de Vilamoura": where the post is, not its title
            title = _place_cut().split(title, maxsplit=1)[0]
        role = _first_titled_piece(title, tagged=tagged or named)
        if role:
            return role
    return None


_DASHES = frozenset({"-", "\u2013", "\u2014"})  # hyphen, en and em dash
_SPACED_DASH = re.compile(rf"\s[{''.join(map(re.escape, sorted(_DASHES)))}]\s")


def _first_titled_piece(title: str, *, tagged: bool) -> str | None:
    """The first piece between spaced dashes that is a title: "Alternance - Développeur web" is
    Développeur web, "Réceptionniste - Gérardmer" Réceptionniste."""
    pieces = _SPACED_DASH.split(title)
    for piece in pieces[:-1]:
        role = _tidy_role(piece, tagged=tagged)
        if role:
            return role
    return _tidy_role(pieces[-1], tagged=tagged)


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match of ``pattern`` in ``text``, each one searched from just after the start of
    the one before, so that matches may overlap."""
    found = pattern.search(text)
    while found is not None:
        yield found
        found = pattern.search(text, found.start() + 1)


@lru_cache(maxsize=1)
def _place_words() -> tuple[str, ...]:
    """The one-word company_before that no title holds ("en", "no", "chez", "at")."""
    words = default_rulebook().extraction().company_before
    return tuple(word for word in words if " " not in word and word not in _title_joiners())


@lru_cache(maxsize=1)
def _place_cut() -> re.Pattern[str]:
    """Where a post's title gives way to its place: a place word, whatever follows it."""
    return re.compile(rf"\s(?:{_escaped(_place_words())})\s")


@lru_cache(maxsize=1)
def _title_joiners() -> frozenset[str]:
    """The small words inside titles: "de", "of", "und", "für", "e" (every language's)."""
    extraction = default_rulebook().extraction()
    words = (
        *extraction.company_joiners,
        *extraction.domain_omitted,
        *extraction.role_conjunctions,
        *extraction.role_prepositions,
    )
    return frozenset(word.lower() for word in words)


@lru_cache(maxsize=1)
def _role_end() -> re.Pattern[str]:
    """Where a sentence goes on after a title: a word that may follow a name ("ist", "a", "ha",
    "foi"), in lower case; not one that a title holds ("Fachkraft für Lagerlogistik", "Software
    Engineer in Test", "Técnico de Segurança e Saúde")."""
    after = set(default_rulebook().extraction().company_after) - _title_joiners()
    return re.compile(rf"\s(?:{_escaped(tuple(after))})(?=\s|$)")


@lru_cache(maxsize=1)
def _role_before_words() -> re.Pattern[str]:
    """The words before a role, in lower case, as one expression."""
    words = {word.lower() for word in default_rulebook().extraction().role_before}
    return re.compile(rf"(?<![\w])(?:{_words_before(words)})")


@lru_cache(maxsize=1)
def _display_noise() -> re.Pattern[str]:
    """What a display name says besides the company: every language's words for the hiring
    department, automated-sender words, "via X", "at X", and separators."""
    book = default_rulebook()
    words = {*book.extraction().sender_noise, *book.senders.automated_sender_words}
    noise = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True)
    )
    platform = _escaped(book.extraction().sender_platform_before)
    return re.compile(rf"(?i)\b(?:{noise}|(?:{platform}) \w+|at \w+)\b|[|\-\u2013@:]")


@lru_cache(maxsize=1)
def _company_cut() -> re.Pattern[str]:
    """Where a role ends and its company begins: "Analista de Datos en Globex"."""
    words = default_rulebook().extraction().company_before
    before = "|".join(re.escape(word) for word in sorted(words, key=len)[::-1])
    return re.compile(rf"\s(?i:{before})\s+(?=[A-ZÀ-Ý])")


def _is_stage_word(word: str, known: _RoleWords) -> bool:
    """Whether ``word`` is one a title does not start with that names a stage or a meeting
    ("Interview", "Offer", "Termin"), not a short one ("a", "the", "el")."""
    return len(word) >= 4 and word.lower() in known.role_stop


# The marks a title neither starts nor ends with, the same in every language (the words are the
# rule files' role_conjunctions and role_trailing).
_ROLE_TRAILING_MARKS = ("-", "\u2013", "|", "&", "/")


@dataclass(frozen=True)
class _RoleWords:
    titles: frozenset[str]  # words that make a title a job's (folded)
    named_titles: frozenset[str]  # of them, the rule files' title words alone ("analista")
    nouns: frozenset[str]  # what follows a role and is not part of it ("position", "Stelle")
    role_stop: frozenset[str]  # words a role does not start with ("your", "the")
    company_stop: frozenset[str]  # capitalised words that are not a company ("Dear", "Monday")
    hints: re.Pattern[str]  # a job title's word: a name with one is a role, not a company
    trailing: frozenset[str]  # what a title neither starts nor ends with ("at", "and", "-")
    ends: frozenset[str]  # where the sentence goes on after a title ("we", "el", "einladen")
    places: frozenset[str]  # before a place or a price, not a title's word: "at", "with"
    name_joiners: frozenset[str]  # a name's small words: "de la" of "Jefe de la Oficina"
    fields: frozenset[str]  # titles' words that also end companies' names ("logistics")


@lru_cache(maxsize=1)
def _role_words() -> _RoleWords:
    """The extraction words of every language's rule file (and its job-context words)."""
    book = default_rulebook()
    extraction = book.extraction()
    context = {
        fold(phrase.phrase)
        for language in book.languages
        for phrase in language.job_context
        if " " not in phrase.phrase and "|" not in phrase.phrase and "*" not in phrase.phrase
    }
    title_words = {fold(word) for word in extraction.role_titles}
    return _RoleWords(
        titles=frozenset(context | title_words),
        named_titles=frozenset(title_words),
        nouns=frozenset(fold(word) for word in extraction.role_nouns),
        role_stop=frozenset(word.lower() for word in extraction.role_stop),
        company_stop=frozenset(word.lower() for word in extraction.company_stop),
        hints=re.compile(rf"(?i)\b(?:{_escaped(tuple(extraction.role_titles))})\b"),
        trailing=frozenset(
            (*extraction.role_conjunctions, *extraction.role_trailing, *_ROLE_TRAILING_MARKS)
        ),
        ends=frozenset(extraction.role_end),
        places=frozenset(extraction.role_trailing) - _title_joiners(),
        name_joiners=frozenset(word.lower() for word in extraction.company_joiners),
        fields=frozenset(fold(word) for word in extraction.role_fields),
    )


def _company_from_ats(text: str) -> str | None:
    """The company an applicant tracking system's link or address names: the slug after a host
    that carries it in the path (jobs.lever.co/acme/…), else the label before an ATS domain
    that is not a shard or a generic one (acme of acme.wd5.myworkdayjobs.com, buriti of
    buriti.vagas.solides.com.br)."""
    if not text:
        return None
    lowered = lower_same_length(text)
    generic = default_rulebook().senders.generic_subdomains
    in_paths: list[str] = []
    before_domains: list[str] = []
    for end, (host, carries_path) in _ats_hosts().iter(lowered):
        start = end - len(host) + 1
        if not _ends_host(lowered, end):
            continue
        if carries_path:
            slug = _path_slug(lowered, start, end)
            if slug and slug not in generic:
                in_paths.append(slug)
        elif start > 0 and lowered[start - 1] == ".":
            label = _company_label(lowered[max(0, start - _HOST_LOOKBACK) : start - 1], generic)
            if label:
                before_domains.append(label)
    found = in_paths or before_domains
    return _title_from_slug(found[0]) if found else None


_HOST_LOOKBACK = 170  # four labels of up to 41 characters and their dots
_NOT_HOST = re.compile(r"[^a-z0-9.-]")
_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,40}")
_SHARD = re.compile(r"[a-z]{1,4}\d{1,3}")


def _ends_host(text: str, end: int) -> bool:
    """A host found ending at ``end`` is not the start of a longer name."""
    return end + 1 == len(text) or not (text[end + 1].isalnum() or text[end + 1] == "_")


def _path_slug(text: str, start: int, end: int) -> str | None:
    """The first path segment after a host that carries the company in its path."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    if end + 1 >= len(text) or text[end + 1] != "/":
        return None
    found = _SLUG.match(text, end + 2)
    return found.group() if found else None


def _company_label(before: str, generic: frozenset[str]) -> str | None:
    """Of the host labels just before an ATS domain, the nearest that names a company."""
    labels = _NOT_HOST.split(before)[-1].strip(".").split(".")[-4:]
    for label in reversed(labels):
        if _LABEL.fullmatch(label) and label not in generic and not _SHARD.fullmatch(label):
            return label
    return None


@lru_cache(maxsize=1)
def _ats_hosts() -> ahocorasick.Automaton:
    """One automaton over every ATS domain (value: the domain, False) and every host that carries
    the company in its path (value: the host, True), from senders.json: one pass over a text
    finds them all (an expression of a hundred alternatives cost more than the rest of
    extraction)."""
    senders = default_rulebook().senders
    automaton = ahocorasick.Automaton()
    for domain in senders.ats_domains:
        automaton.add_word(domain.lower(), (domain.lower(), False))
    for host in senders.ats_company_path_hosts:
        automaton.add_word(host.lower(), (host.lower(), True))
    automaton.make_automaton()
    return automaton


def _escaped(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) or "(?!)"


def _company_from_text(
    text: str, reader_names: frozenset[str] = frozenset(), *, stem: str = ""
) -> str | None:
    """The first company named after "at", "bei", "chez"… in ``text``, never the reader; not
    a lone word after a loose word ("with Andrew") that the sender's domain ``stem`` does not
    spell."""
    in_text = _company_in_text()
    patterns = (_company_team(), in_text) if "Team" in text else (in_text,)
    for pattern in patterns:
        for match in pattern.finditer(text or ""):
            name = re.sub(r"^(?:The|Our|Your) ", "", match.group("name").strip(" .'-"))
            name = _trailing_joiner().sub("", name)
            if _names_the_post(text, match.end("name")):  # "about a Data Visualization role"
                continue
            if match.groupdict().get("article") and not _joins_words(name):  # "with the Team"
                continue
            if stem and _loosely_named(match, name, stem):
                continue
            if _CHIEF.match(text, match.end("name")):  # "con Leire (CTO)": a person
                continue
            if _is_the_reader(name, reader_names):
                continue
            if name and _company_like(name) and not _names_a_role(name):
                return name
    return None


def _joins_words(name: str) -> bool:
    """Whether a joiner stands inside ``name`` ("City of Tacoma", "Bank of England")."""
    joiners = _role_words().name_joiners
    return any(word.lower() in joiners for word in name.split()[1:-1])


def _loosely_named(match: re.Match[str], name: str, stem: str) -> bool:
    """A lone word after a loose word ("with Andrew") that the domain's ``stem`` does not spell."""
    if " " in name or "before" not in match.groupdict():
        return False
    before = " ".join(fold(match.group("before")).split())
    return before in _loose_before() and not (_holds(name, stem) or _within(name, stem))


_NEXT_WORD = re.compile(r"\s+(\w+)")
_CHIEF = re.compile(r"\s*\(C[A-Z]O\)")


def _names_the_post(text: str, end: int) -> bool:
    """Whether the name ending at ``end`` is followed by a word for a post ("role", "Stelle"):
    then it is a title or a field, not a company."""
    after = _NEXT_WORD.match(text, end)
    return after is not None and fold(after.group(1)) in _role_words().nouns


@lru_cache(maxsize=1)
def _department_words() -> frozenset[str]:
    """The words of every language's hiring-department names in a sender ("talent", "people"),
    not the small words that join them ("de" of "Equipo de Selección", which titles have too)."""
    noise = default_rulebook().extraction().sender_noise
    return frozenset({word for phrase in noise for word in fold(phrase).split()} - _title_joiners())


@lru_cache(maxsize=1)
def _trailing_joiner() -> re.Pattern[str]:
    """ "Harbor Point Services and the team": a word that joins a name's words does not end it."""
    joiners = _escaped(default_rulebook().extraction().company_joiners)
    return re.compile(rf"(?:\s+(?:{joiners}|&))+$")


def _names_a_role(name: str) -> bool:
    """Whether a name is a job title's rather than a company's: it starts or ends with a
    title's word ("Senior Analyst", "Analista de Comercio Exterior"), or all its words are
    titles' or fields' ("Product Marketing"). A field ends many companies' names: "Tanjong
    Logistics", "Palisade Legal"."""
    known = _role_words()
    words = [_title_word(word) for word in NAME_WORDS.findall(name)]
    if any(word in known.titles and word not in known.fields for word in words[:1] + words[-1:]):
        return True
    return all(word in known.titles or word in _title_joiners() for word in words)


def _company_like(name: str) -> bool:
    """Not a stop word or a department ("People", "Recursos Humanos"), and not an applicant
    tracking system, job board or mail platform."""
    if name.lower() in _role_words().company_stop:
        return False
    if _department_words().issuperset(fold(name).split()):
        return False
    words = f" {fold(name)} "
    return not any(f" {vendor} " in words for vendor in default_rulebook().senders.vendor_names)


def _company_from_display_name(display: str, domain: str) -> str | None:
    senders = default_rulebook().senders
    if not display or domain in senders.free_mail_domains:
        return None
    if known_domain(domain, senders.job_board_domain_set) is not None:
        via = re.search(r"\b(?:at|from)\s+([A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,3})", display)
        stop = _role_words().company_stop
        return via.group(1) if via and via.group(1).lower() not in stop else None
    cleaned = " ".join(_display_noise().sub(" ", display).split())
    if known_domain(domain, senders.ats_domain_set) is not None:
        return _company_in_ats_display(cleaned, domain)
    # A person's name ("Jane Doe <jane@acme.com>") is not a company: the part of the name that
    # the domain spells is ("Lena from Linear", "Marcos Quiroga (Rutafy)", "Ana | Acme Corp").
    stem = _squashed(domain_stem(domain) or "")
    if not stem:
        return None
    noise = _display_noise()
    # "Kettle Foods via Hirely": what follows "via" is the platform that sent it, never the company.
    acting = _acting_for_platform(display, stem)
    if acting:
        return acting
    raw_parts = [part.strip() for part in _display_parts().split(_platform_cut().split(display)[0])]
    parts = [" ".join(noise.sub(" ", part).split()) for part in raw_parts]
    named = [part for part in dict.fromkeys((cleaned, *parts)) if part and _company_like(part)]
    # Spelled out whole first (a raw part keeps a name's own "Talento": Talento Ejecutivo at
    # talentoejecutivo); then the shortest part that holds the domain's name, then the longest
    # part of it ("Datadog" at datadoghq, not Tom of "Tom at Datadog").
    spelled = [part for part in (*named, *raw_parts) if _spells(part, stem) and _company_like(part)]
    if spelled:
        return spelled[0]
    holding = [part for part in named if _holds(part, stem)]
    if holding:
        return min(holding, key=len)
    within = [part for part in named if _within(part, stem)]
    return max(within, key=len) if within else None


def _acting_for_platform(display: str, stem: str) -> str | None:
    """The company a platform sends for when the platform's own domain (``stem``) sent it:
    "Corvid AI" of "Corvid AI via InkPass" at inkpass.net; never a person ("Priya Raman via …")."""
    acting, *platform = _platform_cut().split(display)
    if not platform or not _spells(platform[-1].strip(), stem):
        return None
    company = " ".join(_display_noise().sub(" ", acting).split())
    if not company or not _company_like(company) or _a_persons_name(company):
        return None
    return company


def _a_persons_name(name: str) -> bool:
    """Whether ``name`` opens with a known given name ("Priya Raman", not "Corvid AI")."""
    words = NAME_WORDS.findall(name)
    return bool(words) and fold_word(words[0]) in default_rulebook().people.given_names


def _company_in_ats_display(name: str, domain: str) -> str | None:
    """The company a tracking system's display name (its hiring words cut) names: never the
    system signing its own mail ("Fountain" at fountain.com, "Talentsoft" at talent-soft.com);
    a vendor's name only when it hires through another vendor's system ("Rippling" at
    greenhouse-mail.io, not "JazzHR" at applytojob.com, JazzHR's own)."""
    own, squashed = _squashed(domain_stem(domain)), _squashed(name)
    # The system's name, one of the name's words ("Acme (Codility)", "join.com") or inside its
    # domain's ("Workday" of myworkday); not a name that only holds it ("Cleverly" at lever.co).
    words = {_squashed(word) for word in NAME_WORDS.findall(name)}
    inside = len(squashed) >= _LEAST_VENDOR_PREFIX and squashed in own
    if not squashed or own in words or inside:
        return None
    if _company_like(name):
        return name
    return name if fold(name) in _vendor_companies() and _another_vendors(own) else None


def _another_vendors(stem: str) -> bool:
    """Whether a domain's ``stem`` is a vendor's that the vendor names spell (greenhouse-mail,
    myworkday), not one whose vendor is listed under another name (governmentjobs: NEOGOV)."""
    return stem.startswith(_vendor_stem_openings())


@lru_cache(maxsize=1)
def _vendor_stem_openings() -> tuple[str, ...]:
    """How a vendor's own domain begins: its name squashed, or "my" and it (myworkday)."""
    vendors = (_squashed(name) for name in _vendor_companies())
    long_enough = [vendor for vendor in vendors if len(vendor) >= _LEAST_VENDOR_PREFIX]
    return tuple(opening for vendor in long_enough for opening in (vendor, f"my{vendor}"))


# Shorter vendor names ("jobs", "join", "ukg") begin or hide in too many other words.
_LEAST_VENDOR_PREFIX = 5


@lru_cache(maxsize=1)
def _vendor_companies() -> frozenset[str]:
    """The vendor names that are companies: those a known system's domain spells (rippling.com),
    not the generic words a vendor's mail is signed with ("Notifications", "Talent")."""
    senders = default_rulebook().senders
    domains = (*senders.ats_domains, *senders.job_board_domains, *senders.platform_domains)
    stems = {domain_stem(domain) for domain in domains}
    return frozenset(name for name in senders.vendor_names if name.replace(" ", "") in stems)


@lru_cache(maxsize=1)
def _display_parts() -> re.Pattern[str]:
    """Where a display name's parts meet: "Lena from Linear", "Tom at Datadog", "Acme | Careers"."""
    words = _escaped(default_rulebook().extraction().sender_company_before)
    return re.compile(rf"(?i)\s+(?:{words})\s+|\s*[|@:(),\u2013]\s*|\s-\s")


@lru_cache(maxsize=1)
def _platform_cut() -> re.Pattern[str]:
    """Where a display name names the platform that sent the mail: "Kettle Foods via Hirely"."""
    words = _escaped(default_rulebook().extraction().sender_platform_before)
    return re.compile(rf"(?i)\s+(?:{words})\s+")


@lru_cache(maxsize=1)
def _ampersand_words() -> tuple[str, ...]:
    """How a domain spells a name's "&": "and", "y", "und", "et", "e"."""
    return default_rulebook().extraction().ampersand_words


@lru_cache(maxsize=1)
def _domain_omitted() -> frozenset[str]:
    """Small words a domain often leaves out of a name: "Prefeitura de Vale do Jequiá" at
    valejequia."""
    return frozenset(default_rulebook().extraction().domain_omitted)


def _name_keys(name: str) -> tuple[str, ...]:
    """A name as a domain would spell it, with and without its small joining words, and with
    its "&" spelled out ("marksandspencer" for Marks & Spencer)."""
    words = name.replace("'", "").split()
    keys = (
        _squashed(" ".join(words)),
        _squashed(" ".join(word for word in words if word.lower() not in _domain_omitted())),
    )
    if "&" not in name:
        return keys
    joined = " ".join(words)
    return (*keys, *(_squashed(joined.replace("&", f" {word} ")) for word in _ampersand_words()))


def _spells(name: str, stem: str) -> bool:
    """The domain's name is this name ("bancodechile" for Banco de Chile)."""
    return stem in _name_keys(name)


def _holds(name: str, stem: str) -> bool:
    """The name holds the domain's name ("Cabinet Artémis Conseil" at artemisconseil)."""
    return any(stem in key for key in _name_keys(name))


def _within(name: str, stem: str) -> bool:
    """The domain's name holds this name of three letters or more ("Datadog" at datadoghq)."""
    return any(len(key) >= 3 and key in stem for key in _name_keys(name))


def _company_from_domain(domain: str) -> str | None:
    senders = default_rulebook().senders
    if not domain or domain in senders.free_mail_domains:
        return None
    if known_domain(domain, senders.ats_domain_set) is not None:
        return None
    if known_domain(domain, senders.job_board_domain_set) is not None:
        return None
    stem = domain_stem(domain)
    return _title_from_slug(stem) if stem else None


def _title_from_slug(slug: str) -> str:
    """ "northwind-traders" is Northwind Traders; a word without a vowel is an acronym: DHSC,
    HSBC, KPMG."""
    parts = (part for part in re.split(r"[-_]+", slug) if part)
    return " ".join(
        part.upper() if _ACRONYM.fullmatch(part) else part.capitalize() for part in parts
    )


# Saint's, Mount's, Senior's and Junior's abbreviations are words, not acronyms.
_ACRONYM = re.compile(r"(?!(?:st|mt|sr|jr)$)[b-df-hj-np-tv-xz]{2,}")


def _sentence_cut(words: list[str], known: _RoleWords) -> list[str]:
    """The words before the sentence goes on past a title: a word that starts a clause
    ("Credit Controller vacancy I advertised", "Lead el lunes", "Lektor einladen"), unless a
    name's small word comes before it ("Jefe de la Oficina"); a place or price ("Pharmacist at
    $68 an hour"); a dash before words in lower case ("Junior Accountant - acceptance required")."""
    for index in range(1, len(words)):
        word, before = words[index], words[index - 1]
        after = words[index + 1] if index + 1 < len(words) else ""
        if _starts_clause(word, after, known) and before.lower() not in known.name_joiners:
            return words[:index]
        if (word in known.places or word in _DASHES) and after and not after[0].isupper():
            return words[:index]
        if word in _DASHES and after.lower() in known.role_stop:
            return words[:index]
    return words


_GENDER_ENDING = re.compile(r"\([a-zà-ÿ]{1,3}\)$")


def _title_word(word: str) -> str:
    """A word of a title as the title words are listed: folded, its gender ending dropped
    ("Geólogo(a)" is "geologo")."""
    return fold(_GENDER_ENDING.sub("", word))


def _starts_clause(word: str, after: str, known: _RoleWords) -> bool:
    """A word in lower case that the sentence goes on with ("we'd", "el", "einladen"), or "I"
    before one ("vacancy I advertised"; "Research Assistant I" is a grade)."""
    bare = re.split("['\u2019]", word, maxsplit=1)[0]
    pronoun = bare == "I" and after.islower()
    return (bare.islower() or pronoun) and bare.lower() in known.ends


# A requisition number or a date after the title: "(Req 20417)", "(Summer 2025)", "(JR6278190)".
_NUMBERED_SUFFIX = re.compile(r"\s*\([^()]*\d[^()]*\)\s*$")
_GENDER_TAG = re.compile(r"\s*\((?:[mwfdxhk]\s*/\s*){1,3}[mwfdxhk]\)|\s+[HF]/[HF]\b", re.I)


def _past_a_status(title: str, known: _RoleWords) -> str:
    """``title`` from its first piece between spaced dashes that holds a title's word, when the
    pieces before it hold none: "No Longer Under Consideration - Warehouse Lead" is the
    Warehouse Lead's. Not a meeting's name ("Jane Doe - Recruiter Call" is no one's title)."""
    start = 0
    for dash in _SPACED_DASH.finditer(title):
        if _holds_a_title_word(title[start : dash.start()], known):
            break
        start = dash.end()
    rest = title[start:]
    if not start or not _holds_a_title_word(rest, known):
        return title
    last = rest.split()[-1]
    return title if _is_stage_word(last, known) else rest


def _holds_a_title_word(text: str, known: _RoleWords) -> bool:
    return any(_title_word(word) in known.titles for word in text.split())


def _tidy_role(raw: str, *, tagged: bool = False) -> str | None:
    known = _role_words()
    titles, nouns = known.titles, known.nouns
    title = _NUMBERED_SUFFIX.sub("", _company_cut().split(raw, maxsplit=1)[0])
    title = _past_a_status(title, known)
    words = _sentence_cut(_GENDER_TAG.sub("", title).strip(" -\u2013|:,.").split(), known)
    # "Entrevista - Analista de Compras": the stage word and its dash are not the role.
    while words and (words[0].lower() in known.role_stop or words[0] in known.trailing):
        words.pop(0)
    while words and (
        words[-1].lower() in known.trailing
        or words[-1].lower() in _title_joiners()  # "Cheffe de", a snippet cut short
        or words[-1] in _place_words()  # "Responsable de Tienda en", its place cut away
        or fold(words[-1]) in nouns
    ):
        words.pop()
    # "Data Engineer Interview" is the Data Engineer's; "Technical Interview", "Data Scientist
    # Phone Screen" (the title no longer ends with a title's word) no one's.
    if len(words) > 1 and words[-1].isdigit() and _is_stage_word(words[-2], known):
        words.pop()  # "Round 2"
    if words and _is_stage_word(words[-1], known):
        while words and _is_stage_word(words[-1], known):
            words.pop()
        words = words if len(words) > 1 and _title_word(words[-1]) in titles else []
    # "position of X" was matched as its own role; "Stage - Data Science"
    while words and (fold(words[0]) in nouns or words[0] in known.trailing):
        words.pop(0)
    role = " ".join(words)
    # "Entretien RH", "Equipo de Talento": a department is no title
    if not role or _department_words().issuperset(set(fold(role).split()) - _title_joiners()):
        return None
    if tagged or any(_title_word(word) in titles for word in words):
        return role
    return None
