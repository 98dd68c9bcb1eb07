"""The rule families that decide what an email is about, and the decision that uses them."""

import pytest

from classifier import Email
from classifier.components import Cue, pattern_cues, rule_features

pytestmark = pytest.mark.unit


def labels_of(text):
    return {cue.label for cue in pattern_cues(text.lower())}


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Your application for the Analyst post was received.", "applied"),
        ("Your job application for Platform Engineer is complete.", "applied"),
        ("Just a note that your application made it to us.", "applied"),
        ("Can we set up a quick call later this week?", "interviewing"),
        ("You are invited to a panel interview on Monday.", "interviewing"),
        ("Your interview has been rescheduled to Friday.", "interviewing"),
        ("You've moved to the interview stage for the role.", "interviewing"),
        ("We are delighted to offer you the position of Designer.", "offer"),
        ("Attached is your employment contract.", "offer"),
        ("We won't be moving forward with your candidacy.", "rejected"),
        ("We decided to go with another candidate.", "rejected"),
        ("The position has been filled.", "rejected"),
        ("Unfortunately you have not been selected.", "rejected"),
        ("We have received your employment application for Clerk II.", "applied"),
        ("Could we jump on a quick call tomorrow?", "interviewing"),
        ("Offer document attached, let me know what you think.", "offer"),
        ("Enclosed please find your written offer.", "offer"),
        ("The opening has now been filled.", "rejected"),
        ("I've passed your resume along to the hiring manager.", "applied"),
        ("Would Monday morning work for a short video call?", "interviewing"),
        ("We'd like you to meet two of our engineers next.", "interviewing"),
        ("We have decided to pause the search for now.", "rejected"),
    ],
)
def test_patterns_recognise_new_wordings(text, label):
    assert label in labels_of(text)


@pytest.mark.parametrize(
    ("text", "not_label"),
    [
        ("We will not be extending an offer at this time.", "offer"),
        ("I can't move the meeting, sorry.", "rejected"),
        ("Please send me the slides before Friday.", "interviewing"),
        ("Thanks for the coffee yesterday!", "applied"),
        ("Attached is the invoice for March.", "offer"),
        ("I'll jump on the train at six.", "interviewing"),
        ("Would Friday work for the plumber?", "interviewing"),
        ("We are closing the office early on Friday.", "rejected"),
    ],
)
def test_patterns_stay_quiet_on_lookalikes(text, not_label):
    assert not_label not in labels_of(text)


def test_negated_offer_phrase_counts_for_rejection(shipped):
    result = shipped.classify(
        Email(
            "Talent <talent@globex.com>",
            "Your application",
            "Thanks again for interviewing. We won't be extending an offer for the role.",
        )
    )
    assert result.label == "rejected"
    assert "phrase:extending an offer" not in result.reasons


def test_a_later_stage_outranks_politeness_about_an_earlier_one():
    cues = [
        Cue("phrase", "applied", "thank you for applying", 1.0),
        Cue("phrase", "rejected", "other candidates", 1.0),
    ]
    features = rule_features(cues)
    applied, rejected = features.evidence[0], features.evidence[3]
    assert rejected == 1.0
    assert applied < 1.0


def test_job_context_opens_the_gate_and_other_contexts_count_for_none():
    job = rule_features([Cue("context", "job", "position", 1.0)])
    card = rule_features([Cue("context", "other_application", "credit card", 1.0)])
    assert job.job_context == 1.0 and job.ordinary_context == 0.0
    assert card.job_context == 0.0 and card.ordinary_context == 1.0


HARD_NEGATIVES = [
    (
        "Orbit Card <applications@orbitcard.com>",
        "Application received",
        "Thanks for applying for the Orbit Rewards credit card. We have received your "
        "application and will decide within 7 days.",
    ),
    (
        "Harbor Lofts <leasing@harborlofts.com>",
        "Your application",
        "We regret to inform you that your rental application for unit 5 was not approved.",
    ),
    (
        "Admissions <admissions@lakeview.edu>",
        "Interview invitation",
        "We would like to invite you to an admissions interview for the MBA program.",
    ),
    (
        "Food Bank <volunteer@foodbank.org>",
        "Volunteer application received",
        "Thank you for applying to volunteer with us! Our coordinator will be in touch.",
    ),
    (
        "Shop <deals@shop.com>",
        "We'd like to extend an offer",
        "Extend your savings: an exclusive offer of 40% off, limited time. Shop now.",
    ),
    (
        "Career Weekly <newsletter@careerweekly.com>",
        "Interview with the CEO of Globex",
        "In this week's newsletter: an interview with the CEO about hiring. Unsubscribe.",
    ),
    (
        "People Team <hr@mycompany.com>",
        "Performance review cycle",
        "Please complete your self-review by Friday. Payroll questions go to the HR desk.",
    ),
    (
        "Careers <no-reply@acme.greenhouse.io>",
        "Verify your email",
        "Please verify your email address to finish creating your candidate account.",
    ),
]


@pytest.mark.parametrize(("sender", "subject", "body"), HARD_NEGATIVES)
def test_shipped_model_leaves_hard_negatives_alone(shipped, sender, subject, body):
    assert shipped.classify(Email(sender, subject, body)).label == "none"


JOB_MAIL = [
    (
        "applied",
        "Careers <careers@initech.com>",
        "Application confirmation",
        "Your application for the Analyst post was received and is being reviewed.",
    ),
    (
        "interviewing",
        "Dana <dana@initech.com>",
        "Quick chat?",
        "Loved your background! Are you free for a 20-minute call with our hiring manager?",
    ),
    (
        "offer",
        "Dana <dana@initech.com>",
        "Good news",
        "We are thrilled to offer you the Data Engineer role with a start date of June 3.",
    ),
    (
        "rejected",
        "Initech <no-reply@hire.lever.co>",
        "Update",
        "After careful review we decided to go with another candidate for the role.",
    ),
]


@pytest.mark.parametrize(("label", "sender", "subject", "body"), JOB_MAIL)
def test_shipped_model_labels_job_mail_in_new_wordings(shipped, label, sender, subject, body):
    assert shipped.classify(Email(sender, subject, body)).label == label


def test_mix_without_job_context_lets_none_win_over_phrases():
    import numpy

    from classifier.components import MixParameters, mix_probabilities

    uniform = numpy.full((2, 5), 0.2)
    evidence = numpy.array([[2.0, 0, 0, 0, 0], [2.0, 0, 0, 0, 0]])
    parameters = MixParameters(rule_scale=3.0, context_scale=2.0, gate_penalty=4.0)
    probabilities = mix_probabilities(
        uniform, evidence, numpy.zeros(2), numpy.array([1.0, 0.0]), parameters
    )
    assert numpy.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[0].argmax() == 0  # job context: the applied phrases count
    assert probabilities[1].argmax() == 4  # no job context: none
