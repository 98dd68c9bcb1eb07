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
        # an ATS sending from an address named after the company, not from a word of its own
        ("Workday <tailspin-toys@myworkday.com>", "", "Tailspin Toys"),
        ("Workday <no-reply@myworkday.com>", "", None),
        ("Workday <careers@myworkday.com>", "", None),
        ("Workday <wd5@myworkday.com>", "", None),
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
        # named mid-sentence, the sentence going on after the name, in each language
        (
            "Welcome to the Jungle <hello@welcometothejungle.com>",
            "Ta candidature chez Atelier Garance a bien été transmise.",
            "Atelier Garance",
        ),
        (
            "InfoJobs <noreply@infojobs.net>",
            "Hola Marta, la empresa Conservas Ribera ha recibido tu candidatura.",
            "Conservas Ribera",
        ),
        (
            "Gupy <naoresponda@gupy.com.br>",
            "Sua candidatura para a vaga de Analista na Cooperativa Ipiranga foi recebida.",
            "Cooperativa Ipiranga",
        ),
        (
            "StepStone <noreply@stepstone.de>",
            "Ihre Bewerbung wurde an Kellner Haustechnik GmbH übermittelt.",
            "Kellner Haustechnik GmbH",
        ),
        # the platform after "via" is never the company, even when its domain spells it
        (
            "Marlow Freight via Hirely <noreply@hirely.io>",
            "Your application was sent to Marlow Freight.",
            "Marlow Freight",
        ),
    ],
)
def test_company(sender, text, company):
    assert extract_company(sender, "", text, "") == company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        (
            "Thank you for applying for the Librarian II position with the City of Tacoma.",
            "City of Tacoma",
        ),
        (
            "You are being offered an appointment with the Department of Rural Affairs, Dublin.",
            "Department of Rural Affairs",
        ),
        ("We'd like to invite you to interview with The Home Depot.", "Home Depot"),
        # an article before a name without "of" is a team or a person's post, not an employer
        ("We'd like to invite you to interview with the Hiring Team next week.", None),
        ("You will meet with the Head of Data on Friday.", None),
    ],
)
def test_company_after_an_article_is_an_institution_named_with_of(text, company):
    assert extract_company("Jobs <noreply@governmentjobs.com>", "Update", text, "") == company


@pytest.mark.parametrize(
    ("sender", "company"),
    [
        ("Talentteam Lindenhof Logistik <karriere@lindenhof-logistik.de>", "Lindenhof Logistik"),
        ("Equipo de Selección Marea Alta <empleo@mareaalta.es>", "Marea Alta"),
        ("Recrutement Boulangeries Vernet <rh@vernet.fr>", "Boulangeries Vernet"),
        ("Equipe de Recrutamento Grupo Ouro Verde <vagas@ouroverde.com.br>", "Grupo Ouro Verde"),
    ],
)
def test_company_from_a_display_name_without_the_hiring_department(sender, company):
    assert extract_company(sender, "", "", "") == company


@pytest.mark.parametrize(
    ("sender", "text", "company"),
    [
        ("Jane Doe <jane@acme.co.uk>", "", "Acme"),
        ("Recrutamento <vagas@ouroverde.com.br>", "", "Ouroverde"),
        (
            "Halberd Industrial Recruiting <no-reply@halberd.successfactors.eu>",
            "",
            "Halberd Industrial",
        ),
        (
            "Lucas Tanaka (Helix Genomics) <no-reply@helixgenomics.ashbyhq.com>",
            "",
            "Helix Genomics",
        ),
        (
            "Careers <noreply@candidates.workablemail.com>",
            "Apply at https://apply.workable.com/ventura-ridge/j/1",
            "Ventura Ridge",
        ),
        (
            "Vagas <noreply@solides.jobs>",
            "https://buriti.vagas.solides.com.br/minhas-candidaturas",
            "Buriti",
        ),
    ],
)
def test_company_from_domains_links_and_country_suffixes(sender, text, company):
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
        # after a requisition number or an elided article, or standing alone among the
        # subject's parts; the reader's name, a stage or a meeting is no title
        (
            "Thank you",
            "We received your application for Clinical Data Lead (REQ-10023).",
            "Clinical Data Lead",
        ),
        (
            "Accusé de réception",
            "Votre candidature au poste d'Ingénieur Systèmes est reçue.",
            "Ingénieur Systèmes",
        ),
        ("Tidewell | Data Engineer - application received", "", "Data Engineer"),
        (
            "Invitation: Interview: Sam Okafor / Data Engineer @ Wed Dec 10, 2pm",
            "",
            "Data Engineer",
        ),
        ("Invitation: Interview - Sam Okafor - Payroll Specialist @ Thu", "", "Payroll Specialist"),
        ("Invitation: Phone Interview @ Fri Jan 26, 2pm", "", None),
        ("Invitation: Technical Screen @ Thu Jul 17, 10am", "", None),
        ("Einladung: Neuer Termin @ Di., 6. Mai", "", None),
        ("Your submission: Senior Accountant (R-10442)", "", "Senior Accountant"),
        ("Entretien RH - Fabrikam", "", None),  # a department is no title
        ("Thank you", "Thank you for applying to the Data Engineer role.", "Data Engineer"),
        ("Thanks", "Thank you for your interest in the Data Analyst position.", "Data Analyst"),
        ("Sent", "Data Analyst - Northwind Traders - Seattle, WA. Good luck!", "Data Analyst"),
        ("Update \u2013 Registered Nurse at Quayside Marine", "", "Registered Nurse"),
        # the reader's name is no part of a title, and a stage or a meeting ends none
        ("Accepted: Technical Interview - Sam Okafor", "", None),
        ("Finance Systems Analyst \u2013 Sam Okafor", "", "Finance Systems Analyst"),
        (
            "Invitación: Entrevista Sam Okafor / Analista de Datos - Nubelia @ jue",
            "",
            "Analista de Datos",
        ),
        ("Accepted: Data Engineer Interview - Sam Okafor", "", "Data Engineer"),
        (
            "Invitación a entrevista - Supervisor de Calidad Turno A",
            "",
            "Supervisor de Calidad Turno A",
        ),
    ],
)
def test_role(subject, text, role):
    assert extract_role(subject, text, reader="Sam Okafor <sam.okafor@gmail.com>") == role


