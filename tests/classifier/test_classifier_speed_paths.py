"""The classifier's faster paths give what the plain ones gave: spaCy's n-gram counting, phrase
boundaries, elided articles, signature lines, language markers, and batches with empty mail."""

from __future__ import annotations

import numpy
import pytest
from spacy.attrs import ORTH
from spacy.ml.extract_ngrams import extract_ngrams
from thinc.api import Model

from classifier import Classifier, Email
from classifier.bag_of_words import BOW_ARCHITECTURE
from classifier.components import default_matchers
from classifier.newest_text import newest_text
from classifier.phrases import PhraseMatcher, fold
from classifier.pipeline import email_to_doc

pytestmark = pytest.mark.unit

MAIL = (
    Email("jobs@greenhouse.io", "Your application to Acme", "We received your application."),
    Email("Ana <ana@acme.com>", "Entrevista", "Hola, ¿podemos agendar una entrevista el lunes?"),
    Email(
        "news@example.org", "Weekly digest", "Ten links about Rust and Python.\n-- \nUnsubscribe"
    ),
    Email(
        "rh@exemple.fr", "Votre candidature", "Nous avons bien reçu votre candidature d'ingénieur."
    ),
    Email("x@y.z", "a", ""),
)


def test_the_shipped_textcat_counts_ngrams_as_spacy_does(shipped: Classifier) -> None:
    textcat = shipped.nlp.get_pipe("textcat")
    assert shipped.nlp.config["components"]["textcat"]["model"]["@architectures"] == (
        BOW_ARCHITECTURE
    )
    ours = next(node for node in textcat.model.walk() if node.name == "extract_ngrams")
    spacys: Model = extract_ngrams(ngram_size=2, attr=ORTH)
    docs = [email_to_doc(shipped.nlp, email) for email in MAIL]

    (our_keys, our_counts, our_lengths), _ = ours(docs, is_train=False)
    (keys, counts, lengths), _ = spacys(docs, is_train=False)

    for mine, theirs in ((our_keys, keys), (our_counts, counts), (our_lengths, lengths)):
        assert mine.dtype == theirs.dtype
        assert numpy.array_equal(mine, theirs)


def test_an_empty_email_in_a_batch_is_ordinary_mail_and_the_rest_are_classified(
    shipped: Classifier,
) -> None:
    # spaCy's n-gram layer failed on an empty document, and with it the whole batch.
    empty = Email("", "", "")

    results = shipped.classify_many([empty, *MAIL, empty])

    assert results[0].label == results[-1].label == "none"
    assert results[0].reasons == ("empty:no subject or text",)
    assert results[1:-1] == [shipped.classify(email) for email in MAIL]


def test_batches_of_any_size_give_the_same_classifications(shipped: Classifier) -> None:
    mail = list(MAIL) * 3

    assert shipped.classify_many(mail, batch_size=2) == shipped.classify_many(mail)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("l'offre d'emploi qu'il a", "offre emploi il a"),
        ("aujourd'hui", "aujourd'hui"),  # "d'" inside a word is no article
        ("l'l'a", "l'a"),  # an article right after an apostrophe is no article either
        ("_d'accord 1d'x", "_d'accord 1d'x"),
        ("d'Accord", "accord"),  # folded to lower case first
        ("d'1 d' x d'", "d'1 d' x d'"),  # an article is followed by a letter
        ("squ'a qu'a", "squ'a a"),
    ],
)
def test_elided_articles_are_dropped_only_before_a_letter_at_a_word_start(
    text: str, folded: str
) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("offer letter attached", True),
        ("your offer letter", True),
        ("(offer letter)", True),
        ("counteroffer letter", False),
        ("_offer letter", False),
        ("'offer letter", False),
        ("2offer letter", False),
    ],
)
def test_a_phrase_with_alternatives_starts_at_a_word_start(text: str, found: bool) -> None:
    matcher = PhraseMatcher([("offer|job ~1 letter", "hit")])

    assert bool(matcher.find(fold(text))) is found


@pytest.mark.parametrize(
    ("body", "text", "signature"),
    [
        ("Thanks for applying.\n-- \nAcme Talent", "Thanks for applying.", "Acme Talent"),
        ("Thanks for applying.\n--\nAcme Talent", "Thanks for applying.", "Acme Talent"),
        ("-- \nOnly a signature", "", "Only a signature"),
        ("Thanks for applying.\n-- ", "Thanks for applying.", ""),
        ("Pros -- and cons\n --\nstill text", "Pros -- and cons\n --\nstill text", ""),
    ],
)
def test_a_dash_dash_line_starts_the_signature(body: str, text: str, signature: str) -> None:
    newest = newest_text(body)

    assert (newest.text, newest.signature) == (text, signature)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("wir haben ihre bewerbung erhalten und melden uns", "de"),
        ("nous avons bien recu votre candidature", "fr"),
        ("hemos recibido tu candidatura y te contactaremos", "es"),
        ("\ud800 über die \U0001f600 und der bewerbung", "de"),  # a lone surrogate is no letter
        ("12345 ---", "en"),
    ],
)
def test_the_language_is_told_by_its_marker_words(text: str, language: str) -> None:
    assert default_matchers().evidence("", "", text).language == language
