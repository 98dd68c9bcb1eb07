"""A fast word tokenizer for email text: words, "n't" and single punctuation marks.

spaCy's English tokenizer applies prefix, suffix, infix and URL rules to every chunk of text; on
real mail (links, quoted code, signatures) it costs more than the rest of the pipeline together.
The classifier needs none of that: its rules and its bag-of-words model see lower-cased words.
Key phrases are tokenized by this same tokenizer, so they always line up with the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

TOKENIZER_NAME = "applytrack.word_tokenizer.v1"
# Words whole, "n't" on its own ("won't" -> "wo", "n't", as spaCy splits it), any other mark alone.
_TOKEN = re.compile(r"n't|\w+|[^\w\s]")


def word_tokens(text: str) -> list[str]:
    """Split text into the tokens the pipeline sees (typographic apostrophes made straight)."""
    # Splitting "n't" off with a plain replace is much cheaper than a look-ahead in the regex.
    return _TOKEN.findall(text.replace("\u2019", "'").replace("n't", " n't"))


class WordTokenizer:
    """A spaCy tokenizer: ``tokenizer(text) -> Doc`` built from `word_tokens`."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        return Doc(self.vocab, words=word_tokens(text))

    def pipe(self, texts: Iterable[str], *, batch_size: int = 1000) -> Iterator[Doc]:
        """Tokenize many texts."""
        for text in texts:
            yield self(text)

    # The tokenizer has no state: serialising it writes nothing and reading it changes nothing.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Nothing to save (the config names the tokenizer)."""

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> WordTokenizer:
        """Nothing to load."""
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Nothing to save."""
        return b""

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> WordTokenizer:
        """Nothing to load."""
        return self


@registry.tokenizers(TOKENIZER_NAME)
def create_word_tokenizer():
    """Registered factory: the pipeline's config names it, so `spacy.load` rebuilds it."""

    def make_tokenizer(nlp) -> WordTokenizer:
        return WordTokenizer(nlp.vocab)

    return make_tokenizer
