"""Company and role extraction from the sender, ATS links, the subject, the text and the signature.

Names are taken as written ("Zürich", not "Zuerich"). The words that introduce a company or a role
in each language ("at", "bei", "chez", "en"; "as", "als", "au poste de") come from the rule files;
an applicant tracking system, job board or mail platform is never the company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from classifier.phrases import fold
from classifier.rulebook import default_rulebook

# Cheap test before the ATS expressions: they only matter where an ATS host name appears
# (host names in links and addresses are written in lower case).
_ATS_HINT = re.compile(
    r"greenhouse|myworkday|icims|bamboohr|workable|applytojob|recruitee|breezy|teamtailor"
    r"|jobvite|lever\.co|ashbyhq|smartrecruiters"
)
_ROLE_SEARCH_CHARS = 1000
_SENDER = re.compile(r"^\s*(?P<display>[^<]*?)\s*<(?P<address>[^<>]*)>\s*$")
_ATS_SUBDOMAIN = re.compile(
    r"\b([a-z0-9][a-z0-9-]{1,40})\.(?:wd\d+\.)?(?:greenhouse\.io|myworkdayjobs\.com|icims\.com"
    r"|bamboohr\.com|workable\.com|applytojob\.com|recruitee\.com|breezy\.hr|teamtailor\.com"
    r"|jobvite\.com)\b",
    re.I,
)
_ATS_PATH = re.compile(
    r"\b(?:jobs\.lever\.co|jobs\.ashbyhq\.com|boards\.greenhouse\.io|job-boards\.greenhouse\.io"
    r"|apply\.workable\.com|jobs\.smartrecruiters\.com|careers\.smartrecruiters\.com"
    r"|jobs\.jobvite\.com)/([A-Za-z0-9][A-Za-z0-9-]{1,40})",
    re.I,
)
_GENERIC_SUBDOMAINS = frozenset(
    {
        "www",
        "app",
        "boards",
        "job-boards",
        "jobs",
        "careers",
        "mail",
        "email",
        "us",
        "eu",
        "apply",
        "hire",
        "no-reply",
        "noreply",
        "notifications",
        "api",
        "secure",
        "login",
        "my",
    }
)
# A dot belongs to a word only inside it ("Vue.js"): "Labs. Our team" ends the name at "Labs".
_WORD = r"[A-Z][\w&'-]*(?:\.[\w&'-]+)*"
_NAME = rf"{_WORD}(?:[ ](?:{_WORD}|&|of|and|de|la))*"
_NAME_END = (
    r"(?=\s*(?:[,.!:;)(]|\s(?:for|as|and|team|we|is|has|on|in|position|role|und|als|für|et|pour"
    r"|y|para|e|com)\b|$))"
)
_COMPANY_TEAM = re.compile(
    rf"\b(?P<name>{_NAME})\s+(?:Recruiting|Talent|Hiring|People|Careers)\s+Team\b"
)
_ROLE_WORD = r"(?:[A-Z][\w/+#.&-]*|[IVX]+|of|and|&|for|-|\u2013|/|\([A-Za-z ]+\))"
_ROLE = rf"(?P<role>[A-Z][\w/+#.&-]*(?:[ ]{_ROLE_WORD}){{0,7}})"
_ROLE_PATTERNS = (
    re.compile(
        rf"for the (?:position of |role of )?{_ROLE} (?:position|role|opening|opportunity|job)\b"
    ),
    re.compile(rf"(?:for|as|to) (?:the |our |a |an )?(?:position|role) of {_ROLE}"),
    re.compile(rf"(?:for|as) (?:the |our |a |an )?{_ROLE} (?:position|role|opening|opportunity)\b"),
    re.compile(
        rf"(?:application|applying|candidacy|interview|offer) (?:for|to) (?:the |our |a |an )?"
        rf"{_ROLE}(?= at | with |[,.!:;]| -|$)"
    ),
    re.compile(rf"^{_ROLE} (?:at|@|-|\u2013|\|) ", re.M),
    re.compile(rf"(?:[-\u2013|:] ){_ROLE}$", re.M),
)
_ROLE_STOP = frozenset(
    {
        "your",
        "our",
        "the",
        "this",
        "a",
        "an",
        "application",
        "interview",
        "thank",
        "thanks",
        "re",
        "we",
        "next",
        "update",
        "invitation",
        "confirmation",
        "received",
        "offer",
        "status",
        "fwd",
        "regarding",
        "for",
        "to",
        "as",
        "important",
        "action",
        "reminder",
        "hello",
        "hi",
        "dear",
        "you",
        "new",
    }
)
_ROLE_HINTS = re.compile(
    r"(?i)\b(?:engineer|developer|manager|designer|analyst|scientist|architect|specialist|lead"
    r"|director|intern|associate|consultant|coordinator|administrator|representative|writer|editor"
    r"|accountant|recruiter|researcher|technician|officer|head|vp|president|product|marketing|sales"
    r"|sre|devops|nurse|teacher|assistant|strategist|counsel|advocate|owner|partner|executive"
    r"|programmer|tester|qa|support|operations|success|principal|staff)\b"
)
_DISPLAY_NOISE = re.compile(
    r"(?i)\b(?:recruiting|recruitment|talent acquisition|talent|careers?|hiring|team|hr|jobs"
    r"|people ops|people|no-?reply|notifications?|via \w+|at \w+|the)\b|[|\-\u2013@:]"
)
_COMPANY_STOP = frozenset(
    {
        "Greenhouse",
        "Lever",
        "Workday",
        "Ashby",
        "iCIMS",
        "SmartRecruiters",
        "Jobvite",
        "Workable",
        "BambooHR",
        "LinkedIn",
        "Indeed",
        "Glassdoor",
        "ZipRecruiter",
        "We",
        "You",
        "Our",
        "The",
        "This",
        "Unfortunately",
        "Thank",
        "Thanks",
        "Hi",
        "Hello",
        "Dear",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Zoom",
        "Google Meet",
        "Teams",
        "Microsoft Teams",
        "I",
        "Please",
        "Best",
        "Regards",
        "Team",
    }
)


@lru_cache(maxsize=1)
def _company_in_text() -> re.Pattern[str]:
    """ "at Acme", "bei Acme", "chez Acme", "en Acme": the words of every language's rule file."""
    words = default_rulebook().extraction().company_before
    before = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len)[::-1]
    )
    return re.compile(rf"\b(?i:{before})\s+(?P<name>{_NAME}){_NAME_END}")


