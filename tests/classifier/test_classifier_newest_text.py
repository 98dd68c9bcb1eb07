import base64
import quopri

import pytest

from classifier.newest_text import clean_subject, is_forward_subject, newest_text, readable_body

pytestmark = pytest.mark.unit


def test_reply_history_is_dropped():
    body = (
        "We'd love to schedule a time to chat next week.\n\n"
        "On Mon, Oct 2, 2024 at 9:00 AM Jordan Lee <jordan@example.com> wrote:\n"
        "> Thanks for confirming my application.\n> Best, Jordan"
    )
    result = newest_text(body)
    assert "schedule a time to chat" in result.text
    assert "confirming my application" not in result.text


def test_wrapped_reply_header_is_dropped():
    body = "Sounds good.\n\nOn Mon, Oct 2, 2024 at 9:00 AM Jordan <j@example.com>\nwrote:\nold"
    assert newest_text(body).text == "Sounds good."


def test_original_message_block_is_dropped():
    body = "Offer letter attached.\n\n-----Original Message-----\nFrom: HR\nWe regret to inform you"
    assert "regret" not in newest_text(body).text


def test_outlook_header_block_is_dropped():
    body = "See you Friday.\n\nFrom: Ann <ann@x.com>\nSent: Monday\nTo: me\nSubject: hi\n\nold text"
    assert newest_text(body).text == "See you Friday."


@pytest.mark.parametrize(
    "history",
    [
        "On Tue, Oct 3, 2024 Sam <sam@x.com> wrote:\nolder\n\n"
        "-----Original Message-----\nFrom: HR\noldest",
        "-----Original Message-----\nFrom: HR\nolder\n\n"
        "From: Ann <ann@x.com>\nSent: Monday\nTo: me\n\noldest",
        "From: Ann <ann@x.com>\nSent: Monday\nTo: me\n\nolder\n\n"
        "On Tue, Oct 3, 2024 Sam <sam@x.com> wrote:\noldest",
    ],
)
def test_quoted_history_is_cut_at_its_first_marker_of_any_kind(history: str) -> None:
    body = f"Can we talk Thursday?\n\n{history}"
    assert newest_text(body).text == "Can we talk Thursday?"


def test_quoted_lines_without_header_are_dropped():
    assert newest_text("New text\n> quoted\n> more quoted").text == "New text"


def test_forward_keeps_forwarded_text_without_its_headers():
    body = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Acme <jobs@acme.com>\n"
        "Date: Oct 1\nSubject: Update\nTo: me\n\nWe regret to inform you that the role is filled.\n"
        "\nOn Sep 1 Jordan wrote:\n> my old question"
    )
    result = newest_text(body)
    assert result.forwarded
    assert result.text.startswith("FYI")
    assert "regret to inform" in result.text
    assert "From:" not in result.text
    assert "old question" not in result.text
    assert result.forwarded_message.splitlines() == [
        "From: Acme <jobs@acme.com>",
        "Date: Oct 1",
        "Subject: Update",
        "To: me",
        "",
        "We regret to inform you that the role is filled.",
    ]
    assert newest_text("No forward here.\nFrom: the desk of Ana").forwarded_message == ""


@pytest.mark.parametrize(
    "block",
    [
        "________________________________\nFrom: Acme <jobs@acme.com>\nSent: Friday, May 2, 2025"
        " 4:40 PM\nTo: Sam <sam@outlook.com>\nSubject: Your application\n\n",
        "-----Original Message-----\nFrom: Acme <jobs@acme.com>\nSent: Friday\nTo: sam@outlook.com"
        "\nSubject: Your application\n\n",
        "Von: Acme <jobs@acme.com>\nGesendet: Freitag, 2. Mai 2025 16:40\nAn: sam@outlook.com\n"
        "Betreff: Ihre Bewerbung\n\n",
    ],
)
def test_a_forward_as_outlook_writes_it_keeps_the_forwarded_text(block: str) -> None:
    body = f"fyi\n\n{block}We regret to inform you that the role is filled.\n\nAcme Recruiting"

    forwarded = newest_text(body, forward=True)
    replied = newest_text(body)

    assert forwarded.forwarded
    assert forwarded.text.startswith("fyi\n\nWe regret to inform you that the role is filled.")
    assert ":" not in forwarded.text
    assert forwarded.forwarded_message.splitlines()[0].endswith("Acme <jobs@acme.com>")
    assert replied.text == "fyi"


