"""Generate the labelled synthetic corpus (deterministic: a fixed seed per split).

Run ``python -m training.corpus`` to rewrite ``training/data/{train,calibration,test}.jsonl``.
Every email is assembled from independently written parts (the JSON files in `training/phrases/`,
read by `training.banks`): either a whole-paragraph phrasing family (``families.json``) or
sentences drawn from the phrase banks (``sentences.json``, ``ordinary.json``: subject, core intent
sentence, supporting sentences, neutral filler, opener, closing, footer), plus a greeting,
signature and sender style (``parts.json``) and sometimes a reply or forward wrapper. The three
splits use disjoint families, bank sentences, companies and roles: the test set's wording was never
trained on.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from training import banks
from training.banks import FAMILIES, NONE_SENDERS, Family
from training.datasets import DATA_DIR

SPLITS = ("train", "calibration", "test")
SPLIT_SEEDS = {"train": 1101, "calibration": 2202, "test": 3303}
SPLIT_SIZES = {
    "train": {"applied": 900, "interviewing": 900, "offer": 900, "rejected": 900, "none": 2400},
    "calibration": {
        "applied": 150,
        "interviewing": 150,
        "offer": 150,
        "rejected": 150,
        "none": 400,
    },
    "test": {"applied": 250, "interviewing": 250, "offer": 250, "rejected": 250, "none": 600},
}
ORDINARY_GREETINGS = tuple(g for g in banks.GREETINGS if "Candidate" not in g)
# Share of emails written from a whole-paragraph family; the rest are composed from sentences.
FAMILY_SHARE = 0.35
USER = ("Jordan", "Lee", "jordan.lee@gmail.com")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def split_of_item(index: int) -> str:
    """Items (families, bank sentences) at positions 3, 8, 13... calibrate; 4, 9, 14... test."""
    return {3: "calibration", 4: "test"}.get(index % 5, "train")


def in_split(items: tuple[str, ...], split: str) -> tuple[str, ...]:
    """The items of a bank that belong to ``split``."""
    return tuple(item for index, item in enumerate(items) if split_of_item(index) == split)


def generate_split(split: str) -> Iterator[dict[str, str]]:
    """Yield the emails of one split as JSONL records."""
    rng = random.Random(SPLIT_SEEDS[split])
    for label, count in SPLIT_SIZES[split].items():
        families = [
            (index, family)
            for index, family in enumerate(FAMILIES[label])
            if split_of_item(index) == split
        ]
        for number in range(count):
            email_id = f"{split}-{label}-{number:04d}"
            if rng.random() < FAMILY_SHARE:
                index, family = families[number % len(families)]
                yield _family_email(rng, split, label, index, family, email_id)
            else:
                yield _composed_email(rng, split, label, email_id)


def _record(
    email_id: str, sender: str, subject: str, body: str, values: dict[str, str], label: str
) -> dict[str, str]:
    return {
        "id": email_id,
        "from": sender,
        "to": f"{USER[0]} {USER[1]} <{USER[2]}>",
        "subject": subject,
        "date": values["iso_date"],
        "body": body,
        "label": label,
    }


def _family_email(
    rng: random.Random, split: str, label: str, index: int, family: Family, email_id: str
) -> dict[str, str]:
    values = _values(rng, split)
    subjects, cores = family
    subject = _fill(rng.choice(subjects), values)
    core = _fill(rng.choice(cores), values)
    if label == "none":
        sender = _fill(NONE_SENDERS[index], values)
        body = _ordinary_body(rng, core, values)
    else:
        sender = _job_sender(rng, label, values)
        body = _job_body(rng, core, values)
    subject, body = _wrap(rng, label, subject, body, values, sender)
    return _record(email_id, sender, subject, body, values, label)


def _composed_email(rng: random.Random, split: str, label: str, email_id: str) -> dict[str, str]:
    values = _values(rng, split)
    if label == "none":
        kind = banks.NONE_KINDS[rng.choice(sorted(banks.NONE_KINDS))]
        sender = _fill(rng.choice(kind.senders), values)
        subject = _fill(rng.choice(in_split(kind.subjects, split)), values)
        core = _fill(rng.choice(in_split(kind.cores, split)), values)
        body = _composed_body(rng, split, [core], values, job=False)
    else:
        sender = _job_sender(rng, label, values)
        subject = _fill(rng.choice(in_split(banks.SUBJECTS[label], split)), values)
        sentences = [_fill(rng.choice(in_split(banks.CORE[label], split)), values)]
        supports = in_split(banks.SUPPORT[label], split)
        for support in rng.sample(supports, min(rng.choice((0, 1, 1, 2)), len(supports))):
            sentences.append(_fill(support, values))
        body = _composed_body(rng, split, sentences, values, job=True)
    subject, body = _wrap(rng, label, subject, body, values, sender)
    return _record(email_id, sender, subject, body, values, label)


def _composed_body(
    rng: random.Random, split: str, sentences: list[str], values: dict[str, str], *, job: bool
) -> str:
    """Lay sentences out as an email: terse, standard or long, with filler around the point.

    Every class gets neutral filler (privacy notes, "do not reply"), so the model cannot tell the
    classes apart by boilerplate; recruiting openers, filler and signatures stay in job mail.
    """
    style = rng.choice(("terse", "standard", "standard", "long"))
    if style == "terse":
        return " ".join(sentences)
    first = sentences[:1]
    rest = sentences[1:]
    filler_count = {"standard": rng.choice((0, 1)), "long": rng.choice((1, 2, 3))}[style]
    filler_bank = in_split(banks.NEUTRAL_FILLER, split)
    if job:
        filler_bank += in_split(banks.FILLER, split)
        if rng.random() < 0.5:
            first.insert(0, _fill(rng.choice(in_split(banks.OPENERS, split)), values))
    rest += [_fill(item, values) for item in rng.sample(filler_bank, filler_count)]
    rng.shuffle(rest)
    greetings = banks.GREETINGS if job else ORDINARY_GREETINGS
    paragraphs = [_fill(rng.choice(greetings), values)] if rng.random() < 0.8 else []
    paragraphs.append(" ".join(first))
    if rest:
        paragraphs.append(" ".join(rest))
    if rng.random() < 0.6:
        paragraphs.append(_fill(rng.choice(in_split(banks.CLOSINGS, split)), values))
    signature = _fill(rng.choice(banks.SIGNATURES), values) if job else values["colleague"]
    if rng.random() < 0.8:
        paragraphs.append(f"{rng.choice(banks.SIGN_OFFS)}\n{signature}")
    footers = in_split(banks.FOOTERS, split)
    if not job:
        footers = tuple(footer for footer in footers if "{company}" not in footer)
        footers = tuple(f for f in footers if "candidate" not in f and "Greenhouse" not in f)
    if footers and rng.random() < 0.35:
        paragraphs.append(_fill(rng.choice(footers), values))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _values(rng: random.Random, split: str) -> dict[str, str]:
    company, other_company = rng.sample(banks.COMPANIES[split], 2)
    role, role2 = rng.sample(banks.ROLES[split], 2)
    first, first2 = rng.sample(banks.FIRST_NAMES, 2)
    last, last2 = rng.sample(banks.LAST_NAMES, 2)
    recruiter_first, recruiter_last = rng.choice(banks.FIRST_NAMES), rng.choice(banks.LAST_NAMES)
    slug = re.sub(r"[^a-z0-9]+", "", company.lower())
    my_company = rng.choice(banks.COMPANIES["train"])
    my_slug = re.sub(r"[^a-z0-9]+", "", my_company.lower())
    day, day2 = rng.sample(banks.DAYS, 2)
    sent = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 60 * 24 * 600))
    job_id = str(rng.randrange(100000, 9999999))
    values = {
        "company": company,
        "company_name": company,
        "other_company": other_company,
        "role": role,
        "role2": role2,
        "first": first if rng.random() < 0.7 else USER[0],
        "last": last if rng.random() < 0.7 else USER[1],
        "first2": first2,
        "last2": last2,
        "recruiter": f"{recruiter_first} {recruiter_last}",
        "recruiter_user": f"{recruiter_first.lower()}.{recruiter_last.lower()}",
        "colleague": f"{first2} {last2}",
        "colleague_user": first2.lower(),
        "slug": slug,
        "domain": f"{slug}.com",
        "my_domain": f"{my_slug}.com",
        "my_slug": my_slug,
        "day": day,
        "day2": day2,
        "time": rng.choice(banks.TIMES),
        "city": rng.choice(banks.CITIES),
        "date": (sent + timedelta(days=rng.randrange(3, 40))).strftime("%B %d, %Y"),
        "iso_date": sent.isoformat(),
        "amount": f"${rng.randrange(70, 260)},{rng.choice(('000', '500'))}",
        "n": str(rng.randrange(2, 40)),
        "job_id": job_id,
        "uuid": f"{rng.getrandbits(64):016x}",
        "phone": f"+1 ({rng.randrange(200, 999)}) 555-{rng.randrange(1000, 9999)}",
    }
    values["link"] = _fill(rng.choice(banks.ATS_LINKS), values)
    return values


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def _job_sender(rng: random.Random, label: str, values: dict[str, str]) -> str:
    roll = rng.random()
    if label == "applied" and roll < 0.15:
        return rng.choice(banks.BOARD_APPLY_SENDERS)
    if roll < 0.55:
        return _fill(rng.choice(banks.ATS_SENDERS), values)
    return _fill(rng.choice(banks.COMPANY_SENDERS), values)


def _job_body(rng: random.Random, core: str, values: dict[str, str]) -> str:
    paragraphs = [_fill(rng.choice(banks.GREETINGS), values)]
    fillers = rng.sample(banks.RECRUITING_FILLER, rng.choice((0, 0, 1, 1, 2)))
    paragraphs.append(core)
    paragraphs.extend(_fill(filler, values) for filler in fillers)
    closing = f"{rng.choice(banks.SIGN_OFFS)}\n{_fill(rng.choice(banks.SIGNATURES), values)}"
    paragraphs.append(closing)
    if rng.random() < 0.15:
        paragraphs.append("To unsubscribe from recruiting updates, manage your email preferences.")
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _ordinary_body(rng: random.Random, core: str, values: dict[str, str]) -> str:
    paragraphs = []
    if rng.random() < 0.5:
        paragraphs.append(_fill(rng.choice(banks.GREETINGS), values))
    paragraphs.append(core)
    if rng.random() < 0.5:
        paragraphs.append(rng.choice(banks.SIGN_OFFS) + "\n" + values["colleague"])
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _wrap(
    rng: random.Random, label: str, subject: str, body: str, values: dict[str, str], sender: str
) -> tuple[str, str]:
    """Sometimes turn the email into a reply (older mail quoted below) or a user's forward."""
    roll = rng.random()
    if roll < 0.12:
        older_label = rng.choice(("applied", "interviewing", "none"))
        older = _fill(rng.choice(rng.choice(FAMILIES[older_label])[1]), values)
        quoted = "\n".join(f"> {line}" for line in older.split("\n"))
        header = f"On {values['date']} at {values['time']}, {USER[0]} {USER[1]} <{USER[2]}> wrote:"
        return f"Re: {subject}", f"{body}\n\n{header}\n{quoted}"
    if roll < 0.2:
        note = rng.choice(("FYI", "Forwarding for my records.", "", "See below!", "Fwd to self"))
        block = (
            "---------- Forwarded message ---------\n"
            f"From: {sender}\nDate: {values['date']}\nSubject: {subject}\nTo: {USER[2]}\n\n{body}"
        )
        return f"Fwd: {subject}", f"{note}\n\n{block}" if note else block
    if roll < 0.25 and label != "none":
        older = _fill(rng.choice(rng.choice(FAMILIES["applied"])[1]), values)
        original = f"-----Original Message-----\nFrom: {values['company']}\n\n{older}"
        return f"RE: {subject}", f"{body}\n\n{original}"
    return subject, body


def write_corpus(data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Write every split to ``data_dir`` and return how many emails each got."""
    data_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in SPLITS:
        records = list(generate_split(split))
        with (data_dir / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[split] = len(records)
    return counts


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger(__name__).info("corpus.written counts=%s", write_corpus())