def extract_company(sender: str, subject: str, text: str, signature: str) -> str | None:
    """Best guess of the hiring company: ATS link or subdomain, the sender's name, the subject,
    the text, the signature, and only then the sender's web domain."""
    from_sender = _companies_from_sender(sender or "")
    found = from_sender.ats or _company_from_ats(text) or _company_from_ats(signature)
    found = found or from_sender.display
    found = found or _company_from_text(subject) or _company_from_text(text)
    found = found or _company_from_text(signature)
    return found or from_sender.domain


@dataclass(frozen=True)
class _SenderCompanies:
    ats: str | None
    display: str | None
    domain: str | None


@lru_cache(maxsize=4096)  # a mailbox hears from the same senders again and again
def _companies_from_sender(sender: str) -> _SenderCompanies:
    display, address = split_sender(sender)
    domain = address.rpartition("@")[2].lower()
    return _SenderCompanies(
        ats=_company_from_ats(address),
        display=_company_from_display_name(display, domain),
        domain=_company_from_domain(domain),
    )


def split_sender(sender: str) -> tuple[str, str]:
    """Split a From header into its display name and address (a fast `email.utils.parseaddr`)."""
    found = _SENDER.match(sender)
    if found:
        return found.group("display").strip().strip('"').strip(), found.group("address").strip()
    text = sender.strip()
    return ("", text) if "@" in text else (text, "")


def extract_role(subject: str, text: str) -> str | None:
    """Best guess of the job title from subject patterns and phrases like "for the X position",
    "als X (m/w/d)", "au poste de X", "para a vaga de X"."""
    for source in (subject, text[:_ROLE_SEARCH_CHARS]):
        for pattern in (*_ROLE_PATTERNS, _role_after_words()):
            for match in pattern.finditer(source):
                role = _tidy_role(match.group("role"))
                if role:
                    return role
    return None


@lru_cache(maxsize=1)
def _role_after_words() -> re.Pattern[str]:
    """A role named after the words every language's rule file lists ("als", "au poste de")."""
    words = default_rulebook().extraction().role_before
    before = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len)[::-1]
    )
    return re.compile(rf"(?i:{before})\s+(?P<role>[A-ZÀ-Ý][^\n,.;:!?()]{{1,80}})")