@pytest.mark.parametrize(
    ("subject", "forward"),
    [
        ("Fwd: Interview invitation", True),
        ("FW: Offer letter", True),
        ("WG: Ihre Bewerbung", True),
        ("TR: Votre candidature", True),
        ("RV: Tu candidatura", True),
        ("ENC: Sua candidatura", True),
        ("Re: Fwd: Interview invitation", False),
        ("AW: Ihre Bewerbung", False),
        ("Forward planning for Q3", False),
    ],
)
def test_a_forwards_subject_is_known_by_its_first_prefix(subject: str, forward: bool) -> None:
    assert is_forward_subject(subject) is forward


def test_signature_is_split_off():
    result = newest_text("Thanks for applying.\n\nBest,\nDana Smith\nRecruiter, Globex")
    assert result.text == "Thanks for applying."
    assert "Globex" in result.signature


def test_dash_dash_signature_and_mobile_footer():
    assert newest_text("Hello\n-- \nDana").signature == "Dana"
    assert newest_text("Call me\nSent from my iPhone").text == "Call me"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Re: Offer", "Offer"),
        ("FW: RE: Fwd: Interview", "Interview"),
        ("Resume tips", "Resume tips"),
    ],
)
def test_subject_prefixes(raw, clean):
    assert clean_subject(raw) == clean


def test_markers_in_capitals_are_still_found():
    forwarded = newest_text("FYI\n\n---------- FORWARDED MESSAGE ----------\nFrom: a\n\nWe regret")
    assert forwarded.forwarded and "We regret" in forwarded.text
    assert newest_text("ok\n\n-----ORIGINAL MESSAGE-----\nold text").text == "ok"


@pytest.mark.parametrize(
    ("body", "kept", "dropped"),
    [
        (
            "Your application was sent to Orchard Bank\nTeller - Part time\nApplied today\n\n"
            "Similar jobs near you:\nBranch Associate - Pine Credit Union\nSee all jobs",
            "sent to Orchard Bank",
            "Pine Credit Union",
        ),
        (
            "Hallo Jana, Ihre Bewerbung als Buchhalterin ist bei der Weser AG eingegangen.\n\n"
            "Ähnliche Stellen\nFinanzbuchhalter (m/w/d) - Hanse Steuer GmbH",
            "Weser AG eingegangen",
            "Hanse Steuer",
        ),
        (
            "Hola Iker, la empresa Talleres Ebro ha decidido no continuar con tu candidatura.\n\n"
            "Ofertas que te pueden interesar\nMecánico de mantenimiento - Zaragoza",
            "no continuar con tu candidatura",
            "Mecánico",
        ),
        # the heading as a button of converted HTML, its link after it
        (
            "Hi Sam, Larkspur Dental has decided not to move forward with your application.\n\n"
            "See similar jobs [https://board.example/jobs?q=dental&utm_source=status]\n"
            "Unsubscribe [https://board.example/u/8f2]",
            "not to move forward",
            "Unsubscribe",
        ),
        (
            "Hola Iker, tu candidatura para Carretillero ha sido descartada.\n\n"
            "Ofertas similares <https://empleo.example/ofertas?origen=estado>\n"
            "Darse de baja de estos avisos",
            "ha sido descartada",
            "Darse de baja",
        ),
        # a data-protection or confidentiality notice below the message, in each language
        (
            "Dear Sam, thank you for applying for the Analyst role at Fenwick.\n\n"
            "Privacy notice: we process your personal data only to assess your application.",
            "thank you for applying",
            "personal data",
        ),
        (
            "Sehr geehrter Herr Kühn, vielen Dank für Ihre Bewerbung.\n\n"
            "Hinweise zum Datenschutz: Ihre Daten werden nach sechs Monaten gelöscht.\n\n"
            "Mit freundlichen Grüßen",
            "vielen Dank für Ihre Bewerbung",
            "gelöscht",
        ),
        (
            "Madame, nous accusons réception de votre candidature.\n\n"
            "Conformément au Règlement général sur la protection des données, vous disposez "
            "d'un droit d'accès.",
            "accusons réception",
            "droit d'accès",
        ),
        (
            "Hola Iker, hemos recibido tu candidatura.\n\n"
            "ESTE MENSAJE Y SUS ARCHIVOS ADJUNTOS son confidenciales.",
            "recibido tu candidatura",
            "confidenciales",
        ),
        (
            "Olá Ana, recebemos a sua candidatura.\n\n"
            "Em conformidade com a Lei Geral de Proteção de Dados (LGPD), seus dados serão "
            "mantidos por 12 meses.",
            "recebemos a sua candidatura",
            "12 meses",
        ),
    ],
)
def test_a_boards_other_jobs_and_a_legal_notice_are_not_read(
    body: str, kept: str, dropped: str
) -> None:
    text = newest_text(body).text

    assert kept in text
    assert dropped not in text


