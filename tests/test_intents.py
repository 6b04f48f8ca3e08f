"""The intent classifier's fast inference path must equal scikit-learn's own."""

from __future__ import annotations

import numpy as np
import pytest

from humantouch.intents import HEADS, SIMILARITY_MARGIN, Featurizer, IntentClassifier
from humantouch.models import CachedEncoder, HashingEncoder
from humantouch.sentiment import EmotionModel
from humantouch.text import normalize

TRAIN = [
    ("waar is mijn pakket", "order_status"),
    ("pakket niet ontvangen", "order_status"),
    ("where is my parcel", "order_status"),
    ("track and trace werkt niet", "order_status"),
    ("ik wil opzeggen", "cancel"),
    ("abonnement stopzetten graag", "cancel"),
    ("cancel my subscription", "cancel"),
    ("contract beëindigen per direct", "cancel"),
    ("mijn pas is gestolen", "card"),
    ("creditcard kwijt", "card"),
    ("my card was stolen", "card"),
    ("pinpas geblokkeerd door automaat", "card"),
]
TEST = ["waar blijft mijn bestelling?", "I want to cancel", "pas gestolen!!", "Ünïcödé tekst 123", ""]


@pytest.mark.parametrize("head", HEADS)
def test_fast_decision_equals_sklearn(head: str) -> None:
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN], weights=(1.5,), heads=(head,)
    )
    assert clf.head == head
    embeddings = clf.featurizer.embed(TEST)
    reference = clf.model.decision_function(clf.featurizer.transform(TEST, embeddings))
    np.testing.assert_allclose(clf._decision(TEST, embeddings), reference, rtol=1e-4, atol=1e-5)


def test_cross_validation_picks_a_candidate_weight_and_head() -> None:
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN], weights=(1.0, 2.0)
    )
    assert clf.featurizer.embedding_weight in (1.0, 2.0)
    assert clf.head in HEADS
    assert clf.predict(["my card was stolen"]) == ["card"]


def test_an_unknown_head_is_refused() -> None:
    with pytest.raises(ValueError, match="head"):
        IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())]), head="forest")


def test_emotion_probabilities_equal_predict_proba() -> None:
    encoder = CachedEncoder(HashingEncoder())
    model = EmotionModel(encoder).fit(
        ["boos!!", "woedend", "blij", "super blij", "bang", "zo bang"], ["anger", "anger", "joy", "joy", "fear", "fear"]
    )
    emb = encoder.encode(["ik ben boos", "blij!"])
    got = model.probabilities(emb)
    want = model.clf.predict_proba(emb)
    for row, ref in zip(got, want, strict=True):
        np.testing.assert_allclose([row[label] for label in model.labels], ref, rtol=1e-6)


def test_decision_equals_the_sparse_products() -> None:
    """What `intercept + chars @ w + words @ w + embeddings @ w` gives on scipy's sparse rows: the words and
    embedding blocks bit for bit; the character block sums word by word (CharGramScores), equal up to rounding."""
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN], weights=(1.5,), heads=("svm",)
    )
    texts = [*TEST, *(t for t, _ in TRAIN), "pakket pakket waar waar 😊 İstanbul"]
    embeddings = clf.featurizer.embed(texts)
    got = clf._decision(texts, embeddings)
    want = np.tile(np.asarray(clf.model.intercept_, dtype=np.float64), (len(texts), 1))
    norm = [normalize(t) for t in texts]
    blocks = [rows.rows(norm) for rows in clf.featurizer.tfidf_rows()]  # scipy sparse rows of each TF-IDF block
    coef = np.asarray(clf.model.coef_, dtype=np.float64)
    start = 0
    for block in blocks:
        want += block @ coef[:, start : start + block.shape[1]].T
        start += block.shape[1]
    want += (embeddings[0].astype(np.float64) * clf.featurizer.embedding_weight) @ coef[:, start:].T
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(got, want)  # the word-by-word sums did run


def test_a_similarity_floor_answers_the_floor_question_as_the_full_search_does() -> None:
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN], weights=(1.0,), heads=("svm",)
    )
    texts = [*TEST, *(t for t, _ in TRAIN), "mijn pakket is gestolen", "zzz", "abonnement pas"]
    embeddings = clf.featurizer.embed(texts)
    batches = [[i] for i in range(len(texts))] + [list(range(len(texts)))]
    settled = 0
    for floor in (-1.0, 0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.999):
        for rows in batches:
            batch, vectors = [texts[i] for i in rows], [e[rows] for e in embeddings]
            full = clf.score(batch, vectors).nearest_similarity
            got = clf.score(batch, vectors, similarity_floor=floor).nearest_similarity
            assert ((got < floor) == (full < floor)).all()
            assert (got <= full + 1e-4).all()  # a lower bound, or the nearest itself
            if (got >= floor + SIMILARITY_MARGIN).all():
                settled += not np.array_equal(got, full)
            else:
                assert np.array_equal(got, full)  # not settled: bit for bit the full search
    assert settled  # the shortcut was taken


@pytest.mark.parametrize("head", HEADS)
def test_the_state_keeps_the_training_labels_and_the_head(head: str) -> None:
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in TRAIN], [y for _, y in TRAIN], weights=(1.0,), heads=(head,)
    )
    again = IntentClassifier.from_state(clf.featurizer.encoders, clf.state())
    assert again.head == head
    texts = ["waar is mijn pakket", "card stolen"]
    embeddings = clf.featurizer.embed(texts)
    a = clf.score(texts, embeddings, similarity_floor=0.1)
    b = again.score(texts, embeddings, similarity_floor=0.1)
    assert np.array_equal(a.nearest_similarity, b.nearest_similarity)
    assert np.array_equal(a.probabilities, b.probabilities)


@pytest.mark.parametrize("head", HEADS)
def test_a_playbook_of_two_intents_gets_both(head: str) -> None:
    """With two classes the heads give one column (positive: the second label); both labels must come out."""
    two = [(t, y) for t, y in TRAIN if y in ("order_status", "card")]
    assert {y for _, y in two} == {"order_status", "card"}
    clf = IntentClassifier(Featurizer([CachedEncoder(HashingEncoder())])).fit(
        [t for t, _ in two], [y for _, y in two], weights=(1.0,), heads=(head,)
    )
    scores = clf.score([t for t, _ in two])
    assert scores.probabilities.shape == (len(two), 2)
    np.testing.assert_allclose(scores.probabilities.sum(axis=1), 1.0)
    assert clf.predict([t for t, _ in two]) == [y for _, y in two]


def test_the_playbook_offers_exactly_the_heads_the_classifier_has() -> None:
    """`ClassifierSpec.head` lists the heads as a Literal (the playbook module does not import the models)."""
    from typing import get_args

    from humantouch.playbook import ClassifierSpec

    assert get_args(ClassifierSpec.model_fields["head"].annotation) == ("auto", *HEADS)
