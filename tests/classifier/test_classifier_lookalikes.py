"""Ordinary mail that reads like job mail (issue #17), in five languages: the rules see what it is
about, and the shipped classifier gives it no job label; job mail that resembles it keeps its label.
Every email here was written for this file (none is in a training or evaluation set)."""

from __future__ import annotations

import pytest

from classifier import Classifier, Email
from classifier.evidence import RuleMatchers
from classifier.rulebook import default_rulebook

pytestmark = pytest.mark.unit

READER = "robin.hale@gmail.com"

# (what the email is about: the rule group that must see it, sender, subject, body)
LOOKALIKES = [
    # the reader is the interviewer: the interview is about someone else
    (
        "interviewer_side",
        "Omar Said <omar@copperkettle.example>",
        "Saturday interviews",
        "Robin, the candidate for the sous chef job is coming at 11. Could you interview him "
        "with me? I'll print his CV.",
    ),
    (
        "interviewer_side",
        "Ines Vidal <ines@tallerluna.example>",
        "Entrevista del lunes",
        "Robin, el candidato llega a las diez. ¿Le haces tú la entrevista? Te reenvío su "
        "portfolio.",
    ),
    (
        "interviewer_side",
        "Hanna Vogt <hanna@druckerei-vogt.example>",
        "Gespräch mit der Bewerberin",
        "Kannst du morgen beim zweiten Gespräch dabei sein? Die Bewerberin kommt um 9.",
    ),
    (
        "interviewer_side",
        "Carla Nunes <carla@padariatrigo.example>",
        "Quinta-feira",
        "Oi, o candidato chega às 10h. Você consegue participar do painel?",
    ),
    (
        "interviewer_side",
        "Marc Petit <marc@atelierpetit.example>",
        "Jeudi 14h",
        "Le candidat arrive à 14h, peux-tu le recevoir ? Je t'envoie son CV.",
    ),
    (
        "interviewer_side",
        "Northbeam Recruiting <recruiting@northbeam.example>",
        "Interview loop: Senior Analyst",
        "Hi Robin, you've been added to the interview loop for the Senior Analyst opening. Your "
        "slot is Tuesday at 2pm.",
    ),
    # a scheduling tool's digest of the interviews the reader will hold
    (
        "interviewer_side",
        "Slotwise <digest@slotwise.example>",
        "Your week",
        "Good morning, Robin. You have 4 interviews scheduled this week; the first is Monday at "
        "9:00 with the platform team.",
    ),
    (
        "interviewer_side",
        "Agenda RRHH <agenda@lumbre.example>",
        "Resumen diario",
        "Buenos días, Robin. Tienes 3 entrevistas programadas para hoy: 9:30, 11:00 y 16:00.",
    ),
    (
        "interviewer_side",
        "Planer <planer@kesselhaus.example>",
        "Ihr Tag",
        "Guten Morgen! Sie haben 2 Gespräche heute, das erste um 10 Uhr in Raum 4.",
    ),
    (
        "press_research",
        "Maya Lind <maya@harbourgazette.example>",
        "Quick question",
        "Hi Robin, I'm writing a piece on how small firms hire remotely and would love fifteen "
        "minutes with you this week.",
    ),
    (
        "interviewer_side",
        "Dana Reyes <dana@copperkettle.example>",
        "Thursday",
        "The candidate arrives at 10. Could you sit in on the second half?",
    ),
    # a journalist's or a show's interview
    (
        "press_research",
        "Leo Brandt <leo@harbourgazette.example>",
        "Quick question",
        "I'd like to interview you for an article in Sunday's paper about the new ferry line.",
    ),
    (
        "press_research",
        "Jornal do Bairro <pauta@jornaldobairro.example>",
        "Reportagem sobre a feira",
        "Olá! Queria falar com você para uma reportagem sobre a feira do bairro. Pode ser hoje?",
    ),
    (
        "press_research",
        "Gazette de l'Ouest <redaction@gazetteouest.example>",
        "Demande d'interview",
        "Bonjour, je prépare un article sur les marchés de producteurs. Seriez-vous disponible?",
    ),
    # an application that is not for a job
    (
        "other_application",
        "Fernhill Nursery School <office@fernhill.example>",
        "Your application",
        "We are delighted to offer Theo a nursery place from January. Please accept or decline "
        "the place by Friday.",
    ),
    (
        "other_application",
        "Banco Meridiano <tarjetas@meridiano.example>",
        "Solicitud recibida",
        "Hemos recibido tu solicitud de tarjeta de crédito y la estamos revisando.",
    ),
    (
        "other_application",
        "Volksbank Auental <service@vb-auental.example>",
        "Ihr Antrag",
        "Vielen Dank, Ihr Kreditantrag ist bei uns eingegangen.",
    ),
    # offer in a trading sense
    (
        "commerce",
        "Northgate Securities <ir@northgate.example>",
        "Offer documents",
        "Shareholders who wish to accept the offer should contact their broker before 12 March.",
    ),
    (
        "commerce",
        "Banco Ribeira <investimentos@ribeira.example>",
        "Oferta pública",
        "Sua reserva na oferta de ações foi registrada. Os acionistas serão avisados.",
    ),
    # a friend's own news
    (
        "personal",
        "Bea <bea.lindqvist@gmail.com>",
        "Fwd: offer!!",
        "look what came this morning!!! drinks on me tonight",
    ),
]

