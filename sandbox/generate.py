"""A deterministic generator of large mailboxes: job mail mixed into everyday mail."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sandbox.errors import SandboxInputError

_COMPANIES = (
    "Acme Analytics",
    "Bluefin Software",
    "Cobalt Freight",
    "Dovetail Health",
    "Evergreen Labs",
    "Foxglove Media",
    "Granite Payments",
    "Harbor AI",
    "Ironwood Games",
    "Juniper Retail",
    "Kestrel Security",
    "Lakeshore Bio",
    "Marigold Travel",
    "Nimbus Cloud",
    "Oakline Energy",
    "Pinecrest Insurance",
    "Quartz Robotics",
    "Redwood Learning",
    "Sable Logistics",
    "Tidewater Foods",
)
_ROLES = (
    "Data Analyst",
    "Backend Engineer",
    "Product Designer",
    "Site Reliability Engineer",
    "Marketing Manager",
    "Frontend Developer",
    "Data Scientist",
    "Customer Success Lead",
    "QA Engineer",
    "Technical Writer",
    "Product Manager",
    "Machine Learning Engineer",
)
_ATS = (
    ("no-reply@us.greenhouse-mail.io", "{company} Recruiting"),
    ("no-reply@hire.lever.co", "{company}"),
    ("{slug}@myworkdayjobs.com", "{company} Careers"),
    ("no-reply@ashbyhq.com", "{company} Hiring Team"),
)
_STAGES = {
    "applied": (
        "Thank you for applying to {company}",
        "Hi there,\n\nThanks for your interest in the {role} position at {company}. We have "
        "received your application and our team will review it shortly.\n\nBest,\n{company}",
    ),
    "interviewing": (
        "Interview invitation: {role} at {company}",
        "Hello,\n\nWe enjoyed reading your application for {role}. We'd like to invite you to a "
        "45-minute video interview. Please pick a slot that suits you using the link below.\n\n"
        "Thanks,\n{company} Talent",
    ),
    "offer": (
        "Offer letter - {role}, {company}",
        "Congratulations!\n\nWe are delighted to extend you an offer for the {role} role at "
        "{company}. Your offer letter is attached; please review and sign by Friday.",
    ),
    "rejected": (
        "Your application to {company}",
        "Hi,\n\nThank you for your time and interest in the {role} role. After careful "
        "consideration we have decided to move forward with other candidates.\n\nKind regards,\n"
        "{company}",
    ),
}
_ORDINARY = (
    (
        "Weekly digest <digest@news.example.com>",
        "Your weekly tech roundup #{n}",
        "Ten stories worth reading this week, from databases to design systems.",
        "CATEGORY_UPDATES",
    ),
    (
        "Job Alerts <alerts@jobs.example.com>",
        "{n} new {role} jobs near you",
        "New jobs match your saved search. Apply today - these roles are filling fast.",
        "CATEGORY_UPDATES",
    ),
    (
        "First Bank <notices@firstbank.example.com>",
        "We received your credit card application",
        "Thank you for applying for the Rewards card. We will email you a decision soon.",
        "CATEGORY_UPDATES",
    ),
    (
        "ShopMart <deals@shopmart.example.com>",
        "Exclusive offer: {n}% off this weekend",
        "Our best offer of the season is here. Don't miss it.",
        "CATEGORY_PROMOTIONS",
    ),
    (
        "Sam Park <sam.park@example.net>",
        "Dinner on Saturday?",
        "Are you free Saturday evening? Thinking of trying the new ramen place.",
        "CATEGORY_PERSONAL",
    ),
    (
        "City Utilities <billing@utilities.example.org>",
        "Your bill for this month is ready",
        "Your statement is available online. Amount due: ${n}.40.",
        "CATEGORY_UPDATES",
    ),
    (
        "Code Host <notifications@code.example.com>",
        "[project] Pull request #{n} merged",
        "Your pull request was merged into main.",
        "CATEGORY_UPDATES",
    ),
    (
        "Podcast Weekly <hello@podcast.example.com>",
        "Interview with the founder of {company}",
        "This week's episode: an interview about building a company from scratch.",
        "CATEGORY_PROMOTIONS",
    ),
)


def generate_messages(
    *,
    count: int | None,
    days: int | None,
    seed: int | None,
    job_share: object,
    now: float,
    recipient: str,
    applications: int | None = None,
) -> list[dict]:
    """Return ``count`` deterministic messages (oldest first) spread over the last ``days`` days:
    ``job_share`` of them job mail, or else the mail of exactly ``applications`` applications
    (each a company and role of its own)."""
    if count is None or not 1 <= count <= 100_000:
        raise SandboxInputError("count must be a whole number between 1 and 100000.")
    if days is None or not 1 <= days <= 3650:
        raise SandboxInputError("days must be a whole number between 1 and 3650.")
    if not isinstance(job_share, int | float) or not 0 <= job_share <= 1:
        raise SandboxInputError("job_share must be a number between 0 and 1.")
    rng = random.Random(seed or 0)
    end = datetime.fromtimestamp(now, UTC) - timedelta(minutes=1)
    start = end - timedelta(days=days)
    if applications is None:
        messages = _job_messages(rng, round(count * job_share), start, end, recipient, seed or 0)
    else:
        messages = _applications(rng, applications, start, end, recipient, seed or 0)
    if len(messages) > count:
        raise SandboxInputError("count is too small for the applications' mail.")
    messages += [
        _ordinary_message(rng, index, start, end, recipient, seed or 0)
        for index in range(count - len(messages))
    ]
    messages.sort(key=lambda message: message["date"])
    return messages


def _job_messages(
    rng: random.Random, total: int, start: datetime, end: datetime, recipient: str, seed: int
) -> list[dict]:
    messages: list[dict] = []
    application = 0
    while len(messages) < total:
        company, role = rng.choice(_COMPANIES), rng.choice(_ROLES)
        messages += _application_thread(
            rng,
            application,
            company,
            role,
            start,
            end,
            recipient,
            seed,
            limit=total - len(messages),
        )
        application += 1
    return messages


def _applications(
    rng: random.Random, count: int, start: datetime, end: datetime, recipient: str, seed: int
) -> list[dict]:
    """The mail of ``count`` applications, each to a company of its own (named by crossing
    the first and last words of the company names, so that no two are merged as one)."""
    companies = [
        f"{first.split()[0]} {last.split()[-1]}" for first in _COMPANIES for last in _COMPANIES
    ]
    if not 1 <= count <= len(companies):
        raise SandboxInputError(
            f"applications must be a whole number between 1 and {len(companies)}."
        )
    messages: list[dict] = []
    for application, company in enumerate(rng.sample(companies, count)):
        role = rng.choice(_ROLES)
        messages += _application_thread(
            rng, application, company, role, start, end, recipient, seed
        )
    return messages


def _application_thread(
    rng: random.Random,
    application: int,
    company: str,
    role: str,
    start: datetime,
    end: datetime,
    recipient: str,
    seed: int,
    *,
    limit: int | None = None,
) -> list[dict]:
    """One application's mail, oldest first: a confirmation, then perhaps more steps (at most
    ``limit`` messages)."""
    address, display = rng.choice(_ATS)
    slug = company.lower().replace(" ", "")
    sender = f"{display.format(company=company)} <{address.format(slug=slug)}>"
    stages = [
        "applied",
        *rng.choice(
            (
                [],
                ["rejected"],
                ["interviewing"],
                ["interviewing", "rejected"],
                ["interviewing", "offer"],
            )
        ),
    ]
    when = _random_time(rng, start, end - timedelta(days=1))
    root_id = None
    messages: list[dict] = []
    for step, stage in enumerate(stages[:limit]):
        subject, body = _STAGES[stage]
        message_id = f"<gen-{seed}-a{application}-{step}@{slug}.example.com>"
        message = _message(
            sender,
            recipient,
            subject.format(company=company, role=role),
            body.format(company=company, role=role),
            when,
            message_id,
        )
        if root_id:
            message["headers"] = {"In-Reply-To": root_id, "References": root_id}
        root_id = root_id or message_id
        messages.append(message)
        when = min(end, when + timedelta(hours=rng.uniform(12, 96)))
    return messages


def _ordinary_message(
    rng: random.Random, index: int, start: datetime, end: datetime, recipient: str, seed: int
) -> dict:
    sender, subject, body, category = rng.choice(_ORDINARY)
    values = {
        "n": rng.randint(2, 90),
        "role": rng.choice(_ROLES),
        "company": rng.choice(_COMPANIES),
    }
    message = _message(
        sender,
        recipient,
        subject.format(**values),
        body.format(**values),
        _random_time(rng, start, end),
        f"<gen-{seed}-o{index}@mail.example.com>",
    )
    message["labelIds"] = ["INBOX", "UNREAD", category]
    return message


def _message(
    sender: str, recipient: str, subject: str, body: str, when: datetime, message_id: str
) -> dict:
    return {
        "from": sender,
        "to": recipient,
        "subject": subject,
        "date": when.isoformat(),
        "body": body,
        "messageId": message_id,
    }


def _random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0.0, (end - start).total_seconds())
    return (start + timedelta(seconds=rng.uniform(0, span))).replace(microsecond=0)