def test_no_role_without_a_title():
    assert extract_role("Dinner on Friday?", "Are you around on Friday?") is None


def test_the_company_is_no_role():
    subject = "Halvorsen Logistics: let's schedule a phone screen"
    assert extract_role(subject, "", company="Halvorsenlogistics") is None
    assert extract_role(subject, "", company="Halvorsen Logistics") is None
    text = "Thanks for applying for our BI Developer position."
    assert extract_role("Next steps", text, company="Halvorsen Logistics") == "BI Developer"


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
        ("Eingangsbestätigung Ihrer Bewerbung als Disponent (m/w/d)", "", "Disponent"),
        # words that name the post say a title follows, known title word or not; where the post
        # is ("no hotel de Vilamoura") is no part of it
        ("Réponse", "Merci pour votre candidature au poste de Sommelier.", "Sommelier"),
        (
            "Oferta",
            "Recibimos tu candidatura para la oferta Técnico de Calidad.",
            "Técnico de Calidad",
        ),
        (
            "Vaga",
            "A sua candidatura para a vaga de Chefe de Sala no hotel de Vilamoura.",
            "Chefe de Sala",
        ),
        ("Proposta", "A nossa proposta para a função de Instrutor de Esqui.", "Instrutor de Esqui"),
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
        (
            "Personio <noreply@personio.de>",
            "Ihre Bewerbung",
            "Vielen Dank für Ihre Bewerbung bei der Hafenbäckerei Lund. Wir melden uns bei Ihnen.",
            "Hafenbäckerei Lund",
        ),
        (
            "Lever <no-reply@hire.lever.co>",
            "Your application",
            "Thanks for applying to Marrow & Finch. Status: https://jobs.lever.co/marrowfinch/12",
            "Marrow & Finch",
        ),
    ],
)
def test_the_company_is_never_the_tracking_system_or_job_board(sender, subject, text, company):
    assert extract_company(sender, subject, text, "") == company


@pytest.mark.parametrize(
    "sender",
    [
        "Google Calendar <calendar-notification@google.com>",
        "Dana Ruiz via Calendly <notifications@calendly.com>",
        "Zoom <no-reply@zoom.us>",
    ],
)
def test_a_calendar_tool_is_never_the_company_its_organizer_is(sender):
    text = (
        "Join with Google Meet\nOrganizer: recruiting@tallowmere.io\nGuests: sam.rivera@gmail.com"
    )

    assert extract_company(sender, "Invitation: Sam Rivera - Technical Screen", text, "") == (
        "Tallowmere"
    )


@pytest.mark.parametrize(
    ("sender", "text", "company"),
    [
        # the domain spells the name's "&" out, in the name's language
        (
            "Mara Lind <mara@copperandsalt.example>",
            "Thanks for applying to Copper & Salt.",
            "Copper & Salt",
        ),
        (
            "Jonas Weber <jw@mueller-und-hahn.example>",
            "Danke für Ihre Bewerbung.\n\nViele Grüße\nJonas Weber\nMüller & Hahn",
            "Müller & Hahn",
        ),
        (
            "Claire Roux <c.roux@rouxetfils.example>",
            "Merci pour votre candidature.\n\nClaire Roux\nRoux & Fils",
            "Roux & Fils",
        ),
        # a domain that leaves the "&" out, as before
        ("Tallow & Finch Careers <jobs@tallowfinch.example>", "We got it.", "Tallow & Finch"),
    ],
)
def test_a_domain_that_spells_out_a_names_ampersand_gives_the_name_as_written(
    sender, text, company
):
    assert extract_company(sender, "Your application", text, "") == company