JOB_MAIL = [
    # a subject alone that offers the job
    (
        "offer",
        "Lumen Health Talent <talent@lumenhealth.example>",
        "Offer - Senior Data Analyst",
        "",
    ),
    ("offer", "Harbor Labs <no-reply@greenhouse.io>", "Your offer from Harbor Labs", ""),
    # the candidate's own interviews, counted or not
    (
        "interviewing",
        "Lumbre Talento <talento@lumbre.example>",
        "Tu entrevista está programada",
        "Hola Robin, tu entrevista para Técnico de Sonido está programada para el jueves a las 11.",
    ),
    (
        "interviewing",
        "Kesselhaus Karriere <karriere@kesselhaus.example>",
        "Einladung zum Vorstellungsgespräch",
        "Wir möchten Sie gern zu einem Gespräch am Dienstag um 10 Uhr einladen.",
    ),
    (
        "interviewing",
        "Copper Kettle <jobs@copperkettle.example>",
        "Interview for Sous Chef",
        "Thanks for applying for the Sous Chef role. Could you come in for an interview on "
        "Saturday at 11? Book a slot here: calendly.com/copperkettle/interview",
    ),
    (
        "offer",
        "Northgate Securities Talent <talent@northgate.example>",
        "Offer of employment",
        "We are pleased to offer you the position of Operations Analyst, starting 3 March. "
        "Please sign the attached offer letter.",
    ),
    (
        "applied",
        "Banco Meridiano Empleo <seleccion@meridiano.example>",
        "Hemos recibido tu candidatura",
        "Gracias por tu candidatura al puesto de Gestor Comercial. La revisaremos pronto.",
    ),
]


# Issue #17's open gaps (subjects above): the shipped rules do not yet see these, or the shipped
# model still gives them a job label. Strict, so a fix that closes one must take it off the list.
RULE_GAPS = {
    "Demande d'interview",
    "Your application",
    "Offer documents",
    "Fwd: offer!!",
}
LABEL_GAPS = {"Offer documents", "Interview loop: Senior Analyst"}


def _cases(gaps: set[str]) -> list[object]:
    gap = pytest.mark.xfail(strict=True, reason="issue #17: not solved by the shipped rules/model")
    return [pytest.param(*case, marks=gap if case[2] in gaps else ()) for case in LOOKALIKES]


@pytest.fixture(scope="module")
def matchers() -> RuleMatchers:
    return RuleMatchers(default_rulebook())


@pytest.mark.parametrize(("group", "sender", "subject", "body"), _cases(RULE_GAPS))
def test_the_rules_see_what_a_lookalike_is_about(
    matchers: RuleMatchers, group: str, sender: str, subject: str, body: str
) -> None:
    found = matchers.evidence(sender, subject, body, to=READER)

    assert found.ordinary.get(group, 0.0) > 0, found.ordinary


@pytest.mark.parametrize(("group", "sender", "subject", "body"), _cases(LABEL_GAPS))
def test_a_lookalike_gets_no_job_label(
    shipped: Classifier, group: str, sender: str, subject: str, body: str
) -> None:
    result = shipped.classify(Email(sender, subject, body, to=READER))

    assert result.label == "none", (group, result.reasons)


@pytest.mark.parametrize(("label", "sender", "subject", "body"), JOB_MAIL)
def test_job_mail_like_a_lookalike_keeps_its_label(
    shipped: Classifier, label: str, sender: str, subject: str, body: str
) -> None:
    result = shipped.classify(Email(sender, subject, body, to=READER))

    assert result.label == label, result.reasons


# A subject alone with "offer" or "contract" in its everyday sense (a shop's, a phone plan's).
EVERYDAY_OFFERS = [
    ("Voltline Mobile <noreply@voltline.example>", "Your contract renewal is coming up"),
    ("Peakstone Outdoor <news@peakstone.example>", "An offer we saved for you"),
    ("Bramble Coffee <hello@bramblecoffee.example>", "Your offer: 2 bags for the price of 1"),
]


@pytest.mark.parametrize(("sender", "subject"), EVERYDAY_OFFERS)
def test_a_bare_offer_in_a_subject_is_not_a_job_offer(
    shipped: Classifier, sender: str, subject: str
) -> None:
    result = shipped.classify(Email(sender, subject, "", to=READER))

    assert result.label == "none", result.reasons


@pytest.mark.parametrize(
    "subject", ["An offer we saved for you", "Your contract renewal is coming up", "Offer"]
)
def test_a_bare_offer_or_contract_in_a_subject_is_a_weak_statement(
    matchers: RuleMatchers, subject: str
) -> None:
    found = matchers.evidence("Peakstone <news@peakstone.example>", subject, "", to=READER)

    assert 0 < found.subject["offer"] < 1.0, found.cues
