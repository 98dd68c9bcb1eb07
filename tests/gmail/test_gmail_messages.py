"""Reading Gmail's answers: RFC 2047 headers decoded, the readable part of a body chosen."""

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


def test_an_html_only_body_arrives_as_its_source_for_the_classifier_to_read() -> None:
    page = "<html><body><p>Dear Sam,</p><p>Thanks for applying to Acme &amp; Co.</p></body></html>"

    assert body_text(_answer(("text/html", page))) == page


def test_a_real_plain_part_is_preferred_to_the_html() -> None:
    plain = "Thank you for your application. We will review it within two weeks."
    answer = _answer(("text/plain", plain), ("text/html", "<p>Something else entirely</p>"))

    assert body_text(answer) == plain


def test_a_placeholder_plain_part_gives_way_to_the_html() -> None:
    answer = _answer(("text/plain", "View in HTML"), ("text/html", "<p>Your interview is set.</p>"))

    assert "Your interview is set." in body_text(answer)