@pytest.mark.parametrize(
    ("sender", "company"),
    [
        # a signing service's own domain sends for the company named before "via"
        ("Brackenfield Homes via Signwell <dse@signwell.example>", "Brackenfield Homes"),
        ("Lumio Labs via DocuSign <dse@docusign.net>", "Lumio Labs"),
        ("Ostrava Pivovar s.r.o. via Inkwise <notices@inkwise.example>", "Ostrava Pivovar s.r.o."),
        # a person is never the company; the platform's domain stays as it was read
        ("Dana Ruiz via Signwell <dse@signwell.example>", "Signwell"),
    ],
)
def test_the_company_a_platform_sends_for_is_the_one_before_via(sender, company):
    assert extract_company(sender, "Please sign: offer letter", "", "") == company


@pytest.mark.parametrize(
    ("subject", "role"),
    [
        ("Entrevista - Analista de Compras | Têxteis Vale do Ave", "Analista de Compras"),
        ("Postulación - Asistente Administrativo", "Asistente Administrativo"),
        ("Interview invitation: Medical Assistant (87213743)", "Medical Assistant"),
        ("Offer of employment: FP&A Analyst (17937438)", "FP&A Analyst"),
        ("Ihre Bewerbung \u2013 Rückmeldung", None),
        # a status before the title, between spaced dashes
        ("Application Status: No Longer Under Consideration \u2013 Night Porter", "Night Porter"),
        ("Offer Letter - Junior Copywriter", "Junior Copywriter"),
        ("Estado: Descartada - Auxiliar de Cocina", "Auxiliar de Cocina"),
        # a meeting's name is no one's title
        ("Invitation: Sam Rivera - 30 Minute Recruiter Call", None),
        # a status alone is no one's title either
        ("Kestrel Freight: Requisition Cancelled", None),
        ("Application Withdrawn - Requisition Closed", None),
    ],
)
def test_a_stage_word_or_a_requisition_number_is_not_part_of_the_role(subject, role):
    assert extract_role(subject, "") == role


@pytest.mark.parametrize(
    ("sender", "company"),
    [
        ("Lena from Quillmark <lena@quillmark.app>", "Quillmark"),
        ("Tom at Brightfold <tom.b@brightfoldhq.com>", "Brightfold"),
        ("Sam at Samsara <sam@samsara.com>", "Samsara"),
        ("Marta Quiroga (Ventisca) <marta@ventisca.io>", "Ventisca"),
        (
            "Olivier Roche | Cabinet Hélios Conseil <o.roche@helios-conseil.fr>",
            "Cabinet Hélios Conseil",
        ),
        ("Beatriz Lima | Talento Nativo <beatriz@talentonativo.com>", "Talento Nativo"),
        ("Küstenlicht Netze AG <karriere@kuestenlicht-netze.de>", "Küstenlicht Netze AG"),
        ("Banco de Lirio <rrhh@bancodelirio.cl>", "Banco de Lirio"),
        ("Prefeitura de Vale do Anil <rh@valeanil.gov.br>", "Prefeitura de Vale do Anil"),
    ],
)
def test_company_is_the_part_of_a_display_name_its_domain_spells(sender, company):
    """A person's display name often names their company beside them; the domain says which
    part it is, and the name is kept as written (accents, "&", small joining words)."""
    assert extract_company(sender, "", "", "") == company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        (
            "Thank you for your interest in Norvale Therapeutics. We received it.",
            "Norvale Therapeutics",
        ),
        ("Vielen Dank für Ihr Interesse an Brandt Logistik und Ihre Bewerbung.", "Brandt Logistik"),
        ("Merci pour votre intérêt pour Maison Olarte et votre candidature.", "Maison Olarte"),
        ("Gracias por tu interés en Grupo Velarde. Revisaremos tu perfil.", "Grupo Velarde"),
        ("Agradecemos seu interesse em Ótica Brisa e sua candidatura.", "Ótica Brisa"),
        (
            "Thanks for your interest in Harbor Point Services and the team.",
            "Harbor Point Services",
        ),
    ],
)
def test_company_after_the_words_for_interest_in_each_language(text, company):
    assert extract_company("Workday <wd5-noreply@myworkday.com>", "", text, "") == company


