"""Classification metrics as pure functions over gold and predicted labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} labels, pred {len(pred)}")
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def per_label_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, float]:
    labels = sorted(set(gold) | set(pred)) if labels is None else list(labels)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    out = {}
    for label in labels:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        out[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Unweighted mean F1 over the labels present in gold (or the labels given)."""
    labels = sorted(set(gold)) if labels is None else list(labels)
    scores = per_label_f1(gold, pred, labels)
    return sum(scores.values()) / len(scores) if scores else 0.0


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Rows are gold labels, columns predicted labels, in the order of `labels`."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Agreement of two annotators beyond what their label frequencies give by chance."""
    if len(a) != len(b):
        raise ValueError(f"the first annotation has {len(a)} labels, the second {len(b)}")
    if not a:
        return 0.0
    n = len(a)
    observed = accuracy(a, b)
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in ca) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0
