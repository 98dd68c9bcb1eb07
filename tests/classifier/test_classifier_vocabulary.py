"""A long-running worker's vocabulary stays the size it was at load time."""

import random

import pytest
from spacy.vocab import Vocab

import classifier.pipeline as pipeline_module
from classifier import Classifier, Email, build_pipeline, load_classifier
from classifier.components import email_state
from classifier.pipeline import MAX_BODY_CHARS, email_to_doc
from classifier.tokenizer import UNKNOWN_NUMBER, UNKNOWN_WORD, WordTokenizer

pytestmark = pytest.mark.unit


def made_up_mail(count, *, seed):
    """Emails made of random strings: every word is one no vocabulary has seen."""
    rng = random.Random(seed)
    emails = []
    for index in range(count):
        words = " ".join(
            "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(5, 12)))
            for _ in range(40)
        )
        body = f"Hi,\n\n{words}\nOrder {rng.randrange(10**9)}"
        emails.append(Email(f"user{index}@example.org", f"Note {rng.random():.8f}", body))
    return emails


def test_the_shipped_classifier_adds_no_strings_for_unseen_words(shipped):
    strings = shipped.nlp.vocab.strings
    before = len(strings)
    shipped.classify_many(made_up_mail(500, seed=1))
    assert len(strings) <= before + 2  # at most the two placeholders, never the 20,000 words


def test_an_open_vocabulary_would_grow_with_every_unseen_word():
    open_classifier = Classifier(build_pipeline(with_textcat=False))
    assert open_classifier.nlp.tokenizer.known_words is None
    before = len(open_classifier.nlp.vocab.strings)
    open_classifier.classify_many(made_up_mail(50, seed=2))
    assert len(open_classifier.nlp.vocab.strings) > before + 1000


def test_the_rules_only_fallback_closes_its_vocabulary(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline_module, "MODEL_DIR", tmp_path / "no-model")
    rules_only = load_classifier()
    before = len(rules_only.nlp.vocab.strings)
    result = rules_only.classify(
        Email("jobs@acme.com", "Interview", "We would like to schedule an interview for the role.")
    )
    rules_only.classify_many(made_up_mail(50, seed=3))
    assert result.label == "interviewing"
    assert len(rules_only.nlp.vocab.strings) <= before + 2


def test_unseen_words_become_their_known_lower_case_or_a_placeholder():
    tokenizer = WordTokenizer(Vocab(), known_words={"we", "interview", "you"})
    doc = tokenizer("We INTERVIEW you Zyxwv 2024 x9")
    assert [token.text for token in doc] == [
        "we",
        "interview",
        "you",
        UNKNOWN_WORD,
        UNKNOWN_NUMBER,
        UNKNOWN_WORD,
    ]


def test_a_closed_vocabulary_knows_its_words_and_the_placeholders():
    tokenizer = WordTokenizer(Vocab(), known_words=["offer", "letter", "offer"])
    assert set(tokenizer.known_words) == {"offer", "letter", UNKNOWN_WORD, UNKNOWN_NUMBER}
    assert "Offer" not in tokenizer.known_words  # the original case is not a known form


def test_known_words_survive_saving_to_disk_and_bytes(tmp_path):
    tokenizer = WordTokenizer(Vocab(), known_words={"offer", "letter"})
    tokenizer.to_disk(tmp_path / "tokenizer")
    from_disk = WordTokenizer(Vocab()).from_disk(tmp_path / "tokenizer")
    from_bytes = WordTokenizer(Vocab()).from_bytes(tokenizer.to_bytes())
    assert from_disk.known_words == tokenizer.known_words == from_bytes.known_words
    assert [t.text for t in from_disk("Offer letter zzz")] == ["offer", "letter", UNKNOWN_WORD]


def test_a_tokenizer_saved_open_stays_open(tmp_path):
    WordTokenizer(Vocab()).to_disk(tmp_path / "tokenizer")
    assert WordTokenizer(Vocab()).from_disk(tmp_path / "tokenizer").known_words is None


def test_a_long_body_is_read_only_up_to_the_cap(shipped):
    opening = "We would like to schedule an interview for the Analyst role."
    noise = " ".join(f"word{index}" for index in range(20_000))
    doc = email_to_doc(shipped.nlp, Email("jobs@acme.com", "Next steps", f"{opening}\n{noise}"))
    assert len(email_state(doc).text) <= len("Next steps\n\n") + MAX_BODY_CHARS
    assert len(doc) <= MAX_BODY_CHARS
    assert shipped.classify(Email("jobs@acme.com", "Next steps", f"{opening}\n{noise}")).label == (
        "interviewing"
    )


def test_email_state_is_the_doc_extension(shipped):
    doc = email_to_doc(shipped.nlp, Email("a@b.com", "Hello", "Hi there"))
    assert doc._.applytrack is email_state(doc)
    assert doc._.applytrack.subject == "Hello"


@pytest.mark.parametrize(
    "opening",
    [
        "We would like to schedule an interview for the Analyst role.",
        "Thank you for applying. We have received your application.",
        "We are delighted to offer you the position.",
        "Unfortunately we will not be moving forward with your application.",
    ],
)
def test_words_the_model_never_read_do_not_move_the_textcat(shipped, opening):
    """No placeholder has a trained weight (the final textcat reads every word of its training
    mail): a long run of them after the text (tracking ids, a signature in another script) must
    leave the textcat's scores where the text alone puts them."""
    unread = " ".join(f"zq{index}xv" for index in range(100))  # within the 1,000 characters read
    textcat = shipped.nlp.get_pipe("textcat")

    def scores(body):
        doc = email_to_doc(shipped.nlp, Email("jobs@acme.com", "Next steps", body))
        return textcat(doc).cats

    alone, followed = scores(opening), scores(f"{opening}\n{unread}")
    assert followed == pytest.approx(alone, abs=1e-6)


def test_web_addresses_are_not_read_by_the_textcat_but_by_the_rules_and_extraction(shipped):
    """A footer of tracking links leaves the textcat's scores where the text alone puts them;
    the company named by an applicant tracking system's link is still found."""
    opening = "Unfortunately we will not be moving forward with your application."
    links = "\n".join(
        f"https://click.mail.example.com/ls/click?upn=a{index}b{index}c https://www.example.org/u"
        for index in range(6)
    )
    ats_link = "Your candidate page: https://jobs.lever.co/quillmark/4b1c"
    textcat = shipped.nlp.get_pipe("textcat")

    def scores(body):
        doc = email_to_doc(shipped.nlp, Email("no-reply@hire.lever.co", "Your application", body))
        return textcat(doc).cats

    assert scores(f"{opening}\n{links}") == pytest.approx(scores(opening), abs=1e-6)
    found = shipped.classify(Email("no-reply@hire.lever.co", "Update", f"{opening}\n{ats_link}"))
    assert found.company == "Quillmark"