@pytest.mark.parametrize(
    ("sender", "subject", "company"),
    [
        # an assessment or video tool writes for the company that opens its subject
        (
            "Codility <no-reply@codility.com>",
            "Marlow Freight: your coding test is ready",
            "Marlow Freight",
        ),
        # the name the domain spells, in the subject as a company writes it
        (
            "Recruiting <jobs@halvorsenbygg.no>",
            "Halvorsen Bygg - your interview on Monday",
            "Halvorsen Bygg",
        ),
        # beside a title, from a tracking system's address
        (
            "Greenhouse <no-reply@greenhouse.io>",
            "Wide World Importers - Logistics Coordinator",
            "Wide World Importers",
        ),
        (
            "Greenhouse <no-reply@greenhouse.io>",
            "Interview Invitation - Logistics Coordinator",
            None,
        ),
        # a status, a stage word or the reader is not a company
        ("Codility <no-reply@codility.com>", "Rescheduled: your coding test", None),
        ("Codility <no-reply@codility.com>", "Sam Okafor: your coding test is ready", None),
        ("Codility <no-reply@codility.com>", "Senior Analyst: your coding test is ready", None),
    ],
)
def test_company_named_alone_in_the_subject(sender, subject, company):
    reader = "Sam Okafor <sam.okafor@gmail.com>"
    assert extract_company(sender, subject, "", "", reader=reader) == company


@pytest.mark.parametrize(
    ("text", "role"),
    [
        (
            "Thanks for applying for the Payroll Officer vacancy I posted last week.",
            "Payroll Officer",
        ),
        (
            "Gracias por tu interés en el puesto de Jefe de Almacén el pasado martes.",
            "Jefe de Almacén",
        ),
        ("Tu candidatura para el puesto de Técnico de Calidad fue recibida.", "Técnico de Calidad"),
        (
            "Wir möchten Sie für die Position Fachinformatiker Systemintegration einladen.",
            "Fachinformatiker Systemintegration",
        ),
        (
            "A sua candidatura à vaga de Analista Fiscal foi recebida com sucesso.",
            "Analista Fiscal",
        ),
        ("Votre candidature au poste de Chef de Chantier a bien été reçue.", "Chef de Chantier"),
        ("Night Shift Nurse \u2013 please pick a time for your call", "Night Shift Nurse"),
        (
            "Thank you for applying for the role of Staff Pharmacist at $61 an hour.",
            "Staff Pharmacist",
        ),
        ("Your application for the Lab Technician II position", "Lab Technician II"),
        ("Thank you for applying for the Research Assistant I position.", "Research Assistant I"),
        (
            "Votre candidature au poste de Responsable de la Logistique est arrivée.",
            "Responsable de la Logistique",
        ),
    ],
)
def test_the_sentence_after_a_title_is_not_part_of_it(text, role):
    assert extract_role("", text) == role


@pytest.mark.parametrize(
    ("text", "role"),
    [
        (
            "Merci pour votre candidature au poste de Chargé(e) de recrutement.",
            "Chargé(e) de recrutement",
        ),
        (
            "Gracias por postularte al puesto de Auxiliar Contable - Sede Norte.",
            "Auxiliar Contable",
        ),
        (
            "Recebemos a sua candidatura para a vaga de Enfermeiro(a) Obstetra.",
            "Enfermeiro(a) Obstetra",
        ),
        ("Votre candidature au poste de Alternance - Comptable est bien arrivée.", "Comptable"),
    ],
)
def test_a_title_keeps_its_gender_ending_and_loses_what_follows_a_dash(text, role):
    assert extract_role("", text) == role


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        ("Bewerbungseingang: Kfz-Mechatroniker (m/w/d) Linz", "", "Kfz-Mechatroniker"),
        (
            "Your application was viewed",
            "Application viewed\nFleet Planner \u00b7 Leeds (Hybrid)\n",
            "Fleet Planner",
        ),
        (
            "Recebemos",
            "Obrigado pela sua candidatura para a vaga de Analista de Dados Júnior.",
            "Analista de Dados Júnior",
        ),
        (
            "Hola",
            "Gracias por tu candidatura a Product Analyst en Brisa Labs.\n"
            "Equipo de Talento \u00b7 Brisa Labs",
            "Product Analyst",
        ),
    ],
)
def test_role_from_a_gender_tag_a_board_line_and_overlapping_words(subject, text, role):
    assert extract_role(subject, text) == role


def test_the_company_after_a_dash_is_not_part_of_the_role():
    subject = "Application sent: Payroll Clerk \u2013 Marrow & Finch"
    assert extract_role(subject, "", company="Marrow & Finch") == "Payroll Clerk"
    assert extract_role(subject, "") == "Payroll Clerk \u2013 Marrow & Finch"


@pytest.mark.parametrize(
    ("subject", "role"),
    [
        ("Hemos recibido tu candidatura: Camarera de piso (Ibiza)", "Camarera de piso (Ibiza)"),
        (
            "Atualização da candidatura - Enfermeira(o) de cuidados intensivos",
            "Enfermeira(o) de cuidados intensivos",
        ),
        ("Suite de votre candidature \u2013 Conseillère en assurance", "Conseillère en assurance"),
        ("Invitation to interview: Band 6 Staff Nurse", "Band 6 Staff Nurse"),
        ("Offer for Data Analyst II", "Data Analyst II"),
        ("Recruiter call", None),
        ("Technical interview \u2013 Round 2", None),
    ],
)
def test_a_title_in_sentence_case_or_with_a_grade_stands_alone_in_the_subject(subject, role):
    assert extract_role(subject, "") == role


