import pytest

from classifier.extraction import extract_company, extract_role

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("sender", "text", "company"),
    [
        ("no-reply@acme.greenhouse.io", "", "Acme"),
        ("notifications@hire.lever.co", "Apply at https://jobs.lever.co/globex/123", "Globex"),
        ("x@myworkday.com", "See https://initech.wd5.myworkdayjobs.com/careers", "Initech"),
        ("Hooli Recruiting <no-reply@ashbyhq.com>", "", "Hooli"),
        ("Jane Doe <jane@piedpiper.com>", "", "Piedpiper"),
        (
            "Jane Doe <jane.doe@gmail.com>",
            "Thanks for applying to Vandelay Industries.",
            "Vandelay Industries",
        ),
        (
            "Jane Doe <jane.doe@gmail.com>",
            "Thanks for applying to Data Analyst at Orbitra Labs. Our team will be in touch.",
            "Orbitra Labs",
        ),
        (
            "Jane Doe <jane.doe@gmail.com>",
            "Welcome to the team at Vue.js Labs, Sam!",
            "Vue.js Labs",
        ),
    ],
)
def test_company(sender, text, company):
    assert extract_company(sender, "", text, "") == company


def test_company_from_signature():
    found = extract_company(
        "dana@gmail.com", "", "hello", "Dana\nThe Umbrella Health Recruiting Team"
    )
    assert found == "Umbrella Health"


def test_no_company_in_free_mail_without_hints():
    assert extract_company("friend@gmail.com", "dinner?", "see you at 7", "") is None


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        (
            "Update",
            "Thanks for applying for the Senior Data Engineer position.",
            "Senior Data Engineer",
        ),
        ("Application for Product Manager at Acme", "", "Product Manager"),
        (
            "Interview invitation",
            "We'd like to interview you for the role of UX Designer.",
            "UX Designer",
        ),
        ("Backend Engineer - Globex", "", "Backend Engineer"),
    ],
)
def test_role(subject, text, role):
    assert extract_role(subject, text) == role


def test_no_role_without_a_title():
    assert extract_role("Dinner on Friday?", "Are you around on Friday?") is None


@pytest.mark.parametrize(
    ("sender", "parts"),
    [
        ("Acme <jobs@acme.com>", ("Acme", "jobs@acme.com")),
        ('"Doe, Jane" <jane@x.com>', ("Doe, Jane", "jane@x.com")),
        ("jane@x.com", ("", "jane@x.com")),
        ("", ("", "")),
    ],
)
def test_split_sender(sender, parts):
    from classifier.extraction import split_sender

    assert split_sender(sender) == parts


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        ("Ihre Bewerbung als Data Analyst (m/w/d) bei Schulze GmbH", "", "Data Analyst"),
        ("Votre candidature au poste de Chargé de recrutement H/F", "", "Chargé de recrutement"),
        (
            "",
            "Gracias por postularte para el puesto de Analista de Datos en Globex.",
            "Analista de Datos",
        ),
        ("Candidatura para a vaga de Desenvolvedor Backend", "", "Desenvolvedor Backend"),
    ],
)
def test_role_in_other_languages_without_its_trailing_noun(subject, text, role):
    assert extract_role(subject, text) == role


@pytest.mark.parametrize(
    ("sender", "subject", "text", "company"),
    [
        (
            "Greenhouse Mail <no-reply@us.greenhouse-mail.io>",
            "Thank you for applying to Zürich Insurance",
            "",
            "Zürich Insurance",
        ),
        (
            "Personio <noreply@personio.de>",
            "Ihre Bewerbung bei Schulze Logistik",
            "",
            "Schulze Logistik",
        ),
        (
            "Workday <x@myworkday.com>",
            "Merci pour votre candidature",
            "Merci de postuler chez Maison Lumière.",
            "Maison Lumière",
        ),
        (
            "LinkedIn <jobs-noreply@linkedin.com>",
            "Your application was sent to Orbit Labs",
            "",
            "Orbit Labs",
        ),
    ],
)
def test_the_company_is_never_the_tracking_system_or_job_board(sender, subject, text, company):
    assert extract_company(sender, subject, text, "") == company
