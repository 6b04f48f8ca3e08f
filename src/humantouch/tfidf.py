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

The intent classifier needs only a row's product with its SVM weights: `CharGramScores` and
`WordGramScores` compute that product directly (equal up to floating-point rounding), with fewer
look-ups and numpy calls than a row and its product; the rows remain for what they do not reproduce.
"""

from __future__ import annotations

import math
import re
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
        if not _tfidf_weighting(vectorizer):
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
        found = word_columns(self.vocabulary, self.low, self.high, word)
        if len(self._words) >= WORD_CACHE:
            self._words.clear()
        self._words[word] = found
        return found


def _tfidf_weighting(v: TfidfVectorizer) -> bool:
    """The weighting TfidfRows and the scorers reproduce: 1 + ln tf, idf, l2 norm."""
    return bool(v.sublinear_tf and v.use_idf and v.norm == "l2" and not v.binary)


def word_columns(vocabulary: dict[str, int], low: int, high: int, word: str) -> tuple[int, ...]:
    """The vocabulary columns of one word's n-grams, in scikit-learn's order (`_char_wb_ngrams`)."""
    cols: list[int] = []
    w = " " + word + " "
    w_len = len(w)
    for n in range(low, high + 1):
        offset = 0
        while True:
            col = vocabulary.get(w[offset : offset + n])
            if col is not None:
                cols.append(col)
            if offset + n >= w_len:
                break
            offset += 1
        if offset == 0:  # a word shorter than n counts once, whole
            break
    return tuple(cols)


class CharGramScores:
    """`row(text) @ weights` for a fitted `char_wb` vectorizer, summed word by word instead of column by column.

    A message's score vector is sum_c (1 + ln tf_c) * idf_c * W_c / norm over its ~300 n-gram columns c,
    and reading ~300 rows of W (34 floats each) from memory that the sentence encoder has just evicted was
    the largest part of the intent classifier's own time. An n-gram that occurs once (tf = 1, most of them)
    weighs idf_c * W_c, which belongs to its word: each word remembers the sum of those over its n-grams
    (one row of 34 floats instead of ~12), and the n-grams that occur more than once in the message are
    corrected afterwards with their true weight 1 + ln tf. The norm is summed the same way. The result
    equals the row's product up to floating-point rounding (the rows hold float32 values; this sums in
    float64), ~1e-7 relative: tests/test_tfidf.py.
    """

    def __init__(self, vectorizer: TfidfVectorizer, weights: npt.NDArray[np.float64]) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.low, self.high = vectorizer.ngram_range
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._labels = weights.shape[1]
        # Per column: idf_c * W_c, then idf_c ** 2 (the norm's term) in the last place, so one gather and one
        # sum give both.
        self._weighted = np.ascontiguousarray(np.hstack([weights * idf[:, None], (idf * idf)[:, None]]))
        # Each remembered word: its n-gram columns and the row of `_sums` that holds their `_weighted` rows
        # summed; a message's words are then summed in one call.
        self._sums = np.zeros((WORD_CACHE, self._labels + 1), dtype=np.float64)
        self._words: dict[str, tuple[tuple[int, ...], int]] = {}

    @classmethod
    def fit(cls, vectorizer: TfidfVectorizer, weights: npt.NDArray[np.float64]) -> CharGramScores | None:
        """The scorer, or None when `vectorizer` is not a plain `char_wb` one with TfidfRows' weighting."""
        v = vectorizer
        return cls(v, weights) if _tfidf_weighting(v) and _CharGramCounter.fit(v) is not None else None

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """The row of `text` times the weights: one score per weight column."""
        # Plain lists, Counter and few numpy calls: right after the sentence encoder, whose weights have
        # evicted the caches, every distinct numpy call costs several microseconds.
        words = text.lower().split()
        if len(words) > WORD_CACHE:  # more words than the memory holds: their n-grams summed one by one
            produced = [col for word in words for col in word_columns(self.vocabulary, self.low, self.high, word)]
            if not produced:
                return np.zeros(self._labels, dtype=np.float64)
            summed: npt.NDArray[np.float64] = np.add.reduce(self._weighted[produced], axis=0)
        else:
            # The memory is emptied before the message, never inside it: a word's row must hold its sum
            # until the message's rows are added up.
            if len(self._words) + len(words) > WORD_CACHE:
                self._words.clear()
            produced = []
            rows: list[int] = []
            memory = self._words
            for word in words:
                entry = memory.get(word)
                if entry is None:
                    entry = self._word(word)
                cols, row = entry
                if cols:
                    produced.extend(cols)
                    rows.append(row)
            if not rows:
                return np.zeros(self._labels, dtype=np.float64)
            summed = np.add.reduce(self._sums[rows], axis=0)
        total, squares = summed[: self._labels], float(summed[self._labels])
        counts = Counter(produced)
        if len(counts) < len(produced):  # some n-gram occurs more than once: weigh it 1 + ln tf, not tf
            cols_r = [col for col, n in counts.items() if n > 1]
            tf = np.array([counts[col] for col in cols_r], dtype=np.float64)
            weight = 1.0 + np.log(tf)
            repeated = self._weighted[cols_r]
            total -= (tf - weight) @ repeated[:, : self._labels]
            squares -= float((tf - weight * weight) @ repeated[:, self._labels])
        total /= math.sqrt(squares)
        return total

    def _word(self, word: str) -> tuple[tuple[int, ...], int]:
        """Remember `word` in the next free row; `scores` has made room for the message's words."""
        row = len(self._words)
        cols = word_columns(self.vocabulary, self.low, self.high, word)
        if cols:
            self._sums[row] = np.add.reduce(self._weighted[list(cols)], axis=0)
        entry = (cols, row)
        self._words[word] = entry
        return entry


