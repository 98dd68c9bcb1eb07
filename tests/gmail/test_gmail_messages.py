"""Reading Gmail's answers: RFC 2047 headers decoded, HTML bodies read as a person reads them."""

from __future__ import annotations

import base64

import pytest

from gmail import body_text, header

pytestmark = pytest.mark.unit


def _answer(*parts: tuple[str, str], headers: dict[str, str] | None = None) -> dict[str, object]:
    """A format=full answer with these (mime type, text) parts."""
    encoded = [
        {"mimeType": mime, "body": {"data": base64.urlsafe_b64encode(text.encode()).decode()}}
        for mime, text in parts
    ]
    listed = [{"name": name, "value": value} for name, value in (headers or {}).items()]
    return {"payload": {"mimeType": "multipart/alternative", "parts": encoded, "headers": listed}}


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (
            "=?utf-8?q?Candidature_re=C3=A7ue_=E2=80=93_Z=C3=BCrich?=",
            "Candidature reçue \u2013 Zürich",
        ),
        ("=?UTF-8?B?RWluZ2FuZ3NiZXN0w6R0aWd1bmc=?=", "Eingangsbestätigung"),
        (
            "=?ISO-8859-1?Q?Schulze_M=FCller_GmbH?= <jobs@schulze.example>",
            "Schulze Müller GmbH <jobs@schulze.example>",
        ),
        ("Plain subject, nothing encoded", "Plain subject, nothing encoded"),
        ("=?bogus-charset?q?x?= broken", "=?bogus-charset?q?x?= broken"),
    ],
)
def test_headers_arrive_decoded(raw: str, decoded: str) -> None:
    assert header(_answer(headers={"Subject": raw}), "subject") == decoded


def test_an_html_only_body_is_read_as_a_person_reads_it() -> None:
    page = (
        "<html><head><style>.x{color:red} p{margin:0}</style><script>track()</script></head><body>"
        '<div style="display:none">preheader: 50% off today</div>'
        "<p>Dear Sam,</p><p>Thanks for applying to <b>Acme &amp; Co</b>.</p>"
        '<p><a href="https://acme.example/status?id=123">View your application</a></p>'
        "</body></html>"
    )

    text = body_text(_answer(("text/html", page)))

    assert "Thanks for applying to Acme & Co." in text
    assert "View your application" in text  # link text kept
    assert "color:red" not in text and "track()" not in text  # style and script dropped
    assert "50% off" not in text  # hidden elements dropped
    assert text.index("Dear Sam") < text.index("Thanks")
    assert "Dear Sam,\n" in text  # paragraphs on lines of their own


def test_a_real_plain_part_is_preferred_to_the_html() -> None:
    plain = "Thank you for your application. We will review it within two weeks."
    answer = _answer(("text/plain", plain), ("text/html", "<p>Something else entirely</p>"))

    assert body_text(answer) == plain


def test_a_placeholder_plain_part_gives_way_to_the_html() -> None:
    answer = _answer(("text/plain", "View in HTML"), ("text/html", "<p>Your interview is set.</p>"))

    assert "Your interview is set." in body_text(answer)
