"""Inference-only TF-IDF rows from a fitted scikit-learn TfidfVectorizer, for one message at a time.

`TfidfVectorizer.transform` validates its input and builds a sparse matrix on every call, and
its character analyzer makes one Python string per n-gram (~400 for a 110-character
message): that was most of the engine's own time for a single message. Here the
character n-grams are integers computed with numpy over the message's code points, and a
row comes back as plain arrays (columns, values).

The integer of an n-gram is exact, not a hash: each character of the fitted vocabulary is
a digit 1..A, every other character the digit A+1, and an n-gram is the number written
with those digits in base A+2 (bijective numeration: different strings, of any length,
give different numbers). So a message's n-gram matches a vocabulary column exactly when
the strings are equal, and n-grams with unseen characters match nothing, as before.

A row's columns come in the order in which scikit-learn's analyzer first produces them,
so sums over a row run in the same order as on scikit-learn's matrix and give the same
floating-point results; tests/test_tfidf.py holds the rows equal to `transform`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

Columns = npt.NDArray[np.intp]
Values = npt.NDArray[np.float32]
_NO_COLUMNS: Columns = np.zeros(0, dtype=np.intp)
_NO_VALUES: Values = np.zeros(0, dtype=np.float32)
_INT64_LIMIT = 2**63 - 1


class TfidfRows:
    """`row(text)`: the columns and values of the fitted vectorizer's TF-IDF row of `text`."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
            raise ValueError("TfidfRows supports sublinear_tf=True, use_idf=True and norm='l2' only")
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.width = len(vectorizer.vocabulary_)
        counter = _CharGramCounter.fit(vectorizer)
        self._count: Callable[[str], tuple[Columns, npt.NDArray[np.int64]]] = (
            counter.count if counter is not None else _AnalyzerCounter(vectorizer).count
        )

    def row(self, text: str) -> tuple[Columns, Values]:
        cols, counts = self._count(text)
        if not len(cols):
            return _NO_COLUMNS, _NO_VALUES
        # The same operations, in the same order, as the arithmetic this replaced.
        tf = counts.astype(np.float64)
        values = (1.0 + np.log(tf)) * self.idf[cols]
        values /= np.sqrt(values @ values)
        return cols, values.astype(np.float32)

    def rows(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The rows of `texts` as one sparse matrix (what `TfidfVectorizer.transform` returns)."""
        indptr = [0]
        indices: list[Columns] = []
        data: list[Values] = []
        for text in texts:
            cols, values = self.row(text)
            indices.append(cols)
            data.append(values)
            indptr.append(indptr[-1] + len(cols))
        return sparse.csr_matrix(
            (
                np.concatenate([_NO_VALUES, *data]),
                np.concatenate([_NO_COLUMNS, *indices]).astype(np.int32),
                np.asarray(indptr),
            ),
            shape=(len(texts), self.width),
        )


class _AnalyzerCounter:
    """Any vectorizer: its own analyzer, counted in first-occurrence order."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.analyze = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_

    def count(self, text: str) -> tuple[Columns, npt.NDArray[np.int64]]:
        counts: dict[int, int] = {}
        vocab = self.vocabulary
        for gram in self.analyze(text):
            col = vocab.get(gram)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        return np.fromiter(counts, dtype=np.intp, count=len(counts)), np.fromiter(
            counts.values(), dtype=np.int64, count=len(counts)
        )


class _CharGramCounter:
    """`char_wb` n-grams as exact integers (see the module docstring)."""

    def __init__(self, alphabet: list[str], low: int, high: int, vocabulary: dict[str, int]) -> None:
        self.codes = np.array([ord(c) for c in alphabet], dtype=np.int64)  # sorted: alphabet is sorted
        self.low, self.high = low, high
        self.base = len(alphabet) + 2
        digit = {c: i + 1 for i, c in enumerate(alphabet)}
        keys = np.empty(len(vocabulary), dtype=np.int64)
        columns = np.empty(len(vocabulary), dtype=np.intp)
        for i, (gram, col) in enumerate(vocabulary.items()):
            key = 0
            for c in gram:
                key = key * self.base + digit[c]
            keys[i], columns[i] = key, col
        order = np.argsort(keys, kind="stable")
        self.keys, self.columns = keys[order], columns[order]
        if len(self.keys) and bool((self.keys[1:] == self.keys[:-1]).any()):  # pragma: no cover - cannot happen
            raise AssertionError("two vocabulary n-grams share a key")

    @classmethod
    def fit(cls, v: TfidfVectorizer) -> _CharGramCounter | None:
        """The counter for `v`, or None when `v` is configured in a way this does not reproduce."""
        low, high = v.ngram_range
        plain = (
            v.analyzer == "char_wb"
            and v.input == "content"
            and v.preprocessor is None
            and v.tokenizer is None
            and not v.strip_accents
            and v.lowercase
            and not v.binary
            # A word shorter than the smallest n (padded: 3 characters) counts once, whole; windows do not.
            and low <= 3
        )
        if not plain:
            return None
        alphabet = sorted({c for gram in v.vocabulary_ for c in gram})
        if (len(alphabet) + 2) ** high > _INT64_LIMIT:
            return None
        return cls(alphabet, low, high, v.vocabulary_)

    def count(self, text: str) -> tuple[Columns, npt.NDArray[np.int64]]:
        words = text.lower().split()
        if not words:
            return _NO_COLUMNS, np.zeros(0, dtype=np.int64)
        # Every word padded with a space on each side, back to back: " w1  w2 ". A window across two
        # words contains two spaces in a row, which no vocabulary n-gram does, so it matches nothing.
        padded = " " + "  ".join(words) + " "
        points = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        size = len(points)
        at = np.searchsorted(self.codes, points)
        np.minimum(at, len(self.codes) - 1, out=at)
        digits = np.where(self.codes[at] == points, at + 1, self.base - 1)
        # The windows of every n, n by n, in one array: one look-up for all of them.
        blocks = [digits] if self.low == 1 else []
        keys = digits
        for n in range(2, self.high + 1):
            keys = keys[:-1] * self.base + digits[n - 1 :]
            if n >= self.low:
                blocks.append(keys)
        windows = np.concatenate(blocks)
        at = np.searchsorted(self.keys, windows)
        np.minimum(at, len(self.keys) - 1, out=at)
        hit = np.flatnonzero(self.keys[at] == windows)
        if not len(hit):
            return _NO_COLUMNS, np.zeros(0, dtype=np.int64)
        cols = self.columns[at[hit]]
        # Where each hit starts and its n, from the block it lies in.
        block_sizes = np.maximum(np.arange(size - self.low + 1, size - self.high, -1), 0)
        block_ends = np.cumsum(block_sizes)
        block = np.searchsorted(block_ends, hit, side="right")
        start = hit - (block_ends - block_sizes)[block]
        word = np.repeat(np.arange(len(words)), np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2)
        # scikit-learn's analyzer goes word by word, within a word n by n, then left to right.
        produced = (word[start] * (self.high + 1) + block) * size + start
        # Group by column (each group in production order), then order the groups by first production.
        by_column = np.lexsort((produced, cols))
        cols, produced = cols[by_column], produced[by_column]
        first = np.flatnonzero(np.concatenate(([True], cols[1:] != cols[:-1])))
        counts = np.diff(np.append(first, len(cols)))
        order = np.argsort(produced[first], kind="stable")
        return cols[first][order], counts[order].astype(np.int64)