@pytest.mark.parametrize(
    ("subject", "text", "company", "role"),
    [
        ("Quillby - Support Engineer - next steps", "", "Quillby", "Support Engineer"),
        (
            "Application sent",
            "Sent\n\nStore Manager\nQuillby · Leeds (On-site)\n",
            None,
            "Store Manager",
        ),
        (
            "Hola",
            "Gracias por inscribirte en la oferta de Mozo de Almacén en Quillby.",
            None,
            "Mozo de Almacén",
        ),
    ],
)
def test_role_beside_the_company_or_on_a_boards_line(subject, text, company, role):
    assert extract_role(subject, text, company=company) == role


def test_a_saints_name_and_applying_to_be_the_role():
    text = "Thank you for applying to be our Night Porter at St. Brendan's Hospital. Talk soon."
    assert (
        extract_company("iCIMS <noreply@icims.com>", "Application", text, "")
        == "St. Brendan's Hospital"
    )
    assert extract_role("Application", text) == "Night Porter"


def test_the_company_as_the_signature_writes_it_in_full():
    sender = "Elena Novak <elena.novak@quillmark.com>"
    subject = "Quick chat about a Data Visualization role at Quillmark?"
    signature = "Elena Novak\nQuillmark Publishing Human Resources"
    assert extract_company(sender, subject, "Hi Jordan,", signature) == "Quillmark Publishing"
    assert extract_company(sender, subject, "Hi Jordan,", "") == "Quillmark"
    signed_off = "Hi Jordan,\r\n\r\nA call this week?\r\n\r\nElena Novak\r\nQuillmark Publishing"
    assert extract_company(sender, subject, signed_off, "") == "Quillmark Publishing"


READER = "Sam Rivera <sam.rivera@gmail.com>"


@pytest.mark.parametrize(
    ("sender", "subject", "company"),
    [
        # the other side of a meeting named for two: several words, or spelled by the domain
        (
            "Google Calendar <calendar-notification@google.com>",
            "Invitation: Sam Rivera <> Orbitra Labs - Technical Interview @ Wed Mar 11",
            "Orbitra Labs",
        ),
        ("Jenna Kapoor <jkapoor@td.com>", "Updated: Interview: Sam Rivera <> TD Bank", "TD Bank"),
        # one word beside the reader is more often a person
        ("Jason Bishop <jbishop@manchester.ac.uk>", "Sam <> Katie", "Manchester"),
        # the reader is never the company
        ("Outlook Calendar <no-reply@outlook.com>", "Accepted: Interview with Sam Rivera", None),
        # a tracking system or a board writes for the company that invites the reader
        (
            "Codility <no-reply@codility.com>",
            "Halvorsen Logistics invites you to a coding test",
            "Halvorsen Logistics",
        ),
        (
            "Welcome to the Jungle <no-reply@welcometothejungle.com>",
            "Lumière vous propose un entretien",
            "Lumière",
        ),
        ("Indeed <noreply@indeed.com>", "Brasa Verde quer entrevistar você", "Brasa Verde"),
        ("Codility <no-reply@codility.com>", "Sam Rivera invites you to a coding test", None),
        # after the reader's first name, as boards greet
        (
            "Indeed <no-reply@indeed.com>",
            "Sam, Autohaus Brenner möchte ein Gespräch mit Ihnen vereinbaren",
            "Autohaus Brenner",
        ),
        (
            "Indeed <no-reply@indeed.com>",
            "Your application was viewed by Halvorsen Marine",
            "Halvorsen Marine",
        ),
        (
            "Wellfound <team@wellfound.com>",
            "Ostrava Health declined your application",
            ("Ostrava Health"),
        ),
        (
            "HelloWork <noreply@hellowork.com>",
            "Boulangeries Maréchal a décliné votre candidature",
            ("Boulangeries Maréchal"),
        ),
        ("Greenhouse <no-reply@greenhouse.io>", "We've received your application", None),
    ],
)
def test_company_of_a_meeting_or_acting_on_the_application_never_the_reader(
    sender, subject, company
):
    assert extract_company(sender, subject, "", "", reader=READER) == company


def test_a_domains_company_as_the_mail_writes_it_in_words():
    sender = "Dana Whitfield <dana.whitfield@harborlinebank.com>"
    footer = "Thanks!\nDana Whitfield\nHR Coordinator, Harborline Bank\nwww.harborlinebank.com"
    assert extract_company(sender, "Update", footer, "") == "Harborline Bank"
    assert extract_company(sender, "Update", "Thanks!\nDana", "") == "Harborlinebank"
    accented = "Petra Kühn <p.kuehn@tischlerei-kuehn.de>"
    assert extract_company(accented, "AW: Bewerbung", "Tischlerei Kühn, Bremen", "") == (
        "Tischlerei Kühn"
    )