class WordGramScores:
    """`row(text) @ weights` for a fitted `analyzer="word"` vectorizer, without its analyzer and sparse row.

    The word block of the intent classifier has ~35 columns a message, so its weights are read directly;
    what this saves is scikit-learn's analyzer chain and the separate row arrays (several numpy calls, each
    costly right after the sentence encoder). Equal to the row's product up to rounding: tests/test_tfidf.py.
    """

    def __init__(self, vectorizer: TfidfVectorizer, weights: npt.NDArray[np.float64]) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.low, self.high = vectorizer.ngram_range
        self._findall = re.compile(vectorizer.token_pattern).findall
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._weights = weights

    @classmethod
    def fit(cls, vectorizer: TfidfVectorizer, weights: npt.NDArray[np.float64]) -> WordGramScores | None:
        """The scorer, or None when `vectorizer` is configured in a way this does not reproduce."""
        v = vectorizer
        plain = (
            v.analyzer == "word"
            and v.input == "content"
            and v.preprocessor is None
            and v.tokenizer is None
            and v.stop_words is None
            and not v.strip_accents
            and v.lowercase
            and isinstance(v.token_pattern, str)
        )
        return cls(v, weights) if plain and _tfidf_weighting(v) else None

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """The row of `text` times the weights: one score per weight column."""
        tokens: list[str] = self._findall(text.lower())
        grams = list(tokens) if self.low == 1 else []
        for n in range(max(2, self.low), min(self.high, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        found = 0
        for gram in grams:
            col = vocabulary.get(gram)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
                found += 1
        if not counts:
            return np.zeros(self._weights.shape[1], dtype=np.float64)
        cols = np.fromiter(counts, dtype=np.intp, count=len(counts))  # one index array for both gathers
        values = self._idf[cols]
        if found > len(counts):  # some column more than once: weigh each 1 + ln tf (1.0 exactly for tf = 1)
            values *= 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values /= math.sqrt(values @ values)
        product: npt.NDArray[np.float64] = values @ self._weights[cols]
        return product
