"""Emotions and sentiment: a classifier over sentence embeddings plus lexicon rules.

No public model scores Dutch customer-service sentiment, so the classifier
learns from examples written for this project (data/emotions.yaml, Dutch and
English); the lexicon catches explicit words the classifier may miss and keeps
the evidence an agent can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from humantouch.lexicon import Hit
from humantouch.models import CachedEncoder, Matrix
from humantouch.playbook import packaged_yaml
from humantouch.records import EMOTIONS, Sentiment

LABELS = (*EMOTIONS, "neutral")
NEGATIVE = ("anger", "fear", "sadness")


def load_emotion_examples() -> tuple[list[str], list[str]]:
    data = packaged_yaml("emotions.yaml")
    texts: list[str] = []
    labels: list[str] = []
    for by_label in data.values():
        for label, examples in by_label.items():
            texts.extend(examples)
            labels.extend([label] * len(examples))
    return texts, labels


class EmotionModel:
    def __init__(self, encoder: CachedEncoder) -> None:
        self.encoder = encoder
        self.clf = LogisticRegression(C=4.0, max_iter=2000)
        self.labels: tuple[str, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> EmotionModel:
        self.clf.fit(self.encoder.encode_known(texts), list(labels))
        self.labels = tuple(str(c) for c in self.clf.classes_)
        return self

    def state(self) -> dict[str, Any]:
        return {"clf": self.clf, "labels": self.labels}

    @classmethod
    def from_state(cls, encoder: CachedEncoder, state: dict[str, Any]) -> EmotionModel:
        model = cls(encoder)
        model.clf, model.labels = state["clf"], state["labels"]
        return model

    def probabilities(self, embeddings: Matrix) -> list[dict[str, float]]:
        # predict_proba's softmax over the linear scores, without its per-call input checks.
        z = embeddings.astype(np.float64) @ self.clf.coef_.T + self.clf.intercept_
        z -= z.max(axis=1, keepdims=True)
        p: npt.NDArray[np.float64] = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return [dict(zip(self.labels, row, strict=True)) for row in p.tolist()]  # tolist: Python floats at once


def combine(probs: dict[str, float], hits: Sequence[Hit]) -> dict[str, float]:
    """Emotion scores in [0, 1]: the classifier's probability, raised by lexicon hits."""
    out = {e: probs.get(e, 0.0) for e in EMOTIONS}
    for emotion in EMOTIONS:
        n = sum(1 for h in hits if h.group == f"emotion.{emotion}")
        if n:
            out[emotion] = max(out[emotion], min(0.95, 0.55 + 0.15 * n))
    return out


def sentiment_of(emotions: dict[str, float], present: float) -> Sentiment:
    negative = max(emotions[e] for e in NEGATIVE)
    positive = emotions["joy"]
    difference = positive - negative
    # np.clip's result, without a numpy call for one number (NaN stays NaN as there).
    score = -1.0 if difference < -1.0 else 1.0 if difference > 1.0 else float(difference)
    if negative >= present and negative > positive:
        return Sentiment("negative", score)
    if positive >= present and positive > negative:
        return Sentiment("positive", score)
    return Sentiment("neutral", score)
