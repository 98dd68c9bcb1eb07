"""What the rule files find in an email, and how the decision uses evidence and context."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest

from classifier.decision import (
    FEATURES,
    DecisionModel,
    MailboxContext,
    company_matches,
    decide,
    feature_vector,
)
from classifier.evidence import (
    Evidence,
    RuleMatchers,
    SenderFacts,
    another_person,
    known_domain,
    split_sender,
)
from classifier.messages import LABELS
from classifier.phrases import fold
from classifier.rulebook import (
    RuleFileError,
    default_rulebook,
    load_rulebook,
    read_people_file,
    read_senders_file,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def matchers() -> RuleMatchers:
    return RuleMatchers(default_rulebook())


@pytest.mark.parametrize(
    ("subject", "body", "language", "label"),
    [
        (
            "Thank you for applying",
            "We have received your application for the Analyst role.",
            "en",
            "applied",
        ),
        (
            "Hemos recibido tu candidatura",
            "Gracias por tu interés en el puesto de Analista.",
            "es",
            "applied",
        ),
        (
            "Convite para entrevista",
            "Gostaríamos de agendar uma entrevista com você.",
            "pt",
            "interviewing",
        ),
        (
            "Einladung zum Vorstellungsgespräch",
            "Wir möchten Sie gerne zu einem Gespräch einladen.",
            "de",
            "interviewing",
        ),
        (
            "Votre candidature",
            "Nous sommes au regret de vous informer que votre candidature n'a pas été retenue.",
            "fr",
            "rejected",
        ),
    ],
)
def test_stage_statements_are_found_in_each_language(
    matchers: RuleMatchers, subject: str, body: str, language: str, label: str
) -> None:
    found = matchers.evidence("Recruiting <jobs@company.example>", subject, f"{subject}\n\n{body}")

    assert found.language == language
    strongest = max(found.stage, key=lambda name: found.stage[name] + found.subject[name])
    assert strongest == label


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Re: Forklift Driver",
            "Hi Sam, I've put you forward to my client and will chase for feedback.",
        ),
        ("Submitted - Staff Nurse", "Your CV has been forwarded to the client this morning."),
        ("Ihr Profil", "Wie besprochen habe ich Ihr Profil heute unserem Kunden vorgestellt."),
        ("Candidature", "J'ai présenté votre candidature à notre client, une PME de Lyon."),
        ("Candidatura", "He presentado tu CV al cliente para la vacante de mozo de almacén."),
        ("Candidatura", "Encaminhei seu currículo para o nosso cliente, uma rede de farmácias."),
    ],
)
def test_an_agency_putting_the_reader_forward_to_its_client_is_an_application(
    matchers: RuleMatchers, subject: str, body: str
) -> None:
    found = matchers.evidence("Agency <sam@agency.example>", subject, f"{subject}\n\n{body}")

    assert found.stage["applied"] > 0, found.cues


def test_a_textcat_sure_of_none_is_read_no_surer_than_its_floor() -> None:
    offer = FEATURES.index("textcat:offer")
    read = [
        feature_vector(
            Evidence(), {"none": 1 - score, "offer": score}, text_chars=400, subject_only=False
        )[offer]
        for score in (0.01, 0.002, 0.00001)
    ]

    assert read[0] == read[1] == read[2]


def test_a_negation_turns_off_a_positive_statement(matchers: RuleMatchers) -> None:
    text = "Update\n\nWe will not be extending an offer of employment at this time."

    found = matchers.evidence("Acme <jobs@acme.example>", "Update", text)

    assert found.stage["offer"] == 0
    assert found.stage["rejected"] > 0


def test_a_clear_later_stage_discounts_the_thanks_for_applying(matchers: RuleMatchers) -> None:
    text = (
        "Your application\n\nThank you for applying to Acme. Unfortunately we have decided to "
        "move forward with other candidates."
    )

    found = matchers.evidence("Acme <jobs@acme.example>", "Your application", text)

    assert found.stage["rejected"] >= 1.0
    assert found.stage["applied"] < found.stage["rejected"]


@pytest.mark.parametrize(
    ("language", "body"),
    [
        ("en", "Thanks for applying. Could we talk about the role tomorrow afternoon?"),
        ("es", "Gracias por tu candidatura. ¿Podríamos hablar el jueves un momento?"),
        ("es", "Gracias por tu solicitud. ¿Tienes un rato esta semana para una llamada?"),
        ("pt", "Obrigada pela candidatura. Podemos conversar amanhã por telefone?"),
        ("fr", "Merci pour votre candidature. Pourriez-vous échanger avec nous vendredi ?"),
        ("fr", "Merci pour votre candidature. Avez-vous un moment demain pour un appel ?"),
        ("de", "Danke für Ihre Bewerbung. Könnten wir morgen kurz telefonieren?"),
    ],
)
def test_a_recruiters_question_to_talk_is_an_interview_step_beside_the_thanks(
    matchers: RuleMatchers, language: str, body: str
) -> None:
    found = matchers.evidence("Dana Reyes <dana@acme.example>", "Re: Analyst", body)

    assert found.language == language
    assert found.stage["interviewing"] >= 1.0
    assert found.stage["applied"] > 0  # the thanks is still read; the decision weighs the two


def test_senders_are_recognised(matchers: RuleMatchers) -> None:
    ats = matchers.evidence("Acme <no-reply@acme.greenhouse.io>", "x", "x").sender
    board = matchers.evidence("LinkedIn <jobs-noreply@linkedin.com>", "x", "x").sender
    lookalike = matchers.evidence("Promo <deals@greenhouse-supplies.example>", "x", "x").sender
    hiring = matchers.evidence("Orbit Talent Team <people@orbit.example>", "x", "x").sender

    assert (ats.ats, ats.automated) == (True, True)
    assert (board.board, board.ats) == (True, False)
    assert not lookalike.ats
    assert hiring.hiring and not hiring.ats


@pytest.mark.parametrize(
    ("sender", "group"),
    [
        ("The Weekly Digest <hello@fieldnotes.example>", "content"),
        ("Fieldnotes <newsletter@fieldnotes.example>", "content"),
        ("Boletín Semanal <boletin@diario.example>", "content"),
        ("Jobboard Job Alerts <jobalerts-noreply@jobboard.example>", "job_alert"),
        ("Stellenmarkt <alertes@emplois.example>", "job_alert"),
        ("Office of Admissions <admissions@northfield.example>", "other_application"),
        ("Zulassungsstelle <zulassung@hochschule.example>", "other_application"),
        ("Maple Court Leasing <info@maplecourt.example>", "other_application"),
        ("Outfitters <deals@outfitters.example>", "commerce"),
    ],
)
def test_a_senders_name_says_what_else_it_sends(
    matchers: RuleMatchers, sender: str, group: str
) -> None:
    found = matchers.evidence(sender, "This week", "Hello")

    assert found.sender.ordinary == (group,)
    assert found.ordinary[group] == 1.0
    assert f"sender:{group}:" in " ".join(cue.reason for cue in found.cues)


@pytest.mark.parametrize(
    "sender",
    [
        "Editorial Tinta Roja <no-reply@teamtailor.com>",  # a company hiring through an ATS
        "Dana Reyes <dana@acme.example>",
    ],
)
def test_a_senders_name_that_is_a_company_or_a_person_is_not_ordinary_evidence(
    matchers: RuleMatchers, sender: str
) -> None:
    found = matchers.evidence(sender, "This week", "Hello")

    assert found.sender.ordinary == ()
    assert not found.ordinary


def test_ordinary_mail_says_what_it_is(matchers: RuleMatchers) -> None:
    alert = matchers.evidence(
        "Jobs <alerts@jobs.example>",
        "23 new jobs for you",
        "23 new jobs for you\n\nRecommended jobs based on your profile",
    )
    kit = matchers.evidence(
        "Hiring <ats@mycompany.example>",
        "Interview kit: Jordan Lee",
        "Interview kit: Jordan Lee\n\nPlease submit your feedback and scorecard.",
    )

    assert alert.ordinary.get("job_alert", 0) > 0
    assert kit.ordinary.get("interviewer_side", 0) > 0


def test_a_date_in_april_is_not_a_card_offer(matchers: RuleMatchers) -> None:
    invitation = matchers.evidence(
        "Google Calendar <calendar-notification@google.com>",
        "Invitation: Hannah Lee / Marcus Bell (Orchard Analytics) @ Thu Apr 9, 2026 3pm",
        "Marcus Bell has invited you to this event.\nThursday Apr 9, 3:00 - 3:30pm",
    )
    card = matchers.evidence("Bank <cards@bank.example>", "Your card", "0% APR for 15 months.")

    assert "commerce" not in invitation.ordinary
    assert card.ordinary.get("commerce", 0) > 0


READER = "Alex Kim <alex.kim@gmail.com>"


@pytest.mark.parametrize(
    ("subject", "sender", "person"),
    [
        ("Offer accepted: Sofia Ruiz - Data Scientist", "Ashby", "Sofia Ruiz"),
        ("You've been asked to interview Chris Wong", "Lever", "Chris Wong"),
        ("Invitation: Onsite - Jamie Fox (Designer) @ Wed Apr 9, 1pm", "Calendar", "Jamie Fox"),
        ("Feedback zu Anna S.", "Personio", "Anna S."),
        ("Alex Kim, thanks for applying", "Acme Careers", None),  # the reader
        ("Offer letter - Alex Kim", "Acme HR", None),
        ("Interview with Jane Doe", "Acme Recruiting", None),  # the reader's counterpart
        ("Call: Jane Doe / Chris Wong", "Calendar", None),  # "/" joins the reader's counterpart
        ("Next steps - Jane Doe", "Jane Doe", None),  # the sender
        ("Offer accepted: Ana Ruiz", "Diana at Ashby", "Ana Ruiz"),  # a name, not a part of one
        ("David Tran referred you for Data Analyst at Dropbox", "Dropbox", None),  # addresses you
        ("Max Müller hat Sie zum Gespräch eingeladen", "Personio", None),
        ("Emily Zhao from Quantiq invited you to a test", "HackerRank", None),  # and her company
        ("Interview on Thu Apr 9 at Acme", "Acme", None),
    ],
)
def test_a_subject_naming_someone_else_is_about_their_candidacy(
    subject: str, sender: str, person: str | None
) -> None:
    assert another_person(subject, READER, sender, default_rulebook().people) == person


def test_a_person_the_text_names_as_the_readers_counterpart_is_not_another() -> None:
    people, subject = default_rulebook().people, "Jane Doe (Acme) - Technical Interview"
    with_them = fold("Hi Alex,\nYour technical interview with Jane Doe is on Thursday.")
    inviting = fold("Jane Doe has invited you to a Teams meeting.")
    about_them = fold("Jane Doe is on the panel.\nYou have a new task.")

    assert another_person(subject, READER, "Acme", people, with_them) is None
    assert another_person(subject, READER, "Acme", people, inviting) is None
    assert another_person(subject, READER, "Acme", people, about_them) == "Jane Doe"


def test_who_the_reader_is_comes_from_their_address_when_it_has_no_name() -> None:
    people = default_rulebook().people

    assert another_person("Offer letter - Alex Kim", "akim1990@gmail.com", "", people) is None
    assert another_person("Offer accepted: Sofia Ruiz", "akim1990@gmail.com", "", people)
    assert another_person("Offer accepted: Sofia Ruiz", "", "", people) is None  # unknown
    assert another_person("Offer letter - Alex Kim", "undisclosed-recipients:;", "", people) is None


def test_mail_naming_another_candidate_is_interviewer_side_evidence(
    matchers: RuleMatchers,
) -> None:
    found = matchers.evidence(
        "Greenhouse <no-reply@greenhouse.io>",
        "Candidate rejected: Chris Wong",
        "Chris Wong was rejected for Backend Engineer.",
        to=READER,
    )

    assert found.ordinary.get("interviewer_side", 0) >= 1.0
    assert "context:interviewer_side:Chris Wong" in {cue.reason for cue in found.cues}


def test_a_rule_file_with_an_unknown_section_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "xx.json").write_text(json.dumps({"language": "xx", "stagez": {}}))

    with pytest.raises(RuleFileError) as error:
        load_rulebook(tmp_path)

    assert "xx.json" in str(error.value) and "stagez" in str(error.value)


def test_loose_words_and_fields_must_be_words_before_a_company_and_titles(tmp_path: Path) -> None:
    extraction = {"company_before": ["with"], "company_before_loose": ["with", "from"]}
    (tmp_path / "xx.json").write_text(json.dumps({"language": "xx", "extraction": extraction}))

    with pytest.raises(RuleFileError) as error:
        load_rulebook(tmp_path)

    assert "xx.json" in str(error.value) and "'from'" in str(error.value)
    extraction = {"role_titles": ["engineer"], "role_fields": ["logistics"]}
    (tmp_path / "xx.json").write_text(json.dumps({"language": "xx", "extraction": extraction}))
    with pytest.raises(RuleFileError, match="role_fields"):
        load_rulebook(tmp_path)


@pytest.mark.parametrize("words", [["newsletter"], {"content": "newsletter"}, {"content": [""]}])
def test_senders_ordinary_words_must_map_groups_to_word_lists(tmp_path: Path, words) -> None:
    path = tmp_path / "senders.json"
    path.write_text(json.dumps({"ordinary_sender_words": words}))

    with pytest.raises(RuleFileError) as error:
        read_senders_file(path)

    assert "senders.json" in str(error.value) and "ordinary_sender_words" in str(error.value)


def test_the_people_file_is_checked_and_is_not_a_language(tmp_path: Path) -> None:
    (tmp_path / "people.json").write_text(json.dumps({"given_name": ["Sofia"]}))

    with pytest.raises(RuleFileError, match=r"people\.json.*given_name"):
        read_people_file(tmp_path / "people.json")
    (tmp_path / "xx.json").write_text(json.dumps({"language": "xx"}))
    (tmp_path / "people.json").write_text(json.dumps({"given_names": ["Zoë"]}))
    book = load_rulebook(tmp_path)
    assert book.codes() == ("xx",) and book.people.given_names == {"zoe"}


def _evidence(**stage: float) -> Evidence:
    found = Evidence(sender=SenderFacts(domain="acme.example", display="Jane at Acme"))
    found.stage.update(stage)
    found.job_context = 1.0
    return found


def _probabilities(**values: float) -> list[float]:
    return [values.get(label, 0.0) for label in LABELS]


def test_job_evidence_is_never_silently_filed_as_ordinary_mail() -> None:
    model = DecisionModel(numpy.zeros((5, len(FEATURES))), numpy.zeros(5), review_floor=0.2)
    probabilities = _probabilities(none=0.55, rejected=0.3, applied=0.15)

    with_evidence = decide(probabilities, _evidence(rejected=1.0), None, model)
    without = decide(probabilities, Evidence(), None, model)

    assert (with_evidence.label, with_evidence.promoted) == ("rejected", True)
    assert with_evidence.confidence == pytest.approx(0.3)
    assert (without.label, without.promoted) == ("none", False)


def test_context_mail_from_the_readers_own_employer_is_internal() -> None:
    model = DecisionModel.neutral()
    evidence = _evidence(interviewing=1.0)
    evidence.sender = SenderFacts(domain="hr.acme.example", display="Acme HR")
    context = MailboxContext(user_address="sam@acme.example")

    verdict = decide(_probabilities(interviewing=0.8, none=0.2), evidence, None, model, context)

    assert (verdict.label, verdict.context_rule) == ("none", "internal")


def test_context_only_in_cc_is_not_news_about_an_application() -> None:
    context = MailboxContext(user_in_cc_only=True, user_address="sam@gmail.com")

    verdict = decide(
        _probabilities(interviewing=0.6, none=0.4),
        _evidence(),
        None,
        DecisionModel.neutral(),
        context,
    )

    assert (verdict.label, verdict.context_rule) == ("none", "cc_only")
    assert verdict.confidence == 1.0  # the rule decided, not the scaled model (its none 0.87)


def test_context_a_human_reply_from_the_company_in_its_thread_means_interviewing() -> None:
    context = MailboxContext(
        thread_status="applied", thread_company="Acme", user_address="sam@gmail.com"
    )
    plain_reply = _probabilities(none=0.7, applied=0.2, interviewing=0.1)
    decline = _probabilities(rejected=0.8, none=0.2)

    reply = decide(plain_reply, _evidence(), None, DecisionModel.neutral(), context)
    declined = decide(decline, _evidence(rejected=1.0), None, DecisionModel.neutral(), context)

    assert (reply.label, reply.context_rule) == ("interviewing", "thread_reply")
    assert declined.label == "rejected"


def test_context_a_reply_quoting_the_confirmation_subject_is_the_recruiters_response() -> None:
    context = MailboxContext(thread_status="applied", thread_company="Acme")
    quoted_confirmation = _probabilities(applied=0.9, interviewing=0.05, none=0.05)

    reply = decide(quoted_confirmation, _evidence(), None, DecisionModel.neutral(), context)

    assert (reply.label, reply.context_rule) == ("interviewing", "thread_reply")


@pytest.mark.parametrize("stage", ["offer", "rejected"])
def test_context_a_reply_after_an_offer_or_a_decline_does_not_move_it_back(stage: str) -> None:
    context = MailboxContext(thread_status=stage, thread_company="Acme")
    plain_reply = _probabilities(none=0.7, applied=0.2, interviewing=0.1)

    reply = decide(plain_reply, _evidence(), None, DecisionModel.neutral(), context)

    assert reply.context_rule is None


@pytest.mark.parametrize(
    ("company", "display", "domain", "matches"),
    [
        ("Acme Corp", "Jane Doe", "acme.com", True),
        ("Lindenhof Logistik", "Jana Roth", "lindenhof-logistik.de", True),
        ("Blue Harbor Health", "Blue Harbor Health Recruiting", "bhh.org", True),
        # written with accents, where a domain cannot
        ("Condé Nast", "Ben Ortega", "condenast.com", True),
        ("Tischlerei Kühn", "Petra Kühn", "tischlerei-kuehn.de", True),
        ("Clínica Oceano", "Clinica Oceano RH", "gmail.com", True),
        ("Acme", "Jane Doe", "gmail.com", False),
        ("Northwind", "Contoso Careers", "contoso.com", False),
        (None, "Acme", "acme.com", False),
    ],
)
def test_company_matches_sender(
    company: str | None, display: str, domain: str, matches: bool
) -> None:
    assert company_matches(company, display, domain) is matches


def test_a_known_domain_is_the_domain_or_one_it_is_a_subdomain_of() -> None:
    known = frozenset({"greenhouse.io", "lever.co", "hire.lever.co"})

    assert known_domain("us.greenhouse.io", known) == "greenhouse.io"
    assert known_domain("greenhouse.io", known) == "greenhouse.io"
    assert known_domain("hire.lever.co", known) == "hire.lever.co"
    assert known_domain("evilgreenhouse.io", known) is None
    assert known_domain("greenhouse.io.example", known) is None
    assert known_domain("", known) is None


@pytest.mark.parametrize(
    ("sender", "split"),
    [
        ("Acme Careers <jobs@acme.example>", ("Acme Careers", "jobs@acme.example")),
        ('"Acme, Inc." <jobs@acme.example>', ("Acme, Inc.", "jobs@acme.example")),
        ("jobs@acme.example (Acme Careers)", ("Acme Careers", "jobs@acme.example")),
        ("jobs@acme.example", ("", "jobs@acme.example")),
        ("Acme Careers", ("Acme Careers", "")),
    ],
)
def test_a_from_header_splits_into_its_name_and_address(
    sender: str, split: tuple[str, str]
) -> None:
    assert split_sender(sender) == split


@pytest.mark.parametrize(
    ("body", "other_application"),
    [
        ("Having trouble viewing this email? View it in your browser.", False),
        ("Thanks for viewing our careers page.", False),
        ("We can offer a viewing of the flat on Saturday at 11.", True),
        ("Your viewing appointment at 14 Elm Road is confirmed.", True),
    ],
)
def test_viewing_is_a_propertys_only_when_it_is_a_viewing(
    matchers: RuleMatchers, body: str, other_application: bool
) -> None:
    found = matchers.evidence("Notifications <notify@example.org>", "Hello", body)

    assert ("other_application:" in " ".join(cue.reason for cue in found.cues)) is other_application
