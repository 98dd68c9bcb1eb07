"""The synthetic corpus's phrase banks, read from the JSON files in `training/phrases/`.

- ``sentences.json``: per job label, 20 subject lines (``subjects``), core sentences that say the
  email's point (``core``) and supporting sentences (``support``); then openers, closings,
  recruiting ``filler`` (company blurbs, logistics, privacy notes: nothing about the label),
  ``neutral_filler`` any automated or business email may carry, and footers with HTML and legal
  artefacts.
- ``ordinary.json``: kinds of ordinary mail, most of them hard negatives (a credit card
  application, a rental, a sale): each with senders, subject lines and core sentences.
- ``families.json``: per label, whole-paragraph phrasings written in one voice (subject lines and
  core paragraphs); an ordinary-mail family also names its sender.
- ``parts.json``: companies and roles per split, names, greetings, sign-offs, signatures, cities,
  days, times, ATS / company / job-board senders, ATS links and recruiting filler paragraphs.
- ``footers.json``: per language, lines of the footers mail carries whatever it is about (link
  bars, legal notices, "sent from my phone"). Nothing trains on them: `bench/classifier.py` puts
  some under the evaluation sets' mail to count the labels a footer changes.

Every bank is split by position (`training.corpus.split_of_item`): items 0, 1, 2, 5, 6, 7... train,
items 3, 8, 13... calibrate, items 4, 9, 14... are test-only, so the held-out test set is made of
sentences the model never trained on. Appending to a bank moves nothing; inserting or deleting
an item moves every later item to another split. Placeholders such as ``{company}`` and ``{role}``
are filled by the generator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PHRASES_DIR = Path(__file__).resolve().parent / "phrases"

# A family: (subject lines, core paragraphs) written in one voice.
Family = tuple[tuple[str, ...], tuple[str, ...]]


class BankError(ValueError):
    """A phrase file is not shaped as the generator expects; the message names the place."""


@dataclass(frozen=True)
class NoneKind:
    """A kind of ordinary mail (often a hard negative): senders, subjects and core sentences."""

    senders: tuple[str, ...]
    subjects: tuple[str, ...]
    cores: tuple[str, ...]


def load_phrase_file(name: str, directory: Path = PHRASES_DIR) -> dict[str, Any]:
    """Read one JSON phrase file (an object at the top)."""
    path = directory / name
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise BankError(f"{path}: the top level must be a JSON object")
    return data


def strings(value: object, where: str) -> tuple[str, ...]:
    """``value`` as a tuple of strings, or `BankError` naming ``where``."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BankError(f"{where} must be a list of strings")
    return tuple(value)


def strings_by_key(value: object, where: str) -> dict[str, tuple[str, ...]]:
    """``value`` as a mapping of names to tuples of strings, or `BankError` naming ``where``."""
    if not isinstance(value, dict):
        raise BankError(f"{where} must be an object of lists of strings")
    return {key: strings(items, f"{where}.{key}") for key, items in value.items()}


def _field(data: dict[str, Any], key: str, where: str) -> object:
    if key not in data:
        raise BankError(f"{where} has no {key!r}")
    return data[key]


def _none_kinds(data: dict[str, Any]) -> dict[str, NoneKind]:
    kinds = {}
    for name, kind in data.items():
        where = f"ordinary.json: {name}"
        if not isinstance(kind, dict):
            raise BankError(f"{where} must be an object with senders, subjects and cores")
        kinds[name] = NoneKind(
            *(
                strings(_field(kind, key, where), f"{where}.{key}")
                for key in NoneKind.__annotations__
            )
        )
    return kinds


def _families(data: dict[str, Any]) -> tuple[dict[str, tuple[Family, ...]], tuple[str, ...]]:
    families: dict[str, tuple[Family, ...]] = {}
    none_senders: list[str] = []
    for label, items in data.items():
        if not isinstance(items, list):
            raise BankError(f"families.json: {label} must be a list of families")
        rows = []
        for index, family in enumerate(items):
            where = f"families.json: {label}[{index}]"
            if not isinstance(family, dict):
                raise BankError(f"{where} must be an object with subjects and cores")
            subjects = strings(_field(family, "subjects", where), f"{where}.subjects")
            cores = strings(_field(family, "cores", where), f"{where}.cores")
            rows.append((subjects, cores))
            if label == "none":
                sender = _field(family, "sender", where)
                if not isinstance(sender, str):
                    raise BankError(f"{where}.sender must be a string")
                none_senders.append(sender)
        families[label] = tuple(rows)
    return families, tuple(none_senders)