@pytest.mark.parametrize(
    ("body", "last_line"),
    [
        # a job alert opens with its list: nothing above the heading, so all of it is read
        (
            "Hi Ana,\nJobs you may like\nData Analyst - Helix - Easily apply\nBI Analyst - Orion",
            "BI Analyst - Orion",
        ),
        # a line that opens with a heading's words and goes on as a sentence is not a heading
        (
            "Thanks for meeting us last week, Ana.\nMore jobs like this one open next quarter on "
            "our platform team.\nWe will keep you in mind.",
            "We will keep you in mind.",
        ),
    ],
)
def test_text_without_an_other_jobs_heading_below_it_is_read_whole(
    body: str, last_line: str
) -> None:
    assert newest_text(body).text.endswith(last_line)


@pytest.mark.parametrize(
    "body",
    [
        # the notice is the message itself: its first paragraph is always read
        "Privacy policy update: we have changed how we use your data.\n\nRead the new policy.",
        # a sentence about the application that mentions the law further in
        "Unfortunately we will not move forward.\n\nWe will keep your CV and notes on file for the "
        "next six months, as the GDPR allows, should another role open.",
    ],
)
def test_a_paragraph_that_only_mentions_data_protection_is_read(body: str) -> None:
    assert newest_text(body).text == body


def test_characters_a_reader_never_sees_are_dropped() -> None:
    padded = "Your application\u200c \u200c \u200c\n\u034f\u200c\u00a0\n\nThank you for applying."
    assert readable_body(padded) == "Your application  \n\u00a0\n\nThank you for applying."
    assert readable_body("appli\u00adcation&zwnj; received") == "application received"
    assert readable_body("<p>We got it&zwnj;\u200b.</p>").strip() == "We got it."
    assert clean_subject("Re: \ufeffInterview\u200b invitation") == "Interview invitation"


def test_a_preheader_padded_with_invisible_characters_reads_as_its_text() -> None:
    text = "Hi Ana,\n\nThank you for applying to Acme."
    padded = "\u200c \u200c \u200c \u200c \u200c\n\u00a0\n\u00a0\n\n" + text
    assert newest_text(readable_body(padded)).text == text


@pytest.mark.parametrize(
    "style",
    [
        "display:none !important; mso-hide:all",
        "display: none!important",
        "visibility:hidden; font-size:1px",
        "max-height:0px; overflow:hidden; opacity:0",
        "overflow: hidden; max-height: 0",
    ],
)
def test_a_hidden_preheader_is_not_read(style: str) -> None:
    html_mail = (
        f'<html><body><div style="{style}">Huge savings inside&nbsp;&zwnj;</div>'
        '<p style="color:#333; max-height:20px">Thank you for applying to Acme.</p></body></html>'
    )
    assert readable_body(html_mail).strip() == "Thank you for applying to Acme."


