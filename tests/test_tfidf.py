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
from humantouch.tfidf import TfidfRows

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
