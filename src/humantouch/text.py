"""Text normalisation, tokens and lemmas for Dutch and English.

The normalised text has the same length as the original (one character in,
one character out), so every token offset found on it is also an offset into
what the customer wrote: evidence and entity spans can point at the real words.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import simplemma

_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch if len(ch) == 1 else " "
    if low.isascii():
        return low
    base = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    if len(base) == 1:
        return base
    # Characters such as "ß" or "æ" do not fold to one letter; keep them so
    # offsets stay aligned (the tokenizer treats them as separators).
    return low


FOLDED_CHARACTERS = 8192


class _Folded(dict[int, str]):
    """Code point -> its folded character (`_fold_char`), filled as characters are met: a `str.translate` table."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < FOLDED_CHARACTERS:  # bounded: a text of many rare characters cannot grow it for ever
            self[code] = folded
        return folded


_FOLDED = _Folded()


def normalize(text: str) -> str:
    """Lower-case and strip accents, keeping the length (and so the offsets) of `text`."""
    # Character by character, not `text.lower()` as a whole, which lengthens "İ" and makes a final "σ" a "ς";
    # on plain ASCII the two are the same, and most messages are plain ASCII.
    if text.isascii():
        return text.lower()
    return text.translate(_FOLDED)


class Token(NamedTuple):
    """One word of the normalised text with its lemmas.

    A named tuple rather than a frozen dataclass (as immutable, and internal to the analysis): a message
    makes ~25 tokens, and a tuple is built in ~0.2 us where the dataclass's frozen `__init__` took ~0.9 us.
    """

    text: str  # normalised surface form
    start: int
    end: int
    lemma_nl: str
    lemma_en: str


# A token's forms (text, Dutch lemma, English lemma: items 0, 3 and 4), to map over a message's tokens in one call.
token_forms: Callable[[Token], tuple[str, str, str]] = operator.itemgetter(0, 3, 4)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """simplemma's lemma, cached: its own look-up costs ~0.15 ms a word, the cache ~0.1 us."""
    if word.isdigit():
        return word
    result: str = simplemma.lemmatize(word, lang=lang)
    return normalize(result)


# Each word's (Dutch, English) lemmas: a plain dict, emptied when full, rather than an LRU cache, whose every
# hit also relinks its entry (more memory touched per word, right after the encoder has evicted the caches).
LEMMA_MEMORY = 200_000
_LEMMAS: dict[str, tuple[str, str]] = {}


def _lemmas_of(word: str) -> tuple[str, str]:
    pair = _LEMMAS.get(word)
    if pair is None:
        if len(_LEMMAS) >= LEMMA_MEMORY:
            _LEMMAS.clear()
        pair = _LEMMAS[word] = (lemma(word, "nl"), lemma(word, "en"))
    return pair


def tokenize(normalized: str) -> list[Token]:
    # The words by `findall` (no match object a word) and each one's offset by `str.find` from the end of the
    # one before: only separators lie between two words, so a word's first occurrence there is the word itself.
    make = Token._make
    known = _LEMMAS.get
    find = normalized.find
    tokens: list[Token] = []
    end = 0
    for word in _TOKEN.findall(normalized):
        start = find(word, end)
        end = start + len(word)
        tokens.append(make((word, start, end, *(known(word) or _lemmas_of(word)))))
    return tokens


def lemmas(tokens: list[Token], language: str) -> tuple[str, ...]:
    """The lemma sequence in the message's language (English lemmas for English, Dutch otherwise)."""
    if language == "en":
        return tuple(t.lemma_en for t in tokens)
    return tuple(t.lemma_nl for t in tokens)