def test_a_word_before_a_company_is_no_piece_of_a_web_address_and_a_chief_is_a_person():
    sender = "Greg Sorensen <greg.sorensen@alderbrookpartners.com>"
    text = "Greg Sorensen\nwww.alderbrookpartners.com\n\nDear Greg,\n\nWe wish to offer you it."
    assert extract_company(sender, "Offer", text, "") == "Alderbrookpartners"
    text = "Una conversación con Leire (CTO) y conmigo."
    assert extract_company("Iñaki <inaki@zurdacode.com>", "Re: Candidatura", text, "") == (
        "Zurdacode"
    )


def test_a_board_relays_the_company_that_asks_in_a_sentence_of_its_text():
    text = "Meridian Telecom has asked you to complete a short skills assessment. It takes 15 min."
    sender = "Indeed <no-reply@indeed.com>"
    assert extract_company(sender, "Next step: an assessment", text, "", reader=READER) == (
        "Meridian Telecom"
    )
    reader_asks = "Sam Rivera has asked you to complete it."
    assert extract_company(sender, "Next step", reader_asks, "", reader=READER) is None


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Você se candidatou à vaga Supervisor(a), na empresa Plastiflex Sul.", "Plastiflex Sul"),
        ("A sua candidatura foi encerrada.", None),
        ("A Transportadora Serra Azul finalizou o processo seletivo.", "Transportadora Serra Azul"),
        (
            "Heldt Großhandel GmbH hat sich leider für andere Bewerber entschieden.",
            ("Heldt Großhandel GmbH"),
        ),
    ],
)
def test_a_relay_names_the_company_by_its_act_or_as_the_company(text, company):
    assert extract_company("Catho <noreply@catho.com.br>", "Atualização", text, "") == company


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        (
            "Thank you for applying",
            "Thanks for applying for the Backend Engineer, Payments role at Stripe.",
            "Backend Engineer, Payments",
        ),
        (
            "Application received: Software Engineer, Infrastructure (R-10234)",
            "",
            "Software Engineer, Infrastructure",
        ),
        (
            "Your application",
            "We received your application for Senior Manager, Product Marketing and our team "
            "will review it.",
            "Senior Manager, Product Marketing",
        ),
        # a place's code, the reader, a stage or a second title is no specialty
        ("Sent", "Application for Warehouse Associate, OH. Good luck!", "Warehouse Associate"),
        ("Update", "We received your application for Data Analyst, Sam.", "Data Analyst"),
        ("Next steps: Data Analyst, Interview", "", "Data Analyst"),
        ("Roles: Data Analyst, Business Analyst", "", "Data Analyst"),
        # a title before "at" and its company, after a notice's colon
        ("Application submitted: Delivery Driver at Quickfold Couriers", "", "Delivery Driver"),
        ("Interview confirmed: Sous Chef at Marigold Kitchen", "", "Sous Chef"),
        ("Invitation: Interview - Sam Okafor - Payroll Specialist @ Thu", "", "Payroll Specialist"),
    ],
)
def test_a_title_keeps_its_specialty_after_a_comma_and_stands_before_at(subject, text, role):
    assert extract_role(subject, text, reader="Sam Okafor <sam.okafor@gmail.com>") == role


