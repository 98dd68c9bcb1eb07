"""Build, save and load the classification pipeline, and the `Classifier` that wraps it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.tokens import Doc

from classifier.bag_of_words import BOW_ARCHITECTURE
from classifier.components import (
    DECISION_FACTORY,
    EXTRACT_FACTORY,
    RULES_FACTORY,
    Decision,
    EmailState,
    attach_state,
    email_state,
)
from classifier.decision import DecisionModel
from classifier.fingerprint import check_model_rules
from classifier.messages import LABELS, Classification, Email
from classifier.newest_text import (
    NewestText,
    clean_subject,
    is_forward_subject,
    newest_text,
    readable_body,
)
from classifier.phrases import fold, lower_same_length
from classifier.tokenizer import TOKENIZER_NAME, word_tokenizer

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "model"
# The opening of a message decides what it means; the tail is footers and legal text.
MAX_BODY_CHARS = 1000
# How much of a raw body is searched for quoted history, forwards and the signature.
MAX_SCANNED_BODY_CHARS = 3000
TEXTCAT_CONFIG = {
    "threshold": 0.5,
    "model": {
        "@architectures": BOW_ARCHITECTURE,
        "exclusive_classes": True,
        "ngram_size": 2,
        "no_output_layer": False,
        "length": 262144,
    },
}


class ModelNotFound(FileNotFoundError):
    """The saved pipeline directory is missing or incomplete."""


def build_pipeline(*, with_textcat: bool = True) -> Language:
    """Create the blank pipeline: word tokenizer, rules, untrained textcat, decision, extraction."""
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    nlp.add_pipe(RULES_FACTORY, name="email_rules")
    if with_textcat:
        textcat = nlp.add_pipe("textcat", config=TEXTCAT_CONFIG)
        if not isinstance(textcat, TextCategorizer):
            raise TypeError(f"spaCy's textcat factory made a {type(textcat).__name__}")
        for label in LABELS:
            textcat.add_label(label)
    nlp.add_pipe(DECISION_FACTORY, name="decision")
    nlp.add_pipe(EXTRACT_FACTORY, name="extract")
    return nlp


# The textcat reads the text without its web addresses: an address's pieces ("https", "click",
# "com", "upn", ids) are many tokens that say nothing the words around them do not, and a footer
# of tracking links outweighed the sentence that mattered. The rules and the extraction read the
# text with them (an applicant tracking system's link names the company).
# Matched in lower case: an expression that ignores case is tried at every character, and
# cost the pipeline more than a tenth of its time on real mail.
_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+")


def without_web_addresses(text: str) -> str:
    """``text`` (in lower case) as the textcat reads it: each web address a blank."""
    return _WEB_ADDRESS.sub(" ", text)


def pipeline_text(email: Email) -> str:
    """The text the pipeline reads: the cleaned subject, then the opening of the newest text."""
    return _compose(clean_subject(email.subject), _newest(email))


def email_to_doc(nlp: Language, email: Email) -> Doc:
    """Tokenize the newest text of an email (subject first, folded: lower case, no accents) and
    attach its sender, signature and context for the components."""
    subject = clean_subject(email.subject)
    newest = _newest(email)
    text = _compose(subject, newest)
    folded = fold(text)
    doc = nlp.make_doc(without_web_addresses(folded))
    state = EmailState(
        sender=email.sender or "",
        to=email.to or "",
        subject=subject,
        text=text,
        folded=folded,
        written_chars=len(without_web_addresses(lower_same_length(text))),
        signature=newest.signature[:500],
        forwarded_message=newest.forwarded_message[:MAX_BODY_CHARS],
        subject_only=not newest.text.strip(),
        context=email.context,
    )
    attach_state(doc, state)
    return doc


def _newest(email: Email) -> NewestText:
    # Quoted history and old threads can run to many kilobytes below the part we read; the
    # newest text starts at the top, so there is no need to scan the rest for reply markers.
    body = readable_body(email.body, MAX_SCANNED_BODY_CHARS) if email.body else ""
    return newest_text(body, forward=is_forward_subject(email.subject))


def _compose(subject: str, newest: NewestText) -> str:
    body = newest.text[:MAX_BODY_CHARS]
    return f"{subject}\n\n{body}" if body else subject


class Classifier:
    """Classifies emails into applied, interviewing, offer, rejected or none."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @property
    def has_textcat(self) -> bool:
        """True when the pipeline carries a trained text classifier (not rules only)."""
        return "textcat" in self.nlp.pipe_names

    def classify(self, email: Email) -> Classification:
        """Classify one email."""
        return self.classify_many([email])[0]

    def classify_many(
        self, emails: Iterable[Email], *, batch_size: int = 256
    ) -> list[Classification]:
        """Classify many emails, in input order.

        A batch at a time, each component over the whole batch in turn: the batches `nlp.pipe`
        makes (so the same results), ~5% faster than its chain of generators taking one email
        at a time through every component.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
        pending = iter(emails)
        results: list[Classification] = []
        while batch := list(islice(pending, batch_size)):
            docs = [email_to_doc(self.nlp, email) for email in batch]
            for _, component in self.nlp.pipeline:
                pipe = getattr(component, "pipe", None)
                if pipe is None:
                    docs = [component(doc) for doc in docs]
                else:
                    docs = list(pipe(docs, batch_size=batch_size))
            results.extend(map(_classification, docs))
        return results


def load_classifier(path: str | Path | None = None) -> Classifier:
    """Load the shipped pipeline (or the one at ``path``); rules only when none is shipped."""
    _single_thread()
    model_dir = Path(path) if path is not None else MODEL_DIR
    if (model_dir / "config.cfg").is_file():
        nlp = spacy.load(model_dir)
        # A model trained with other rules still loads (and still classifies); the warning says
        # to retrain it.
        check_model_rules(model_dir)
        return Classifier(nlp)
    if path is not None:
        raise ModelNotFound(
            f"No saved classifier pipeline at {model_dir} (config.cfg is missing): pass the "
            "directory written by `applytrack train`, or omit the path to use the shipped one."
        )
    logger.warning("classifier.model_missing path=%s using=rules_only", model_dir)
    return Classifier(rules_only_pipeline())


def rules_only_pipeline() -> Language:
    """A pipeline without a textcat, deciding by the rules alone (when no model is shipped)."""
    nlp = build_pipeline(with_textcat=False)
    # The rules read the folded text, not tokens: the vocabulary can stay closed and empty.
    word_tokenizer(nlp).close_vocabulary(nlp.vocab.strings)
    decision = nlp.get_pipe("decision")
    if not isinstance(decision, Decision):
        raise TypeError(f"the decision component is a {type(decision).__name__}")
    decision.model = DecisionModel.rules_only()
    return nlp


def _classification(doc: Doc) -> Classification:
    state = email_state(doc)
    return Classification(
        label=state.label,
        confidence=round(float(state.confidence), 4),
        company=state.company,
        role=state.role,
        reasons=tuple(state.reasons),
        explanation=state.explanation,
        language=state.evidence.language,
        uncertain=state.needs_review_hint,
    )


def _single_thread() -> None:
    """Keep numeric work on one thread: the worker runs one classifier per core.

    thinc's numpy ops are single-threaded already; only torch, when installed, would spread work.
    """
    try:
        import torch
    except ImportError:  # not a dependency: nothing runs multi-threaded
        return
    torch.set_num_threads(1)
