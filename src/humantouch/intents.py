"""Intent classification: sentence embeddings + TF-IDF features into a linear head.

The head is a linear SVM or one-vs-rest logistic regressions, chosen by
cross-validation on the training examples with the embedding weight. The same
featuriser and heads serve the playbook's intents and the public benchmarks
(`humantouch eval banking77`), so the figures in docs/evaluation.md measure the
code that runs in production. Confidence is a softmax over the head's decision
scores; out-of-scope detection combines that confidence with the cosine
similarity to the nearest training example.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from humantouch.models import CachedEncoder, Matrix
from humantouch.text import normalize
from humantouch.tfidf import CharGramScores, TfidfRows, WordGramScores

# The linear heads fit() chooses between by cross-validation, with the embedding weight: on the packaged
# playbook (90-180 examples an intent) the SVM is the more accurate, on BANKING77 10-shot the logistic
# regressions (docs/evaluation.md).
HEADS = ("svm", "logistic")
# Each head's scale of its decision scores in the softmax, so that the top value behaves like a probability on
# held-out data. A one-vs-rest SVM's scores live around [-1.5, 1.5]: 6. The regressions' are log-odds: 2, the
# scale of least log-loss in 3-fold cross-validation on the packaged playbook's examples (1: 0.58, 2: 0.32,
# 3: 0.35; the SVM's 6: 0.30).
SOFTMAX_SCALES = {"svm": 6.0, "logistic": 2.0}
# The regressions' C. Cross-validation on BANKING77 10-shot training samples (seeds 0-2, never the test split)
# found 3, 10 and 30 within 0.3 point of each other and 3 the best; fixed, so cold starts fit no more heads.
LOGISTIC_C = 3.0
# Candidate weights of the embedding block against the TF-IDF block; fit() picks one by cross-validation.
EMBEDDING_WEIGHTS = (1.0, 2.0)


# How far above a similarity floor an example of the top intent must be for score() to skip the
# nearest-example search (see IntentScores). Two float32 dot products of 512-dimensional unit vectors,
# summed in different orders, differ by less than 512 * 2**-24 (3e-5); this is 30 times that.
SIMILARITY_MARGIN = 1e-3


@dataclass(frozen=True, slots=True)
class IntentScores:
    """Intent probabilities and each text's cosine similarity to the nearest training example.

    When score() was given a `similarity_floor` and, for every text, some training example of its
    most probable intent is at least the floor plus SIMILARITY_MARGIN similar, `nearest_similarity`
    holds that example's similarity: a lower bound of the nearest one, enough to know it is not
    below the floor (the only question the triage asks), found without reading every example.
    """

    labels: tuple[str, ...]
    probabilities: npt.NDArray[np.float64]  # (n, n_labels)
    nearest_similarity: npt.NDArray[np.float32]  # (n,)


class Featurizer:
    """Turns texts into one sparse row: [tfidf chars | tfidf words | weighted embeddings]."""

    def __init__(self, encoders: Sequence[CachedEncoder], embedding_weight: float = 1.0) -> None:
        self.encoders = list(encoders)
        self.embedding_weight = embedding_weight
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1, max_features=200_000, dtype=np.float32
        )
        self.words = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            token_pattern=r"(?u)\b\w+\b",
            dtype=np.float32,
        )
        self._fast: list[TfidfRows] | None = None

    def fit(self, texts: Sequence[str]) -> sparse.csr_matrix:
        self._fast = None
        norm = [normalize(t) for t in texts]
        tf = sparse.hstack([self.chars.fit_transform(norm), self.words.fit_transform(norm)])
        return self._combine(tf, self.embed(texts, known=True))

    def embed(self, texts: Sequence[str], known: bool = False) -> list[Matrix]:
        return [e.encode_known(texts) if known else e.encode(texts) for e in self.encoders]

    def transform(self, texts: Sequence[str], embeddings: list[Matrix] | None = None) -> sparse.csr_matrix:
        norm = [normalize(t) for t in texts]
        tf = sparse.hstack([self.chars.transform(norm), self.words.transform(norm)])
        return self._combine(tf, embeddings if embeddings is not None else self.embed(texts))

    def tfidf_rows(self) -> list[TfidfRows]:
        """Inference views of the two fitted TF-IDF blocks (chars, words), equal to their `transform`."""
        if self._fast is None:
            self._fast = [TfidfRows(self.chars), TfidfRows(self.words)]
        return self._fast

    def _combine(self, tf: sparse.spmatrix, embeddings: list[Matrix]) -> sparse.csr_matrix:
        blocks: list[sparse.spmatrix] = [tf]
        for emb in embeddings:
            blocks.append(sparse.csr_matrix(emb * self.embedding_weight))
        return sparse.hstack(blocks, format="csr")


def _estimator(head: str, c: float) -> LinearSVC | OneVsRestClassifier:
    # liblinear shuffles; fixed for reproducible figures. Its dual logistic solver is the fast one when there
    # are fewer examples than features (as here); one regression an intent, as the SVM's one-vs-rest.
    if head == "svm":
        return LinearSVC(C=c, random_state=0)
    if head == "logistic":
        return OneVsRestClassifier(LogisticRegression(C=LOGISTIC_C, solver="liblinear", dual=True, random_state=0))
    raise ValueError(f"unknown intent classifier head {head!r}, not one of {HEADS}")


class IntentClassifier:
    def __init__(self, featurizer: Featurizer, c: float = 1.0, head: str = "svm") -> None:
        """`c` is the SVM's C (the logistic head's is LOGISTIC_C); fit() may choose another head."""
        self.featurizer = featurizer
        self.c = c
        self.head = head
        self.model = _estimator(head, c)
        self.labels: tuple[str, ...] = ()
        self._train_vectors: Matrix | None = None
        self._train_labels: tuple[str, ...] = ()
        self._vectors_by_label: list[Matrix] | None = None
        self._coef_blocks: list[npt.NDArray[np.float64]] | None = None
        self._intercept = np.zeros(0, dtype=np.float64)
        self._char_scores: CharGramScores | None = None
        self._word_scores: WordGramScores | None = None

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        weights: Sequence[float] = EMBEDDING_WEIGHTS,
        heads: Sequence[str] = HEADS,
    ) -> IntentClassifier:
        """Fit; with several candidate embedding weights or heads, pick the pair by cross-validation on `texts`.

        The right balance between embeddings and TF-IDF depends on the data: with
        ten examples an intent, the embeddings generalise better; with sixty, the
        surface forms pull their weight. So does the head: with ten examples the
        logistic regressions do better, with a hundred the SVM. Cross-validation
        on the training data decides, so no test data is ever looked at.
        """
        if len(weights) * len(heads) > 1:
            self.featurizer.embedding_weight, self.head = self._cross_validate(texts, labels, weights, heads)
        else:
            if weights:
                self.featurizer.embedding_weight = float(weights[0])
            if heads:
                self.head = heads[0]
        self.model = _estimator(self.head, self.c)
        x = self.featurizer.fit(texts)
        self._coef_blocks = None
        self._char_scores = self._word_scores = None
        self.model.fit(x, list(labels))
        self.labels = tuple(str(c) for c in self.model.classes_)
        # Nearest-example similarity uses the first encoder's embeddings of the training texts.
        self._train_vectors = self.featurizer.encoders[0].encode_known(texts)
        self._train_labels = tuple(labels)
        self._vectors_by_label = None
        return self

    def _cross_validate(
        self, texts: Sequence[str], labels: Sequence[str], weights: Sequence[float], heads: Sequence[str]
    ) -> tuple[float, str]:
        candidates = [(float(w), h) for w in weights for h in heads]
        counts = Counter(labels)
        folds = min(3, min(counts.values()))
        if folds < 2:
            return candidates[0]
        # Every text is encoded once up front, so the folds only read the embedding cache.
        self.featurizer.embed(texts, known=True)
        y = np.asarray(labels)
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))

        Split = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

        def hits(job: tuple[tuple[float, str], Split]) -> tuple[tuple[float, str], int]:
            (w, head), (train, test) = job
            fold = IntentClassifier(Featurizer(self.featurizer.encoders, w), self.c)
            fold.fit([texts[i] for i in train], [labels[i] for i in train], weights=(w,), heads=(head,))
            predicted = fold.predict([texts[i] for i in test])
            return (w, head), sum(p == labels[i] for p, i in zip(predicted, test, strict=True))

        # liblinear releases the GIL, so two folds train at once on two cores (~40% less wall time).
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="humantouch-cv") as pool:
            results = list(pool.map(hits, [(pair, split) for pair in candidates for split in splits]))
        totals = dict.fromkeys(candidates, 0)
        for pair, n in results:
            totals[pair] += n
        # Ties go to the earlier candidate: the smaller weight, then the SVM, as before.
        return max(candidates, key=lambda pair: (totals[pair], -candidates.index(pair)))

    def score(
        self, texts: Sequence[str], embeddings: list[Matrix] | None = None, similarity_floor: float | None = None
    ) -> IntentScores:
        embeddings = embeddings if embeddings is not None else self.featurizer.embed(texts)
        decision = self._decision(texts, embeddings)
        if decision.shape[1] == 1 and len(self.labels) == 2:  # two classes: one column, positive for the second
            decision = np.hstack([-decision, decision])
        z = decision * SOFTMAX_SCALES[self.head]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return IntentScores(self.labels, p, self._nearest(embeddings[0], p, similarity_floor))

    def _nearest(
        self, vectors: Matrix, probabilities: npt.NDArray[np.float64], floor: float | None
    ) -> npt.NDArray[np.float32]:
        assert self._train_vectors is not None
        if floor is not None and len(vectors) and self._train_labels:
            # The examples of each text's top intent first (~1/30 of all): one of them is nearly always
            # similar enough to settle the floor question without the other 97%.
            by_label = self._examples_by_label()
            top = probabilities.argmax(axis=1)
            bounds: npt.NDArray[np.float32]
            if len(vectors) == 1 and len(by_label[int(top[0])]):  # one message: the same product, fewer steps
                bounds = (vectors @ by_label[int(top[0])].T).max(axis=1)
            else:
                bounds = np.full(len(vectors), -np.inf, dtype=np.float32)
                for k in np.unique(top).tolist():
                    rows = np.flatnonzero(top == k)
                    if len(by_label[k]):
                        bounds[rows] = (vectors[rows] @ by_label[k].T).max(axis=1)
            if bool((bounds >= floor + SIMILARITY_MARGIN).all()):
                return bounds
        # The same product as always (one matrix product over the batch), so the nearest similarity
        # of an unsettled batch is bit for bit what it was.
        sims = vectors @ self._train_vectors.T
        nearest: npt.NDArray[np.float32] = sims.max(axis=1) if sims.size else np.zeros(len(vectors), np.float32)
        return nearest

    def _examples_by_label(self) -> list[Matrix]:
        """The training vectors of each label (in `self.labels` order), each block contiguous."""
        if self._vectors_by_label is None:
            assert self._train_vectors is not None
            owner = np.asarray(self._train_labels)
            vectors = self._train_vectors
            self._vectors_by_label = [np.ascontiguousarray(vectors[owner == label]) for label in self.labels]
        return self._vectors_by_label

    def _decision(self, texts: Sequence[str], embeddings: list[Matrix]) -> npt.NDArray[np.float64]:
        """The head's decision scores, block by block: the same sum as decision_function on the stacked row."""
        if self._coef_blocks is None:
            # One row per intent (one alone for two intents), from the SVM or the regressions, one an intent.
            parts = self.model.estimators_ if isinstance(self.model, OneVsRestClassifier) else [self.model]
            coef = np.concatenate([np.asarray(p.coef_, dtype=np.float64) for p in parts])
            self._intercept = np.concatenate([np.asarray(p.intercept_, dtype=np.float64).reshape(-1) for p in parts])
            widths = [len(self.featurizer.chars.vocabulary_), len(self.featurizer.words.vocabulary_)]
            widths += [e.dim for e in self.featurizer.encoders]
            bounds = np.cumsum([0, *widths])
            blocks = [np.ascontiguousarray(coef[:, a:b].T) for a, b in itertools.pairwise(bounds)]
            self._char_scores = CharGramScores.fit(self.featurizer.chars, blocks[0])
            self._word_scores = WordGramScores.fit(self.featurizer.words, blocks[1])
            if self._char_scores is not None:  # it holds the character block's weights itself (13 MB)
                blocks[0] = np.zeros((0, coef.shape[0]), dtype=np.float64)
            self._coef_blocks = blocks
        blocks = self._coef_blocks
        # The intercept in every row (what np.tile made, without its Python-level reshaping).
        intercept = self._intercept
        out = np.empty((len(texts), len(intercept)), dtype=np.float64)
        out[:] = intercept
        chars, words = self.featurizer.tfidf_rows()
        char_scores, word_scores = self._char_scores, self._word_scores
        for i, text in enumerate(texts):
            norm = normalize(text)
            # The scorers sum in another order than the sparse product (the same up to rounding, ~1e-8),
            # with far fewer numpy calls; the row products remain for vectorizers they do not reproduce.
            out[i] += char_scores.scores(norm) if char_scores is not None else _row_product(chars, blocks[0], norm)
            out[i] += word_scores.scores(norm) if word_scores is not None else _row_product(words, blocks[1], norm)
        for emb, w in zip(embeddings, blocks[2:], strict=True):
            out += (emb.astype(np.float64) * self.featurizer.embedding_weight) @ w
        return out

    def remember_words(self, text: str) -> None:
        """Fill the per-word memory of the character block with the words of `text` (start-up, see engine)."""
        self._decision([text], [np.zeros((1, e.dim), dtype=np.float32) for e in self.featurizer.encoders])

    def state(self) -> dict[str, Any]:
        """The fitted parts, without the encoders: what the trained-model cache stores."""
        f = self.featurizer
        return {
            "chars": f.chars,
            "words": f.words,
            "embedding_weight": f.embedding_weight,
            "head": self.head,
            "model": self.model,
            "labels": self.labels,
            "train_vectors": self._train_vectors,
            "train_labels": self._train_labels,
        }

    @classmethod
    def from_state(cls, encoders: Sequence[CachedEncoder], state: dict[str, Any]) -> IntentClassifier:
        featurizer = Featurizer(encoders, state["embedding_weight"])
        featurizer.chars, featurizer.words = state["chars"], state["words"]
        clf = cls(featurizer, head=state["head"])
        clf.model, clf.labels, clf._train_vectors = state["model"], state["labels"], state["train_vectors"]
        clf._train_labels = tuple(state["train_labels"])
        return clf

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Labels for texts whose embeddings belong in the cache (training data, benchmark sets)."""
        scores = self.score(texts, self.featurizer.embed(texts, known=True))
        return [self.labels[i] for i in scores.probabilities.argmax(axis=1)]


def _row_product(rows: TfidfRows, w: npt.NDArray[np.float64], text: str) -> npt.NDArray[np.float64]:
    """What `csr_row @ w` computes: the terms added one by one, in the row's order."""
    cols, values = rows.row(text)
    if not len(cols):
        return np.zeros(w.shape[1], dtype=np.float64)
    product: npt.NDArray[np.float64] = (values.astype(np.float64)[:, None] * w[cols]).sum(axis=0)
    return product