@pytest.mark.parametrize(
    ("sender", "subject", "text", "company"),
    [
        # a board's posting block: the title's line, then the company and its place
        (
            "Indeed Apply <indeedapply@indeed.com>",
            "Indeed Application: Warehouse Associate",
            "Application submitted\n\nWarehouse Associate\nNorthgate Supply Co - Columbus, OH\n",
            "Northgate Supply Co",
        ),
        (
            "Indeed <indeedapply@indeed.com>",
            "Postulación enviada",
            "Tu postulación fue enviada\n\nCajero(a)\n"
            "Ferretería Alvarado \u2013 Monterrey, N. L.\n",
            "Ferretería Alvarado",
        ),
        # a title's line and another title with its place is no company
        (
            "Indeed <indeedapply@indeed.com>",
            "Application submitted",
            "Jobs for you\nSenior Analyst - Leeds\n",
            None,
        ),
        # a company reviewing, filling or turning down, after a greeting or a subject's colon
        (
            "Indeed <donotreply@match.indeed.com>",
            "An update on your Tax Associate application",
            "Hi Ananya, Larchmont Bank has reviewed your application and decided not to move "
            "forward.",
            "Larchmont Bank",
        ),
        (
            "ZipRecruiter <alerts@ziprecruiter.com>",
            "Update on Warehouse Associate",
            "Coastline Freight has filled this position.",
            "Coastline Freight",
        ),
        (
            "StepStone <noreply@stepstone.de>",
            "Statusänderung: Weyland Logistik hat sich gegen Ihre Bewerbung entschieden",
            "",
            "Weyland Logistik",
        ),
        (
            "StepStone <noreply@stepstone.de>",
            "Ihre Bewerbung an Lindqvist Software GmbH wurde versendet",
            "",
            "Lindqvist Software GmbH",
        ),
        # a board is never the company, named or not among the boards a rule file lists
        (
            "PNet <noreply@pnet.co.za>",
            "Your application has been sent: Debtors Clerk at Umhlanga Freight",
            "",
            "Umhlanga Freight",
        ),
        ("JobStreet <noreply@jobstreet.com>", "Your application was sent", "", None),
    ],
)
def test_a_relay_names_the_company_in_its_posting_block_or_by_its_act(
    sender, subject, text, company
):
    assert extract_company(sender, subject, text, "", reader=READER) == company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        # a person the mail is handed on to is no company: the sender's domain names it
        ("I've passed your CV to Trevor, who runs the site team.", "Larkspurhomes"),
        ("I'll pass it on to Jessica on our side.", "Larkspurhomes"),
        ("Do come up to Athlone for the day.", "Larkspurhomes"),
        # applying, sending and submitting to a company still name it
        ("Thanks for applying to Castlereagh Foods.", "Castlereagh Foods"),
        ("As agreed, I've submitted your CV to Tidewater Labs for the role.", "Tidewater Labs"),
        ("You've been referred to Harrowgate Bank.", "Harrowgate Bank"),
    ],
)
def test_a_name_after_to_is_a_company_only_when_the_application_goes_to_it(text, company):
    sender = "Maya Brennan <maya.brennan@larkspurhomes.com>"
    assert extract_company(sender, "Re: your CV", text, "", reader=READER) == company


@pytest.mark.parametrize(
    ("sender", "text", "company"),
    [
        # from a person at a company's domain, a lone word after a loose word is a colleague or
        # a town, unless the domain spells it
        ("Liam Doherty <liam@caislean.ie>", "Book a call with Andrew.", "Caislean"),
        ("Elisa Marín <elisa@orquidea.es>", "Trabajarías en Valencia, en la oficina.", "Orquidea"),
        ("Ana Lemos <ana@transbras.com.br>", "Obrigada pela indicação do Márcio.", "Transbras"),
        ("Ana Lemos <ana@transbras.com.br>", "Bem-vinda à equipe da Transbras.", "Transbras"),
        # several words, a strong word, or a sender the domain does not name keep the text's
        (
            "Ana Lemos <ana@recrutalent.pt>",
            "A sua entrevista com Vinhos Serra Azul está marcada.",
            "Vinhos Serra Azul",
        ),
        ("Liam Doherty <liam@caislean.ie>", "The role at Plaid is open.", "Plaid"),
        ("Liam Doherty <liam.doherty@gmail.com>", "Book a call with Andrew.", "Andrew"),
        # the reader forwarding from their own school address
        ("Sam Rivera <srivera@student.gsu.edu>", "Fwd: an offer from Starbucks.", "Starbucks"),
    ],
)
def test_a_lone_word_after_a_loose_word_gives_way_to_a_persons_company_domain(
    sender, text, company
):
    assert extract_company(sender, "Re: Candidatura", text, "", reader=READER) == company


@pytest.mark.parametrize(
    ("subject", "company"),
    [
        # a field ends many companies' names; a title's word at either end names a post
        ("Application sent to Tanjong Logistics", "Tanjong Logistics"),
        ("Thanks for applying to Palisade Legal", "Palisade Legal"),
        ("Thanks for your interest in Product Marketing", None),
        ("Thanks for your interest in Senior Analyst", None),
        ("¡Listo! Te postulaste a Analista de Comercio Exterior", None),
    ],
)
def test_a_name_with_a_titles_word_at_either_end_is_a_post_unless_a_field(subject, company):
    assert extract_company("JobStreet <noreply@jobstreet.com>", subject, "", "") == company


