import pytest

from classifier import build_pipeline
from classifier.tokenizer import WordTokenizer, word_tokens

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("We won't move", ["We", "wo", "n't", "move"]),
        ("don\u2019t worry", ["do", "n't", "worry"]),
        ("30% off!", ["30", "%", "off", "!"]),
        ("on-site, 401(k)", ["on", "-", "site", ",", "401", "(", "k", ")"]),
        ("jane@acme.com", ["jane", "@", "acme", ".", "com"]),
        ("", []),
    ],
)
def test_word_tokens(text, tokens):
    assert word_tokens(text) == tokens


def test_pipeline_uses_the_word_tokenizer_and_keeps_it_after_saving(tmp_path):
    nlp = build_pipeline(with_textcat=False)
    assert isinstance(nlp.tokenizer, WordTokenizer)
    nlp.to_disk(tmp_path / "model")
    import spacy

    loaded = spacy.load(tmp_path / "model")
    assert isinstance(loaded.tokenizer, WordTokenizer)
    assert [t.text for t in loaded.make_doc("It isn't")] == ["It", "is", "n't"]


def test_phrases_with_punctuation_match_through_the_same_tokenizer(rules_only):
    from classifier import Email

    reasons = rules_only.classify(Email("a@b.com", "Sale", "Take 30% off today")).reasons
    assert "context:commerce:% off" in reasons
