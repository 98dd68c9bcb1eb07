import pytest

from classifier.sources import BadRecord, email_from_record

pytestmark = pytest.mark.unit


def test_a_records_encoded_header_words_are_decoded() -> None:
    email = email_from_record(
        {
            "from": "=?UTF-8?Q?Personalabteilung_M=C3=BCller?= <jobs@mueller.example>",
            "to": "=?iso-8859-1?q?L=E9a?= <lea@example.com>",
            "subject": "AW: =?utf-8?B?SWhyZSBCZXdlcmJ1bmcgYmVpIE3DvGxsZXI=?= (Ref. 12)",
            "body": "=?utf-8?q?stays?= as written",
        }
    )

    assert email.sender == "Personalabteilung Müller <jobs@mueller.example>"
    assert email.to == "Léa <lea@example.com>"
    assert email.subject == "AW: Ihre Bewerbung bei Müller (Ref. 12)"
    assert email.body == "=?utf-8?q?stays?= as written"  # a body has no encoded words


def test_a_header_that_only_looks_encoded_is_kept() -> None:
    email = email_from_record({"from": "a@b.example", "subject": "Is =? a question", "body": ""})

    assert email.subject == "Is =? a question"


def test_a_record_with_nothing_to_read_is_refused() -> None:
    with pytest.raises(BadRecord, match="nothing to classify"):
        email_from_record({"id": "x", "to": "me@example.com"})