@pytest.mark.parametrize(
    ("sender", "company"),
    [
        # a tracking system or job board that hires through another's system is the employer
        ("Rippling Hiring Team <no-reply@us.greenhouse-mail.io>", "Rippling"),
        ("Glassdoor Recruiting <no-reply@hire.lever.co>", "Glassdoor"),
        # through its own system it is the system; generic words are never a company
        ("Greenhouse Recruiting <no-reply@us.greenhouse-mail.io>", None),
        ("Rippling <no-reply@rippling.com>", None),
        ("JazzHR <notifications@applytojob.com>", None),  # JazzHR's own domain
        # a system signing its own mail, named in the list or not
        ("Fountain <no-reply@fountain.com>", None),
        ("Talentsoft <noreply@talent-soft.com>", None),
        ("Chipotle Careers <careers@fountain.com>", "Chipotle"),
        ("Cleverly Hiring Team <no-reply@hire.lever.co>", "Cleverly"),  # holds "lever", is not it
        ("Talent Team <no-reply@us.greenhouse-mail.io>", None),
        ("NEOGOV <noreply@governmentjobs.com>", None),  # a vendor named unlike its domain
    ],
)
def test_a_vendor_is_the_company_only_when_it_hires_through_another_vendors_system(sender, company):
    assert extract_company(sender, "Thank you for applying", "", "") == company


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        # the sentence goes on after the title: the shortest title before it
        (
            "Update",
            "We received your application for Account Executive and our team will review it.",
            "Account Executive",
        ),
        ("Your application for Frontend Engineer has been received", "", "Frontend Engineer"),
        (
            "Update",
            "Here is your offer for Software Engineer. Review and accept it by Monday.",
            "Software Engineer",
        ),
        # British spellings and titles the list lacked
        ("Your application for Policy Adviser", "", "Policy Adviser"),
        (
            "Acknowledgement of application: Lecturer in Construction",
            "",
            "Lecturer in Construction",
        ),
    ],
)
def test_a_title_before_the_sentence_goes_on_and_titles_in_british_spelling(subject, text, role):
    assert extract_role(subject, text) == role


@pytest.mark.parametrize(
    "subject",
    [
        "Invitation: Interview with Acme Robotics @ Tue Mar 4, 2pm - 3pm (GMT)",
        "Updated invitation: Phone screen with Acme Robotics @ Wed 5 Mar 10:00",
        "Interview with Acme Robotics | Data Engineer",
    ],
)
def test_a_calendar_invitations_company_ends_at_its_at_sign_or_bar(subject):
    sender = "Google Calendar <calendar-notification@google.com>"
    assert extract_company(sender, subject, "", "") == "Acme Robotics"


@pytest.mark.parametrize(
    ("sender", "text", "company"),
    [
        # an assessment vendor, a search firm: whom they write for is the employer
        (
            "SHL Talent <noreply@shl.com>",
            "Please complete both tests by 11 April.\nThis email was sent by SHL on behalf of "
            "Calloway Rail.",
            "Calloway Rail",
        ),
        (
            "Ryan Mitchell <ryan.mitchell@alderbrookpartners.com>",
            "Thank you for your interest in the search we are conducting on behalf of "
            "Thornfield Capital.",
            "Thornfield Capital",
        ),
        (
            "Lucía Gómez <lucia.gomez@talentia.es>",
            "Te escribimos en nombre de Grupo Lacasa.",
            "Grupo Lacasa",
        ),
    ],
)
def test_whom_a_vendor_or_a_search_firm_writes_on_behalf_of_is_the_company(sender, text, company):
    assert extract_company(sender, "Next steps", text, "") == company


@pytest.mark.parametrize(
    ("sender", "company"),
    [
        # a domain's word without a vowel is an acronym; Saint's abbreviation is a word
        ("Jane Doe <jane.doe@dhsc.gov.uk>", "DHSC"),
        ("Jane Doe <jane.doe@kpmg.co.uk>", "KPMG"),
        ("Jane Doe <jane.doe@zkb-gruppe.ch>", "ZKB Gruppe"),
        ("Jane Doe <jane.doe@st-remi.ca>", "St Remi"),
        ("Jane Doe <jane.doe@northwind-traders.com>", "Northwind Traders"),
    ],
)
def test_a_domains_company_keeps_its_acronyms_in_capitals(sender, company):
    assert extract_company(sender, "Re: next steps", "Thanks for your time today.", "") == company


def test_a_companys_abbreviation_keeps_its_dot_before_the_sentence_goes_on():
    text = "Hi Sam, Wattle & Co. has invited you to a video interview."
    assert extract_company("Spark Hire <noreply@sparkhire.com>", "Video interview", text, "") == (
        "Wattle & Co."
    )
    text = "Thanks for applying to Acme Co. We will be in touch."
    assert extract_company("Jane <jane.doe@gmail.com>", "Hi", text, "") == "Acme Co"


@pytest.mark.parametrize(
    ("subject", "text", "role"),
    [
        # "the X position/role/job" names the post wherever the sentence has it
        (
            "Position on hold",
            "The Product Manager position you applied for is on hold.",
            "Product Manager",
        ),
        ("The Marketing Analyst role has been closed", "", "Marketing Analyst"),
        (
            "Update",
            "The Data Analyst job at Initech is no longer accepting applications.",
            "Data Analyst",
        ),
        # a requisition names its post as an application does
        (
            "Update",
            "The requisition for Senior Data Engineer (R-2231) has been cancelled.",
            "Senior Data Engineer",
        ),
        # a title's word is still needed: "the same position" is none
        ("Update", "We have filled the same position internally.", None),
    ],
)
def test_the_post_named_as_the_x_position_or_a_requisition_for_x(subject, text, role):
    assert extract_role(subject, text) == role
