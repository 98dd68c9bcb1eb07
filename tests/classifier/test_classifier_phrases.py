"""The phrase language of the rule files, and folding: what matches and what does not."""

from __future__ import annotations

import pytest

from classifier.phrases import PhraseError, PhraseMatcher, compile_phrase, fold

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vorstellungsgespräch in Zürich", "vorstellungsgespraech in zuerich"),
        ("Vorstellungsgespraech", "vorstellungsgespraech"),
        ("Candidatura RECEBIDA \u2013 São Paulo", "candidatura recebida - sao paulo"),
        ("Convocation à l\u2019entretien d\u2019embauche", "convocation a entretien embauche"),
        ("Straße, Ñandú, naïve", "strasse, nandu, naive"),
        ("don't worry, it's 5 o'clock", "don't worry, it's 5 o'clock"),
    ],
)
def test_folding_makes_spellings_of_a_word_one(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("we received your application", "We received your application.", True),
        ("we received your application", "we received your applications", False),
        ("thank|thanks ~2 for applying", "Thanks so much for applying!", True),
        ("thank|thanks ~2 for applying", "Thanks to everyone who came. Applying is easy", False),
        ("not ~3 moving forward", "we will not be moving forward", True),
        ("not ~1 moving forward", "we will not at this stage be moving forward", False),
        ("recib* tu candidatura", "Hemos recibido tu candidatura", True),
        ("set_up|arrange ~2 call", "can we set up a call", True),
        ("set_up|arrange ~2 call", "set a call up", False),
        ("vorstellungsgespräch", "Einladung zum Vorstellungsgespraech", True),
        ("entretien", "Convocation à l'entretien", True),
        ("% off", "get 50% off today", True),
        ("phone screen", "your phone screener is ready", False),
    ],
)
def test_phrases_match_whole_words_in_order(phrase: str, text: str, found: bool) -> None:
    matcher = PhraseMatcher([(phrase, "hit")])

    assert bool(matcher.find(fold(text))) is found


TEXT = "Your offer letter. The letter again. You signed the new letter."


def test_each_phrase_is_found_once_with_where_it_starts_and_ends() -> None:
    matcher = PhraseMatcher([("offer letter", "a"), ("letter", "b"), ("sign* ~2 letter", "c")])

    found = {value: (start, end) for value, start, end in matcher.find(fold(TEXT))}

    assert found == {"a": (5, 17), "b": (11, 17), "c": (41, 62)}
    assert TEXT[41:62] == "signed the new letter"


@pytest.mark.parametrize("phrase", ["~ starts with a gap", "ends with a gap ~2", "a| b", "x y z"])
def test_malformed_phrases_are_refused_with_a_reason(phrase: str) -> None:
    with pytest.raises(PhraseError) as error:
        compile_phrase(phrase)

    assert repr(phrase) in str(error.value)


@pytest.mark.parametrize(
    ("phrase", "has_expression"),
    [
        ("we received your application", False),
        ("offer letter", False),
        ("thank|thanks ~2 for applying", True),
        ("recib* tu candidatura", True),
        ("not ~3 moving forward", True),
    ],
)
def test_only_phrases_beyond_plain_words_compile_an_expression(
    phrase: str, has_expression: bool
) -> None:
    # A worker keeps every compiled phrase: plain words are found by the automaton alone.
    compiled = compile_phrase(phrase)

    assert (compiled.regex is not None) is has_expression
    assert (compiled.literal is None) is has_expression
