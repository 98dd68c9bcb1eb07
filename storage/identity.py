"""Normalised identities of emails and applications, turned into keyed fingerprints.

Only fingerprints reach the database; the normalised plaintext never does.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC
from email.utils import parseaddr

from storage.crypto import FieldCipher
from storage.views import IncomingEmail

MAX_ADDRESS_LENGTH = 320  # RFC 5321: 64 for the local part, 1 for "@", 255 for the domain
# Control, format (zero-width), surrogate and private-use characters: never part of an address.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


def canonical_email(address: str) -> str:
    """The one form of an email address accounts and mailboxes are kept and found under.

    Unicode NFKC, then case folding, so that every spelling a person (or an attacker) can type
    for one address — "Sam@Example.com", U+017F LONG S for "s", full-width letters — is the same
    account, the same mailbox and the same sign-in throttle key.
    """
    return unicodedata.normalize("NFKC", address.strip()).casefold()


# The scopes of the address blind indexes: an account email and a Gmail address that are equal
# get different fingerprints, so a dump does not even show which accounts use their Gmail.
ACCOUNT_EMAIL = "account-email"
GMAIL_ADDRESS = "gmail-address"


def address_fingerprint(cipher: FieldCipher, scope: str, address: str) -> str:
    """The blind index an address is kept unique and found under: a keyed HMAC of its canonical
    form, within ``scope`` (`ACCOUNT_EMAIL` or `GMAIL_ADDRESS`)."""
    return cipher.fingerprint(scope, canonical_email(address))


def email_address_problem(address: str) -> str | None:
    """Why ``address`` cannot be an account's or a mailbox's address (a phrase), or None."""
    if len(address) > MAX_ADDRESS_LENGTH:
        return f"is longer than {MAX_ADDRESS_LENGTH} characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "is not an email address (like name@example.com)"
    if address.isascii() and address.isprintable() and " " not in address:
        return None  # the usual case, decided without a look at each character
    if any(char.isspace() for char in address):
        return "contains a space"
    if any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in address):
        return "contains a control or invisible character"
    return None


_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalise_subject(subject: str) -> str:
    """Strip Re:/Fwd: prefixes (repeated, any case), fold case and collapse whitespace."""
    stripped = _REPLY_PREFIX.sub("", subject)
    return _SPACE.sub(" ", stripped).strip().casefold()


def normalise_sender(sender: str) -> str:
    """The bare email address of a From header, lower-cased (the raw text if it has none)."""
    _name, address = parseaddr(sender)
    return (address or sender).strip().casefold()


def normalise_message_id(message_id: str) -> str:
    """An RFC 822 Message-ID without angle brackets or surrounding whitespace."""
    return message_id.strip().strip("<>").strip()


def email_fingerprints(cipher: FieldCipher, email: IncomingEmail) -> list[str]:
    """Fingerprints that are equal for an email and any copy of it (forward, CC, re-delivery)."""
    fingerprints = []
    if email.rfc822_message_id and normalise_message_id(email.rfc822_message_id):
        fingerprints.append(
            cipher.fingerprint("message-id", normalise_message_id(email.rfc822_message_id))
        )
    sender = email.original_sender or email.sender
    subject = email.original_subject if email.original_subject is not None else email.subject
    date = email.original_date or email.date
    # Minute precision: forwarded headers usually show the original date without seconds.
    minute = date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    fingerprints.append(
        cipher.fingerprint("headers", normalise_sender(sender), normalise_subject(subject), minute)
    )
    return fingerprints


def normalise_name(value: str | None) -> str:
    """A company or role name for matching: case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", value or "").strip().casefold()


_LEGAL_SUFFIXES = frozenset(
    {"inc", "llc", "ltd", "limited", "corp", "corporation", "co", "gmbh", "plc", "ag", "bv", "sa"}
)
_WORD = re.compile(r"[^\W_]+")


# German names written with umlauts have them spelled out in their web domains (kuehn.de).
_SPELLED_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _company_words(value: str | None, *, spell_umlauts: bool = True) -> list[str]:
    """A company name's words for matching, without accents, "The" and legal suffixes: a mail
    writes "Condé Nast" and "Tischlerei Kühn" where a domain gives "condenast" and "kuehn"."""
    lowered = (value or "").casefold().replace("&", " and ")
    if spell_umlauts:
        lowered = lowered.translate(_SPELLED_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = _WORD.findall(unaccented)
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    if words and words[0] == "the":
        words.pop(0)
    return words


def normalise_company(value: str | None) -> str:
    """A company name for matching: "Halvorsen Logistics, Inc." and "HalvorsenLogistics" agree,
    and so do "Condé Nast" and "Condenast", "Tischlerei Kühn" and "Tischlerei Kuehn".
    (Applications fingerprinted before accents were dropped are still found: `companies_agree`
    compares their names as they are now normalised, and joining one rewrites its fingerprint.)"""
    return "".join(_company_words(value))


def companies_agree(one: str, other: str) -> bool:
    """Whether two names can be one company written more or less fully: the same name, or the
    words of one open the other ("Quillmark" and "Quillmark Publishing"; not "Meta" and
    "Metabase"), with umlauts spelled out or dropped ("Zürich" and "Zurich"). A mail's domain
    often gives the short name, a signature or a tracking system the full one."""
    return any(
        _words_agree(
            _company_words(one, spell_umlauts=spell), _company_words(other, spell_umlauts=spell)
        )
        for spell in (True, False)
    )


def _words_agree(words: list[str], other_words: list[str]) -> bool:
    if not words or not other_words:
        return False
    shorter, longer = sorted((words, other_words), key=len)
    return "".join(words) == "".join(other_words) or longer[: len(shorter)] == shorter


def titles_agree(one: str, other: str) -> bool:
    """Whether two titles of one company can name the same post: the words of one are all
    words of the other ("Data Analyst" and "Senior Data Analyst, Remote"). Emails of one
    application often name its post more or less fully; a wrong join can be moved away."""
    words, other_words = (set(_WORD.findall(title.casefold())) for title in (one, other))
    return bool(words and other_words) and (words <= other_words or other_words <= words)


def application_fingerprint(
    cipher: FieldCipher, company: str | None, role: str | None
) -> str | None:
    """The blind index matching applications by company + role (None without a company)."""
    company_key = normalise_company(company)
    if not company_key:
        return None
    return cipher.fingerprint("application", company_key, normalise_name(role))


def company_fingerprint(cipher: FieldCipher, company: str | None) -> str | None:
    """The blind index matching applications by company alone (None without a company)."""
    company_key = normalise_company(company)
    return cipher.fingerprint("company", company_key) if company_key else None
