"""The textcat's model: spaCy's TextCatBOW.v3, counting each email's n-grams a batch at a time.

spaCy's `extract_ngrams` counts every document's n-grams with its own `numpy.unique` call, whose
fixed cost was most of the textcat's time on short emails. Here each document's keys are only
sorted; the repeats are found and counted once for the whole batch. The keys, their counts and
their order are those of spaCy's layer over the same tokens.

One difference: the tokenizer's placeholders for words the model never read (`UNKNOWN_WORD`,
`UNKNOWN_NUMBER`) are left out before the n-grams are formed. The final textcat reads every
word of its training mail, so no placeholder has a trained weight of its own: its hashed key
shares a row with whatever features it collides with, and a long run of them (ids, a signature
in another script) multiplied that row by hundreds and decided the label by itself.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import ORTH
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from classifier.tokenizer import PLACEHOLDERS

BOW_ARCHITECTURE = "applytrack.TextCatBOW.v1"
_SPACY_BOW = "spacy.TextCatBOW.v3"
_NGRAMS_LAYER = "extract_ngrams"


def build_bow_text_classifier(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    length: int = 262144,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """spaCy's TextCatBOW.v3 (same arguments, same weights) with the batched n-gram counter."""
    build = registry.architectures.get(_SPACY_BOW)
    model: Model[list[Doc], Floats2d] = build(
        exclusive_classes=exclusive_classes,
        ngram_size=ngram_size,
        no_output_layer=no_output_layer,
        length=length,
        nO=nO,
    )
    spacy_layer = next(node for node in model.walk() if node.name == _NGRAMS_LAYER)
    counter: Model[list[Doc], Any] = Model(
        _NGRAMS_LAYER, _count_ngrams, attrs=dict(spacy_layer.attrs)
    )
    model.replace_node(spacy_layer, counter)
    return model


def _count_ngrams(model: Model[list[Doc], Any], docs: list[Doc], is_train: bool) -> Any:
    """Each document's distinct n-gram keys (sorted) and how often each occurs, one batch.

    The output of spaCy's `extract_ngrams`: (keys, counts as float32, keys per document)."""
    ops = model.ops  # numpy's: the layer runs inside spaCy's `with_cpu`
    attr = model.attrs.get("attr", ORTH)
    ngram_size = model.attrs["ngram_size"]
    sorted_keys = []
    unread = _placeholder_keys(docs, attr)
    for doc in docs:
        unigrams: Any = doc.to_array([attr])
        if unread is not None:  # two comparisons cost less than `numpy.isin` on short mail
            unigrams = unigrams[(unigrams != unread[0]) & (unigrams != unread[1])]
        # thinc's `ngrams` fails on an empty document (spaCy's layer then failed the batch).
        higher = (ops.ngrams(n, unigrams) for n in range(2, ngram_size + 1) if len(unigrams))
        keys = numpy.concatenate([unigrams, *higher])
        keys.sort()
        sorted_keys.append(keys)
    sizes = numpy.fromiter((len(keys) for keys in sorted_keys), dtype=numpy.intp, count=len(docs))
    ends = numpy.cumsum(sizes)
    starts = ends - sizes
    every_key = numpy.concatenate(sorted_keys) if sorted_keys else numpy.zeros(0, numpy.uint64)
    # A key opens a run when it differs from the one before it or opens its document.
    opens = numpy.empty(len(every_key), dtype=bool)
    if len(every_key):
        opens[0] = True
        numpy.not_equal(every_key[1:], every_key[:-1], out=opens[1:])
        opens[starts[sizes > 0]] = True
    run_starts = numpy.flatnonzero(opens)
    counts = numpy.diff(numpy.append(run_starts, len(every_key)))
    runs_before = numpy.concatenate(([0], numpy.cumsum(opens)))
    lengths = (runs_before[ends] - runs_before[starts]).astype(numpy.int32)
    keys_out = every_key[run_starts]
    values = counts.astype(numpy.float32)

    def backprop(d_output: Any) -> list[Any]:
        return []

    return (keys_out, values, lengths), backprop


def _placeholder_keys(docs: list[Doc], attr: int) -> Any:
    """The keys of the placeholders in the batch's vocabulary (None: an empty batch, or n-grams
    of another attribute than the words themselves)."""
    if not docs or attr != ORTH:
        return None
    strings = docs[0].vocab.strings
    word, number = (numpy.uint64(strings[placeholder]) for placeholder in PLACEHOLDERS)
    return word, number


registry.architectures.register(BOW_ARCHITECTURE, func=build_bow_text_classifier)
