"""A fast word tokenizer for email text: words, "n't" and single punctuation marks.

spaCy's English tokenizer applies prefix, suffix, infix and URL rules to every chunk of text; on
real mail (links, quoted code, signatures) it costs more than the rest of the pipeline together.
The classifier needs none of that: its rules and its bag-of-words model see lower-cased words.
Key phrases are tokenized by this same tokenizer, so they always line up with the text.

A trained pipeline's tokenizer has a closed vocabulary (`known_words`, saved with the model): a
word outside it becomes its lower-case form when that is known, else a placeholder
(`UNKNOWN_WORD`, or `UNKNOWN_NUMBER` for digits). Unseen words then never create a lexeme, so a
long-running worker's vocabulary and StringStore stay the size they were at load time, and real
mail (ids, links, names) no longer pays for building a lexeme per new word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container, Iterable, Iterator, KeysView
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

TOKENIZER_NAME = "applytrack.word_tokenizer.v1"
KNOWN_WORDS_FILE = "known_words.json"
# Placeholders cannot come out of `word_tokens` ("<" and ">" are tokens of their own).
UNKNOWN_WORD = "<unk>"
UNKNOWN_NUMBER = "<num>"
PLACEHOLDERS = (UNKNOWN_WORD, UNKNOWN_NUMBER)
# Words whole, "n't" on its own ("won't" -> "wo", "n't", as spaCy splits it), and a run of marks
# as one token ("-----", "...", "://"): real mail is full of rules and links, and every token costs.
TOKEN_PATTERN = re.compile(r"n't|\w+|[^\w\s]+")


def word_tokens(text: str) -> list[str]:
    """Split text into the tokens the pipeline sees (typographic apostrophes made straight)."""
    # Splitting "n't" off with a plain replace is much cheaper than a look-ahead in the regex.
    return TOKEN_PATTERN.findall(text.replace("\u2019", "'").replace("n't", " n't"))


def known_form(word: str, known_words: Container[str]) -> str:
    """The form of an unseen ``word`` the pipeline uses: known lower case, or a placeholder."""
    lower = word.lower()
    if lower in known_words:
        return lower
    return UNKNOWN_NUMBER if word.isdigit() else UNKNOWN_WORD


class WordTokenizer:
    """A spaCy tokenizer: ``tokenizer(text) -> Doc`` built from `word_tokens`.

    With ``known_words`` unset the vocabulary is open (training adds every word it sees).
    """

    def __init__(self, vocab: Vocab, known_words: Iterable[str] | None = None) -> None:
        self.vocab = vocab
        # Each known word's id in the vocabulary (a Doc built from ids skips hashing every
        # word); its keys are the known words: a set of them beside it would cost ~2 MB more.
        # None while the vocabulary is open.
        self._ids: dict[str, int] | None = None
        if known_words is not None:
            self.close_vocabulary(known_words)

    @property
    def known_words(self) -> KeysView[str] | None:
        """The words the pipeline keeps as they are (None: the vocabulary is open)."""
        return None if self._ids is None else self._ids.keys()

    def close_vocabulary(self, known_words: Iterable[str]) -> None:
        """From now on map words outside ``known_words`` to a known form or a placeholder."""
        # Build every known word's lexeme now, once, rather than on a worker's first emails.
        vocab = self.vocab
        self._ids = {word: vocab[word].orth for word in (*known_words, *PLACEHOLDERS)}

    def __call__(self, text: str) -> Doc:
        words = word_tokens(text)
        known = self._ids
        if known is None:
            return Doc(self.vocab, words=words)
        # One `map` looks every word up without a Python-level loop (a per-token loop cost as
        # much as building the Doc); only an email with unseen words loops, to replace them.
        ids: list[Any] = list(map(known.get, words))  # spaCy's stub says words are str
        if None in ids:
            ids = [
                known[known_form(word, known)] if orth is None else orth
                for word, orth in zip(words, ids, strict=True)
            ]
        return Doc(self.vocab, words=ids)

    def pipe(self, texts: Iterable[str], *, batch_size: int = 1000) -> Iterator[Doc]:
        """Tokenize many texts."""
        for text in texts:
            yield self(text)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The known words as JSON (empty when the vocabulary is open)."""
        if self.known_words is None:
            return b""
        return json.dumps(sorted(self.known_words), ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> WordTokenizer:
        """Read the known words written by `to_bytes`."""
        self._ids = None
        if data:
            self.close_vocabulary(json.loads(data.decode("utf-8")))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the known words (nothing when the vocabulary is open)."""
        data = self.to_bytes()
        if data:
            path = Path(path)
            path.mkdir(parents=True, exist_ok=True)
            (path / KNOWN_WORDS_FILE).write_bytes(data)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> WordTokenizer:
        """Load the known words; a model saved without them keeps an open vocabulary."""
        known_file = Path(path) / KNOWN_WORDS_FILE
        return self.from_bytes(known_file.read_bytes() if known_file.is_file() else b"")


def word_tokenizer(nlp: Language) -> WordTokenizer:
    """The pipeline's tokenizer, typed (spaCy declares ``nlp.tokenizer`` as any callable)."""
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, WordTokenizer):
        raise TypeError(
            f"the pipeline's tokenizer is {type(tokenizer).__name__}, not WordTokenizer"
        )
    return tokenizer


def create_word_tokenizer() -> Callable[[Language], WordTokenizer]:
    """Registered factory: the pipeline's config names it, so `spacy.load` rebuilds it."""

    def make_tokenizer(nlp: Language) -> WordTokenizer:
        return WordTokenizer(nlp.vocab)

    return make_tokenizer


# Registered by a call rather than as a decorator: the registry's decorator is untyped.
registry.tokenizers.register(TOKENIZER_NAME, func=create_word_tokenizer)