def _list(data: dict[str, Any], file: str, key: str) -> tuple[str, ...]:
    return strings(_field(data, key, file), f"{file}: {key}")


def _lists(data: dict[str, Any], file: str, key: str) -> dict[str, tuple[str, ...]]:
    return strings_by_key(_field(data, key, file), f"{file}: {key}")


_SENTENCES = load_phrase_file("sentences.json")
SUBJECTS = _lists(_SENTENCES, "sentences.json", "subjects")
CORE = _lists(_SENTENCES, "sentences.json", "core")
SUPPORT = _lists(_SENTENCES, "sentences.json", "support")
OPENERS = _list(_SENTENCES, "sentences.json", "openers")
CLOSINGS = _list(_SENTENCES, "sentences.json", "closings")
# Sentences that say nothing about the label: company blurbs, logistics, privacy notes.
FILLER = _list(_SENTENCES, "sentences.json", "filler")
# Sentences any automated or business email may carry, whatever it is about.
NEUTRAL_FILLER = _list(_SENTENCES, "sentences.json", "neutral_filler")
FOOTERS = _list(_SENTENCES, "sentences.json", "footers")
# Per language (see ``footers.json`` above); English's for a language without any.
FOOTER_LINES = _lists(load_phrase_file("footers.json"), "footers.json", "lines")


def footer_lines(language: str) -> tuple[str, ...]:
    """A language's footer lines (English's for a language without any)."""
    return FOOTER_LINES.get(language, FOOTER_LINES["en"])


# What mail systems and senders put before a subject ("[EXTERNAL] ", "Reminder: ", an emoji) and
# at the top of a body ("View this email in your browser", a gateway's caution): the "trained"
# ones make copies of the training mail, the "measured" ones (never trained on) measure how many
# labels they change (`bench/classifier.py`).
def _by_use(file: str) -> dict[str, dict[str, tuple[str, ...]]]:
    data = load_phrase_file(file)
    return {use: _lists(data, file, use) for use in ("trained", "measured")}


SUBJECT_TAGS = _by_use("subject_tags.json")
OPENINGS = _by_use("openings.json")


def subject_tags(use: str, language: str) -> tuple[str, ...]:
    """The ``use`` ("trained" or "measured") subject tags for mail in ``language``."""
    return _of_language(SUBJECT_TAGS[use], language)


def openings(use: str, language: str) -> tuple[str, ...]:
    """The ``use`` ("trained" or "measured") lines that may open a body in ``language``."""
    return _of_language(OPENINGS[use], language)


def _of_language(table: dict[str, tuple[str, ...]], language: str) -> tuple[str, ...]:
    """Those of any language and the language's own (English's for a language without any)."""
    return table["any"] + table.get(language, table["en"])


NONE_KINDS = _none_kinds(load_phrase_file("ordinary.json"))

# NONE_SENDERS[i] is the sender of the i-th ordinary-mail family.
FAMILIES, NONE_SENDERS = _families(load_phrase_file("families.json"))

_PARTS = load_phrase_file("parts.json")
COMPANIES = _lists(_PARTS, "parts.json", "companies")  # per split
ROLES = _lists(_PARTS, "parts.json", "roles")  # per split
FIRST_NAMES = _list(_PARTS, "parts.json", "first_names")
LAST_NAMES = _list(_PARTS, "parts.json", "last_names")
GREETINGS = _list(_PARTS, "parts.json", "greetings")
SIGN_OFFS = _list(_PARTS, "parts.json", "sign_offs")
SIGNATURES = _list(_PARTS, "parts.json", "signatures")
CITIES = _list(_PARTS, "parts.json", "cities")
DAYS = _list(_PARTS, "parts.json", "days")
TIMES = _list(_PARTS, "parts.json", "times")
ATS_SENDERS = _list(_PARTS, "parts.json", "ats_senders")
COMPANY_SENDERS = _list(_PARTS, "parts.json", "company_senders")
BOARD_APPLY_SENDERS = _list(_PARTS, "parts.json", "board_apply_senders")
ATS_LINKS = _list(_PARTS, "parts.json", "ats_links")
# Neutral paragraphs that appear in every kind of recruiting mail.
RECRUITING_FILLER = _list(_PARTS, "parts.json", "recruiting_filler")
