from collections import defaultdict
from datetime import UTC, datetime

import pytest

from classifier import Classification, Email
from sandbox.seed import demo_followups, demo_messages
from storage.identity import normalise_company

pytestmark = pytest.mark.unit

DOCUMENTED = [
    (
        "applied",
        "Acme Careers <no-reply@acme.greenhouse.io>",
        "Application Received",
        "Hi Jordan,\n\nThank you for applying for the Data Engineer position at Acme. We will "
        "review "
        "your application and get back to you.\n\nBest,\nAcme Recruiting",
    ),
    (
        "interviewing",
        "Dana Smith <dana@globex.com>",
        "Next steps",
        "Hi Jordan, thanks for applying! I'd like to schedule a time to chat about the role. "
        "Does Tuesday work?",
    ),
    (
        "offer",
        "Dana Smith <dana@globex.com>",
        "Great news",
        "Hi Jordan, we are delighted to extend an offer for the Backend Engineer role. Your offer "
        "letter is attached.",
    ),
    (
        "rejected",
        "Initech <no-reply@hire.lever.co>",
        "Your application",
        "Thank you for your interest in Initech. We have decided to move forward with other "
        "candidates for the Product Manager position.",
    ),
]

HARD_NEGATIVES = [
    (
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        "Jobs you may like",
        "Data Engineer at Acme - New York. Senior Data Engineer at Globex. See all jobs. "
        "Unsubscribe.",
    ),
    (
        "LinkedIn <notifications-noreply@linkedin.com>",
        "Your profile was viewed by 7 people",
        "A recruiter at Globex viewed your profile. Try Premium for free.",
    ),
    ("Shop <deals@shop.com>", "A special offer for you", "Get 30% off with promo code SAVE30."),
    (
        "Workday <acme@myworkday.com>",
        "Reset your password",
        "Click below to reset your password for your candidate account.",
    ),
    ("Friend <friend@gmail.com>", "Dinner Friday?", "Want to grab dinner on Friday?"),
]


@pytest.mark.parametrize(("label", "sender", "subject", "body"), DOCUMENTED)
def test_documented_patterns(shipped, label, sender, subject, body):
    result = shipped.classify(Email(sender=sender, subject=subject, body=body))
    assert isinstance(result, Classification)
    assert result.label == label
    assert 0.0 <= result.confidence <= 1.0
    assert any(reason.startswith("textcat:") for reason in result.reasons)


@pytest.mark.parametrize(("sender", "subject", "body"), HARD_NEGATIVES)
def test_hard_negatives_get_no_job_label(shipped, sender, subject, body):
    assert shipped.classify(Email(sender=sender, subject=subject, body=body)).label == "none"


def test_classify_many_keeps_order_and_matches_classify(shipped):
    emails = [Email(sender=s, subject=sub, body=b) for _, s, sub, b in DOCUMENTED]
    many = shipped.classify_many(emails)
    assert [r.label for r in many] == [label for label, *_ in DOCUMENTED]
    assert many[0] == shipped.classify(emails[0])


def test_extraction_on_a_real_verdict(shipped):
    result = shipped.classify(Email(*DOCUMENTED[0][1:]))
    assert result.company == "Acme"
    assert result.role == "Data Engineer"


def test_empty_email_is_none(shipped):
    assert shipped.classify(Email(sender="", subject="")).label == "none"


def test_the_demo_mail_names_one_title_a_company_or_none(shipped) -> None:
    """An email joins an application by its thread, then by company and title: one company's
    mail naming two titles would show one application twice on the demo's board."""
    now = datetime(2026, 12, 6, tzinfo=UTC)
    messages = [*demo_messages(now), *demo_followups(now)]
    emails = [Email(m["from"], m["subject"], m["body"], to=m["to"]) for m in messages]
    titles: dict[str, set[str]] = defaultdict(set)
    for result in shipped.classify_many(emails):
        if result.label != "none" and result.company and result.role:
            titles[normalise_company(result.company)].add(result.role)

    assert len(titles) >= 5
    assert all(len(roles) == 1 for roles in titles.values()), dict(titles)
