import pytest

from classifier import Email

pytestmark = pytest.mark.unit


def reasons_of(classifier, sender, subject, body=""):
    return classifier.classify(Email(sender=sender, subject=subject, body=body)).reasons


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Application Received. Thanks!", "phrase:application received"),
        ("Can we schedule a time to chat on Monday?", "phrase:schedule a time to chat"),
        ("We would like to extend an offer to you.", "phrase:extend an offer"),
        (
            "We decided to move forward with other candidates.",
            "phrase:move forward with other candidates",
        ),
        ("The position has been filled.", "phrase:position has been filled"),
        ("We will keep your resume on file.", "phrase:keep your resume on file"),
    ],
)
def test_key_phrases_fire(rules_only, body, reason):
    assert reason in reasons_of(rules_only, "a@b.com", "hello", body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Jobs you may like: Data Engineer at Foo", "context:job_alert:jobs you may like"),
        ("Your profile was viewed by 3 people", "context:job_alert:profile was viewed"),
        ("We received your credit card application", "context:other_application:credit card"),
        ("Click here to reset your password", "context:account:reset your password"),
        ("Join our webinar on Tuesday", "context:job_alert:webinar"),
        ("Take 30% off everything with promo code SAVE", "context:marketing:% off"),
        ("Open enrollment for benefits starts Monday", "context:employer_hr:open enrollment"),
    ],
)
def test_context_cues_fire(rules_only, body, reason):
    assert reason in reasons_of(rules_only, "a@b.com", "hello", body)


def test_ats_sender_fires_for_subdomains(rules_only):
    assert "ats_sender:greenhouse.io" in reasons_of(
        rules_only, "Acme <no-reply@acme.greenhouse.io>", "Hi"
    )


def test_job_board_sender_is_not_an_ats(rules_only):
    reasons = reasons_of(rules_only, "LinkedIn <jobs-noreply@linkedin.com>", "Hi")
    assert "board_sender:linkedin.com" in reasons
    assert not any(reason.startswith("ats_sender") for reason in reasons)


def test_lookalike_domain_is_not_an_ats(rules_only):
    assert not any(
        r.startswith("ats_sender") for r in reasons_of(rules_only, "x@notgreenhouse.io", "Hi")
    )


def test_subject_pattern_only_reads_the_subject(rules_only):
    assert "subject:interview" in reasons_of(rules_only, "a@b.com", "Interview on Friday")
    assert "subject:interview" not in reasons_of(rules_only, "a@b.com", "Hi", "an interview")


def test_phrases_in_quoted_history_do_not_fire(rules_only):
    body = "Thanks!\n\nOn Mon, Oct 2, 2024, Acme <a@acme.com> wrote:\n> We regret to inform you"
    assert "phrase:regret to inform" not in reasons_of(rules_only, "a@b.com", "Re: update", body)


def test_rules_only_pipeline_labels_plain_cases(rules_only):
    offer = rules_only.classify(
        Email("a@acme.com", "Offer", "We are pleased to offer you the job.")
    )
    plain = rules_only.classify(Email("friend@gmail.com", "Dinner", "Pizza on Friday?"))
    assert offer.label == "offer"
    assert plain.label == "none"
