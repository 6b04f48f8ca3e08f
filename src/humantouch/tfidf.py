"""Inference-only TF-IDF rows from a fitted scikit-learn TfidfVectorizer, for one message at a time.

`TfidfVectorizer.transform` validates its input and builds a sparse matrix on every call, and
its character analyzer makes one Python string per n-gram (~600 for a 136-character
message): that was most of the engine's own time for a single message. Here a row comes
back as plain arrays (columns, values), and the character n-grams are counted word by word,
with each word's counts remembered: `char_wb` n-grams never cross a word, and customers'
words repeat (a word seen before costs one dictionary look-up instead of ~25 slices).

A row's columns come in the order in which scikit-learn's analyzer first produces them,
so sums over a row run in the same order as on scikit-learn's matrix and give the same
floating-point results; tests/test_tfidf.py holds the rows equal to `transform`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

Columns = npt.NDArray[np.intp]
Values = npt.NDArray[np.float32]
_NO_COLUMNS: Columns = np.zeros(0, dtype=np.intp)
_NO_VALUES: Values = np.zeros(0, dtype=np.float32)
# Words whose n-gram columns are remembered (~300 bytes each); the memory is forgotten when full.
WORD_CACHE = 20_000


class TfidfRows:
    """`row(text)`: the columns and values of the fitted vectorizer's TF-IDF row of `text`."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2") or vectorizer.binary:
            raise ValueError("TfidfRows supports sublinear_tf=True, use_idf=True, norm='l2' and binary=False only")
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
    """`char_wb` n-grams counted word by word, each word's counts remembered."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.low, self.high = vectorizer.ngram_range
        self._words: dict[str, tuple[int, ...]] = {}

    @classmethod
    def fit(cls, v: TfidfVectorizer) -> _CharGramCounter | None:
        """The counter for `v`, or None when `v` is configured in a way this does not reproduce."""
        plain = (
            v.analyzer == "char_wb"
            and v.input == "content"
            and v.preprocessor is None
            and not v.strip_accents
            and v.lowercase
        )
        return cls(v) if plain else None

    def count(self, text: str) -> tuple[Columns, npt.NDArray[np.int64]]:
        # scikit-learn: lower-case, split on white space, then each word's n-grams in turn.
        produced: list[int] = []
        words = self._words
        for word in text.lower().split():
            cols = words.get(word)
            produced.extend(cols if cols is not None else self._word(word))
        counts = Counter(produced)  # in first-production order, as dicts keep insertion order
        return (
            np.fromiter(counts, dtype=np.intp, count=len(counts)),
            np.fromiter(counts.values(), dtype=np.int64, count=len(counts)),
        )

    def _word(self, word: str) -> tuple[int, ...]:
        """The vocabulary columns of one word's n-grams, in scikit-learn's order (`_char_wb_ngrams`)."""
        vocab = self.vocabulary
        cols: list[int] = []
        w = " " + word + " "
        w_len = len(w)
        for n in range(self.low, self.high + 1):
            offset = 0
            while True:
                col = vocab.get(w[offset : offset + n])
                if col is not None:
                    cols.append(col)
                if offset + n >= w_len:
                    break
                offset += 1
            if offset == 0:  # a word shorter than n counts once, whole
                break
        found = tuple(cols)
        if len(self._words) >= WORD_CACHE:
            self._words.clear()
        self._words[word] = found
        return found