def test_text_garbled_by_a_mis_declared_charset_is_repaired() -> None:
    written = "Candidature reçue — merci ! Nous l\u2019étudions."  # a typographic apostrophe
    assert readable_body(written.encode().decode("cp1252")) == written
    assert clean_subject("AW: Ihre Bewerbung für München".encode().decode("latin-1")) == (
        "Ihre Bewerbung für München"
    )
    # Text that only looks so is left as it is.
    assert readable_body("NÃO PERCA: São Paulo") == "NÃO PERCA: São Paulo"


def test_an_html_document_is_converted_whole_before_its_text_is_cut() -> None:
    styles = "".join(f".c{n} {{ color: #{n:06x}; padding: {n}px; }}\n" for n in range(300))
    page = f"<html><head><style>{styles}</style></head><body><p>Your interview is set.</p></body>"
    assert len(styles) > 3000

    assert readable_body(page, 3000).strip() == "Your interview is set."
    assert readable_body("plain " * 1000, 3000) == ("plain " * 1000)[:3000]


def test_an_html_body_is_read_as_a_person_reads_it() -> None:
    page = (
        "<html><head><style>.x{color:red} p{margin:0}</style><script>track()</script></head><body>"
        '<div style="display:none">preheader: 50% off today</div>'
        "<p>Dear Sam,</p><p>Thanks for applying to <b>Acme &amp; Co</b>.</p>"
        '<p><a href="https://acme.example/status?id=123">View your application</a></p>'
        "</body></html>"
    )

    text = readable_body(page)

    assert "Thanks for applying to Acme & Co." in text
    assert "View your application" in text  # link text kept
    assert "color:red" not in text and "track()" not in text  # style and script dropped
    assert "50% off" not in text  # hidden elements dropped
    assert text.index("Dear Sam") < text.index("Thanks")
    assert "Dear Sam,\n" in text  # paragraphs on lines of their own


def test_a_table_layout_reads_as_lines_of_words_not_columns_of_spaces() -> None:
    page = (
        "<html><body><table width='600'><tr><td><img alt='Acme'></td><td>Careers</td></tr>"
        "<tr><td colspan='2'><p>Hi Sam,</p><p>Your interview is on Tuesday.</p></td></tr>"
        "</table></body></html>"
    )

    text = readable_body(page)

    assert "  " not in text and " \n" not in text
    assert "Hi Sam,\n\nYour interview is on Tuesday." in text


def test_a_body_left_in_quoted_printable_is_decoded() -> None:
    written = "Bonjour Léa,\n\nNous avons bien reçu votre candidature au poste d\u2019ingénieur."
    encoded = quopri.encodestring(written.encode()).decode("ascii")
    assert "=C3=A7" in encoded

    assert readable_body(encoded) == written
    long_line = "Thanks for applying. " * 8
    soft_broken = quopri.encodestring(long_line.encode()).decode("ascii")
    assert readable_body(soft_broken) == long_line
    assert readable_body(soft_broken.replace("\n", "\r\n")) == long_line
    html_mail = quopri.encodestring(b'<p style="display:none">promo</p><p>Interview set.</p>')
    assert readable_body(html_mail.decode("ascii")).strip() == "Interview set."


def test_a_body_left_in_base64_is_decoded() -> None:
    written = "Hallo Jonas,\n\nvielen Dank für Ihre Bewerbung bei der Müller GmbH."
    encoded = base64.encodebytes(written.encode()).decode("ascii")

    assert readable_body(encoded) == written
    assert readable_body(base64.b64encode(b"Thanks for applying").decode()) == "Thanks for applying"


@pytest.mark.parametrize(
    "body",
    [
        "Your status: https://jobs.example/a?page=20&size=20&id=3DF1",
        "a = b\nc =\nd",
        "Thanks",
        "REF2026ABCDEF1234567890XY",
        "ApplicationReceivedThankYou",
    ],
)
def test_text_that_only_looks_transfer_encoded_is_left_as_it_is(body: str) -> None:
    assert readable_body(body) == body
