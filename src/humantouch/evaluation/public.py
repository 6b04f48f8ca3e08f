"""Public benchmarks, read from a data folder (default ../shared/data), with the production featuriser.

Each function returns a dict of figures; nothing here is used for training the
engine's own models.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from humantouch.errors import InputError
from humantouch.evaluation.metrics import accuracy, macro_f1
from humantouch.intents import Featurizer, IntentClassifier
from humantouch.models import CachedEncoder
from humantouch.sentiment import NEGATIVE, EmotionModel, load_emotion_examples, sentiment_of

DATA_ENV = "HUMANTOUCH_DATA_DIR"


def data_dir(given: str | None) -> Path:
    candidates = [given, os.environ.get(DATA_ENV), "../shared/data", "shared/data"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise InputError(
        "the public evaluation data folder was not found",
        hint=f"pass --data DIR or set {DATA_ENV}; it holds banking77/, bitext-customer-support/, xed-emotion/, "
        "clinc150/ as described in docs/evaluation.md",
    )


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path} is missing", hint="check the data folder; docs/evaluation.md lists what it holds")
    return path


def _csv(path: Path, text: str, label: str) -> tuple[list[str], list[str]]:
    with _need(path).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r[text] for r in rows], [r[label] for r in rows]


def _fit_score(
    encoders: Sequence[CachedEncoder], train: tuple[list[str], list[str]], test: tuple[list[str], list[str]]
) -> dict[str, float]:
    clf = IntentClassifier(Featurizer(encoders)).fit(*train)
    embeddings = [e.encode_known(test[0]) for e in encoders]
    scores = clf.score(test[0], embeddings)
    pred = [clf.labels[i] for i in scores.probabilities.argmax(axis=1)]
    return {"accuracy": round(accuracy(test[1], pred), 4), "macro_f1": round(macro_f1(test[1], pred), 4)}


def banking77(
    root: Path, encoders: Sequence[CachedEncoder], shots: int | None = None, seeds: Sequence[int] = (0, 1, 2)
) -> dict[str, Any]:
    train = _csv(root / "banking77" / "train.csv", "text", "category")
    test = _csv(root / "banking77" / "test.csv", "text", "category")
    if shots is None:
        return {"task": "banking77", "train": len(train[0]), "test": len(test[0]), **_fit_score(encoders, train, test)}
    runs = []
    for seed in seeds:
        by_label: dict[str, list[str]] = defaultdict(list)
        for t, y in zip(*train, strict=True):
            by_label[y].append(t)
        rng = random.Random(seed)
        sample = [(t, y) for y, texts in sorted(by_label.items()) for t in rng.sample(texts, shots)]
        runs.append(_fit_score(encoders, ([t for t, _ in sample], [y for _, y in sample]), test)["accuracy"])
    return {
        "task": f"banking77_{shots}shot",
        "seeds": list(seeds),
        "accuracy_per_seed": runs,
        "accuracy": round(float(np.mean(runs)), 4),
        "test": len(test[0]),
    }


def bitext(root: Path, encoders: Sequence[CachedEncoder]) -> dict[str, Any]:
    """Train on the 20k release, test on the separate 8k release (exact duplicates of training texts removed)."""
    folder = root / "bitext-customer-support"
    train = _csv(folder / "bitext_customer_support_20k.csv", "utterance", "intent")
    test = _csv(folder / "bitext_customer_service_8k.csv", "utterance", "intent")
    seen = {t.strip().lower() for t in train[0]}
    labels = set(train[1])
    kept = [(t, y) for t, y in zip(*test, strict=True) if t.strip().lower() not in seen and y in labels]
    result = _fit_score(encoders, train, ([t for t, _ in kept], [y for _, y in kept]))
    return {
        "task": "bitext",
        "train": len(train[0]),
        "test": len(kept),
        "test_dropped_overlap_or_unknown_label": len(test[0]) - len(kept),
        "intents": len(labels),
        **result,
    }


_NEG = {1, 3, 4, 6}  # anger, disgust, fear, sadness
_POS = {5, 8}  # joy, trust


def _xed(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with _need(path).open(encoding="utf-8") as f:
        for line in f:
            if "\t" not in line:
                continue
            text, raw = line.rstrip("\n").rsplit("\t", 1)
            try:
                emotions = {int(x) for x in raw.split(",")}
            except ValueError:
                continue
            if emotions <= _NEG:
                texts.append(text)
                labels.append("negative")
            elif emotions <= _POS:
                texts.append(text)
                labels.append("positive")
    return texts, labels


def xed_dutch_polarity(root: Path, encoder: CachedEncoder) -> dict[str, Any]:
    """Polarity of Dutch XED lines, with no Dutch labels used in training.

    Two systems: (1) a classifier trained on the English human-annotated XED
    lines, transferred to Dutch through the multilingual encoder; (2) the
    engine's own emotion model (trained on the project's customer-service
    examples), read as negative/positive.
    """
    en = _xed(root / "xed-emotion" / "en-annotated.tsv")
    nl = _xed(root / "xed-emotion" / "nl-projections.tsv")
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    clf.fit(encoder.encode_known(en[0]), en[1])
    nl_vectors = encoder.encode_known(nl[0])
    pred = [str(p) for p in clf.predict(nl_vectors)]
    emotions = EmotionModel(encoder).fit(*load_emotion_examples())
    own = []
    for probs in emotions.probabilities(nl_vectors):
        scores = {e: probs.get(e, 0.0) for e in ("anger", "fear", "sadness", "joy")}
        label = sentiment_of(scores, 0.0).label
        if label == "neutral":
            label = "negative" if max(scores[e] for e in NEGATIVE) >= scores["joy"] else "positive"
        own.append(label)
    return {
        "task": "xed_nl_polarity",
        "train_en": len(en[0]),
        "test_nl": len(nl[0]),
        "majority_baseline": round(max(nl[1].count("negative"), nl[1].count("positive")) / len(nl[1]), 4),
        "transfer_from_english": {
            "accuracy": round(accuracy(nl[1], pred), 4),
            "macro_f1": round(macro_f1(nl[1], pred), 4),
        },
        "engine_emotion_model": {
            "accuracy": round(accuracy(nl[1], own), 4),
            "macro_f1": round(macro_f1(nl[1], own), 4),
        },
    }


def clinc150_oos(
    root: Path, encoders: Sequence[CachedEncoder], min_confidence: float, min_similarity: float
) -> dict[str, Any]:
    """In-scope accuracy and out-of-scope recall: an out-of-scope class plus the playbook's thresholds."""
    data = json.loads(_need(root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    # As in production, out-of-scope examples form a class of their own ("oos" here, "unknown" there).
    rows_train = data["train"] + data["oos_train"]
    train = ([t for t, _ in rows_train], [y for _, y in rows_train])
    clf = IntentClassifier(Featurizer(encoders)).fit(*train)
    rows = data["test"] + data["oos_test"]
    texts = [t for t, _ in rows]
    gold = [y for _, y in rows]
    scores = clf.score(texts, [e.encode_known(texts) for e in encoders])
    best = scores.probabilities.argmax(axis=1)
    conf = scores.probabilities.max(axis=1)
    pred = [
        "oos" if conf[i] < min_confidence or scores.nearest_similarity[i] < min_similarity else clf.labels[best[i]]
        for i in range(len(texts))
    ]
    ins = [i for i, g in enumerate(gold) if g != "oos"]
    oos = [i for i, g in enumerate(gold) if g == "oos"]
    return {
        "task": "clinc150_oos",
        "min_confidence": min_confidence,
        "min_similarity": min_similarity,
        "in_scope_accuracy": round(accuracy([gold[i] for i in ins], [pred[i] for i in ins]), 4),
        "oos_recall": round(sum(pred[i] == "oos" for i in oos) / len(oos), 4),
    }
