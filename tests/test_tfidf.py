"""TfidfRows must give the fitted vectorizer's own rows: same columns, counts, order and values."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from humantouch.intents import Featurizer
from humantouch.models import CachedEncoder, HashingEncoder
from humantouch.text import normalize
from humantouch.tfidf import CharGramScores, TfidfRows, WordGramScores

CORPUS = [
    "Waar is mijn pakket? Al 3 dagen niks gehoord 😡",
    "where is my parcel, ordered on the 12th",
    "ik wil mijn abonnement opzeggen per direct",
    "Mijn pas is gestolen!! help",
    "café crème, naïve coöperatie, Straße, İstanbul",
    "thanks 🙏 top service",
    "a b c d e",
    "e-mail: jan@example.nl tel 06-12345678",
]
ODD = [
    "",
    " ",
    "\t\n ",
    "a",
    "ab",
    "  a   b  ",
    "İstanbul",  # lower() makes two characters of one
    "ﬁne ﬂow",  # ligatures: not in the alphabet
    "😊😊 😊",
    "\ud800 lone surrogate",
    "x\u00a0y\u2003z",  # no-break and em spaces split words
    "ΣΊΣΥΦΟΣ σοφός",
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "pakket pakket pakket pakket",
    "waar is mijn pakket? " * 40,
]


def _texts() -> list[str]:
    rnd = random.Random(7)
    words = " ".join(CORPUS).split()
    alphabet = "abcdeé éß İ\t\n😊🤬xyz12 .,!?ÅﬁΣσς\u00a0"
    texts = [*CORPUS, *ODD]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(300)]
    texts += [" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 40))) for _ in range(300)]
    return texts


def _reference(vectorizer: TfidfVectorizer, text: str) -> tuple[list[int], list[int]]:
    """Columns in the order scikit-learn's analyzer first produces them, with their counts."""
    counts = Counter(g for g in vectorizer.build_analyzer()(text) if g in vectorizer.vocabulary_)
    return [vectorizer.vocabulary_[g] for g in counts], list(counts.values())


def _fitted() -> Featurizer:
    featurizer = Featurizer([CachedEncoder(HashingEncoder())])
    featurizer.fit(CORPUS)
    return featurizer


@pytest.mark.parametrize("block", ["chars", "words"])
def test_rows_equal_the_vectorizer(block: str) -> None:
    vectorizer: TfidfVectorizer = getattr(_fitted(), block)
    rows = TfidfRows(vectorizer)
    texts = [normalize(t) for t in _texts()]
    for text in texts:
        cols, values = rows.row(text)
        assert cols.tolist() == _reference(vectorizer, text)[0], text
        assert values.dtype == np.float32
    np.testing.assert_allclose(rows.rows(texts).toarray(), vectorizer.transform(texts).toarray(), rtol=1e-6, atol=1e-7)


def test_char_counts_follow_the_analyzer() -> None:
    vectorizer = _fitted().chars
    counter = TfidfRows(vectorizer)._count
    for text in [normalize(t) for t in _texts()]:
        cols, counts = counter(text)
        assert (cols.tolist(), counts.tolist()) == _reference(vectorizer, text), text


def test_other_configurations_fall_back_to_the_analyzer() -> None:
    for params in ({"analyzer": "char_wb", "ngram_range": (4, 5)}, {"analyzer": "char", "ngram_range": (1, 3)}):
        vectorizer = TfidfVectorizer(sublinear_tf=True, **params).fit(CORPUS)  # type: ignore[arg-type]
        rows = TfidfRows(vectorizer)
        texts = _texts()
        np.testing.assert_allclose(rows.rows(texts).toarray(), vectorizer.transform(texts).toarray(), rtol=1e-6)


def test_a_full_word_memory_is_forgotten_and_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    from humantouch import tfidf

    vectorizer = _fitted().chars
    monkeypatch.setattr(tfidf, "WORD_CACHE", 3)
    counter = TfidfRows(vectorizer)._count
    for text in [normalize(t) for t in _texts()[:200]] * 2:
        cols, counts = counter(text)
        assert (cols.tolist(), counts.tolist()) == _reference(vectorizer, text), text


def test_char_scores_equal_the_row_products() -> None:
    """CharGramScores: the character block's rows times a weight matrix, word by word (repeated n-grams too)."""
    vectorizer = _fitted().chars
    weights = np.random.default_rng(3).normal(size=(len(vectorizer.vocabulary_), 5))
    scores = CharGramScores.fit(vectorizer, weights)
    assert scores is not None
    texts = [normalize(t) for t in _texts()]
    want = vectorizer.transform(texts).astype(np.float64) @ weights
    for _ in range(2):  # first with new words, then from the memory
        got = np.stack([scores.scores(t) for t in texts])
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert any(len(set(t.split())) < len(t.split()) for t in texts)  # repeated words were among them


def test_char_scores_with_a_full_word_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The word memory fills up in the middle of a message: the words read before must keep their sums."""
    from humantouch import tfidf

    vectorizer = _fitted().chars
    weights = np.random.default_rng(5).normal(size=(len(vectorizer.vocabulary_), 4))
    monkeypatch.setattr(tfidf, "WORD_CACHE", 5)
    scores = CharGramScores.fit(vectorizer, weights)
    assert scores is not None
    texts = [normalize(t) for t in _texts()[:200]] * 2  # many with more words than the memory holds
    want = vectorizer.transform(texts).astype(np.float64) @ weights
    got = np.stack([scores.scores(t) for t in texts])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert any(len(set(t.split())) > 5 for t in texts)


def test_char_scores_only_for_plain_char_vectorizers() -> None:
    weights = np.zeros((len(_fitted().words.vocabulary_), 2))
    assert CharGramScores.fit(_fitted().words, weights) is None
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=False).fit(CORPUS)
    assert CharGramScores.fit(chars, np.zeros((len(chars.vocabulary_), 2))) is None


@pytest.mark.parametrize("ngram_range", [(1, 2), (1, 1), (2, 3)])
def test_word_scores_equal_the_row_products(ngram_range: tuple[int, int]) -> None:
    vectorizer = TfidfVectorizer(
        analyzer="word", ngram_range=ngram_range, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
    ).fit([normalize(t) for t in CORPUS])
    weights = np.random.default_rng(5).normal(size=(len(vectorizer.vocabulary_), 4))
    scores = WordGramScores.fit(vectorizer, weights)
    assert scores is not None
    texts = [normalize(t) for t in _texts()]
    want = vectorizer.transform(texts).astype(np.float64) @ weights
    np.testing.assert_allclose(np.stack([scores.scores(t) for t in texts]), want, rtol=1e-6, atol=1e-6)


def test_word_scores_only_for_plain_word_vectorizers() -> None:
    assert WordGramScores.fit(_fitted().chars, np.zeros((len(_fitted().chars.vocabulary_), 2))) is None
    stop = TfidfVectorizer(analyzer="word", sublinear_tf=True, stop_words=["de"]).fit(CORPUS)
    assert WordGramScores.fit(stop, np.zeros((len(stop.vocabulary_), 2))) is None