@lru_cache(maxsize=1)
def _company_cut() -> re.Pattern[str]:
    """Where a role ends and its company begins: "Analista de Datos en Globex"."""
    words = default_rulebook().extraction().company_before
    before = "|".join(re.escape(word) for word in sorted(words, key=len)[::-1])
    return re.compile(rf"\s(?i:{before})\s+(?=[A-ZÀ-Ý])")


@lru_cache(maxsize=1)
def _role_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words that make a title a job's (from every language's job context), and the nouns that
    follow a role ("position", "Stelle", "poste") and are not part of it."""
    book = default_rulebook()
    titles = {
        fold(phrase.phrase)
        for language in book.languages
        for phrase in language.job_context
        if " " not in phrase.phrase and "|" not in phrase.phrase and "*" not in phrase.phrase
    }
    return frozenset(titles), frozenset(fold(word) for word in book.extraction().role_nouns)


def _company_from_ats(text: str) -> str | None:
    if not text or not _ATS_HINT.search(text):
        return None
    for pattern in (_ATS_PATH, _ATS_SUBDOMAIN):
        for match in pattern.finditer(text or ""):
            slug = match.group(1).lower()
            if slug not in _GENERIC_SUBDOMAINS:
                return _title_from_slug(slug)
    return None


def _company_from_text(text: str) -> str | None:
    in_text = _company_in_text()
    patterns = (_COMPANY_TEAM, in_text) if "Team" in text else (in_text,)
    for pattern in patterns:
        for match in pattern.finditer(text or ""):
            name = re.sub(r"^(?:The|Our|Your) ", "", match.group("name").strip(" .'-"))
            if name and _company_like(name) and not _ROLE_HINTS.search(name):
                return name
    return None


def _company_like(name: str) -> bool:
    """Not a stop word, and not an applicant tracking system, job board or mail platform."""
    if name in _COMPANY_STOP:
        return False
    words = f" {fold(name)} "
    return not any(f" {vendor} " in words for vendor in default_rulebook().senders.vendor_names)


def _company_from_display_name(display: str, domain: str) -> str | None:
    senders = default_rulebook().senders
    if not display or domain in senders.free_mail_domains:
        return None
    if _is_known_domain(domain, senders.job_board_domains):
        via = re.search(r"\b(?:at|from)\s+([A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,3})", display)
        return via.group(1) if via and via.group(1) not in _COMPANY_STOP else None
    cleaned = " ".join(_DISPLAY_NOISE.sub(" ", display).split())
    if not cleaned or not _company_like(cleaned):
        return None
    if _is_known_domain(domain, senders.ats_domains):
        return cleaned
    # A person's name ("Jane Doe <jane@acme.com>") is not a company: then the domain decides.
    stem = _domain_stem(domain)
    if stem and stem.replace("-", "") in cleaned.lower().replace(" ", ""):
        return cleaned
    return None


def _company_from_domain(domain: str) -> str | None:
    senders = default_rulebook().senders
    if not domain or domain in senders.free_mail_domains:
        return None
    if _is_known_domain(domain, senders.ats_domains):
        return None
    if _is_known_domain(domain, senders.job_board_domains):
        return None
    stem = _domain_stem(domain)
    return _title_from_slug(stem) if stem else None


def _domain_stem(domain: str) -> str:
    parts = [part for part in domain.split(".") if part]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def _is_known_domain(domain: str, known_domains: tuple[str, ...]) -> bool:
    return any(domain == known or domain.endswith("." + known) for known in known_domains)


def _title_from_slug(slug: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", slug) if part)


_ROLE_TRAILING = frozenset({"at", "with", "-", "\u2013", "|", "for", "and", "of", "&"})


_GENDER_TAG = re.compile(r"\s*\((?:[mwfdxhk]\s*/\s*){1,3}[mwfdxhk]\)|\s+[HF]/[HF]\b", re.I)


def _tidy_role(raw: str) -> str | None:
    titles, nouns = _role_words()
    words = (
        _GENDER_TAG.sub("", _company_cut().split(raw, maxsplit=1)[0]).strip(" -\u2013|:,.").split()
    )
    while words and words[0].lower() in _ROLE_STOP:
        words.pop(0)
    while words and (words[-1].lower() in _ROLE_TRAILING or fold(words[-1]) in nouns):
        words.pop()
    while words and fold(words[0]) in nouns:  # "position of X" was matched as its own role
        words.pop(0)
    role = " ".join(words)
    if not role:
        return None
    if not _ROLE_HINTS.search(role) and not any(fold(word) in titles for word in words):
        return None
    return role
