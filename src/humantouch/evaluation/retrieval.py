"""Retrieval quality on the project's own question set: top-1, MRR and correct refusals.

data/eval_retrieval.jsonl was written apart from the articles. Odd ids are the
development half (the answer threshold was chosen on it), even ids the held-out half.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from humantouch.errors import InputError
from humantouch.knowledge import KnowledgeIndex, Retrieval


def load_questions(path: str | Path | None = None) -> list[dict[str, Any]]:
    if path is None:
        text = (resources.files("humantouch") / "data" / "eval_retrieval.jsonl").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _parity(q: dict[str, Any]) -> int:
    digits = "".join(ch for ch in str(q["id"]) if ch.isdigit())
    return int(digits or 0) % 2


def score(questions: Sequence[dict[str, Any]], results: Sequence[Retrieval]) -> dict[str, float]:
    answerable = [(q, r) for q, r in zip(questions, results, strict=True) if q["answer"]]
    refusable = [(q, r) for q, r in zip(questions, results, strict=True) if not q["answer"]]
    top1 = sum(r.confident and r.best is not None and r.best.article_id == q["answer"] for q, r in answerable)
    found = sum(r.best is not None and r.best.article_id == q["answer"] for q, r in answerable)
    mrr = 0.0
    for q, r in answerable:
        ids = [h.article_id for h in r.hits]
        mrr += 1.0 / (ids.index(q["answer"]) + 1) if q["answer"] in ids else 0.0
    return {
        "answerable": len(answerable),
        "unanswerable": len(refusable),
        # Answered, and with the right article (a refusal of an answerable question counts as a miss).
        "top1_answered_correctly": round(top1 / len(answerable), 4) if answerable else 0.0,
        "top1_ranking": round(found / len(answerable), 4) if answerable else 0.0,
        "mrr": round(mrr / len(answerable), 4) if answerable else 0.0,
        "correct_refusals": round(sum(not r.confident for _, r in refusable) / len(refusable), 4) if refusable else 0.0,
    }


IntentFn = Callable[[str], dict[str, float]]


def _search(index: KnowledgeIndex, q: dict[str, Any], intents: IntentFn | None) -> Retrieval:
    return index.search(q["question"], q["lang"], intents=intents(q["question"]) if intents else None)


def evaluate(
    index: KnowledgeIndex, questions: Sequence[dict[str, Any]], intents: IntentFn | None = None
) -> dict[str, Any]:
    check_answers(index, questions)
    results = [_search(index, q, intents) for q in questions]
    report: dict[str, Any] = {
        "min_similarity": index.min_similarity,
        "min_confidence": index.min_confidence,
        "uses_intents": intents is not None,
        "all": score(questions, results),
    }
    for lang in ("nl", "en"):
        idx = [i for i, q in enumerate(questions) if q["lang"] == lang]
        report[lang] = score([questions[i] for i in idx], [results[i] for i in idx])
    for half, parity in (("dev", 1), ("held_out", 0)):
        idx = [i for i, q in enumerate(questions) if _parity(q) == parity]
        report[half] = score([questions[i] for i in idx], [results[i] for i in idx])
    return report


def check_answers(index: KnowledgeIndex, questions: Sequence[dict[str, Any]]) -> None:
    """Every expected answer must be an article of the index; a typo would silently count as a miss."""
    known = {a.id for a in index.articles}
    for q in questions:
        if q["answer"] and q["answer"] not in known:
            raise InputError(
                f"question {q['id']}: expected article {q['answer']!r} is not in the knowledge base",
                code="HT-EVAL-ARTICLE",
                hint=f"use one of: {', '.join(sorted(known))}",
            )


def calibrate(
    index: KnowledgeIndex, questions: Sequence[dict[str, Any]], grid: Sequence[float], intents: IntentFn | None = None
) -> float:
    """The answer threshold that maximises answered-correctly plus correct refusals on the dev half.

    With intent probabilities the threshold is on the confidence score, without them on similarity.
    """
    dev = [q for q in questions if _parity(q) == 1]
    attr = "min_confidence" if intents is not None else "min_similarity"
    original = getattr(index, attr)
    best, best_value = original, -1.0
    try:
        for t in grid:
            setattr(index, attr, t)
            s = score(dev, [_search(index, q, intents) for q in dev])
            value = s["top1_answered_correctly"] + s["correct_refusals"]
            if value > best_value:
                best, best_value = t, value
    finally:
        setattr(index, attr, original)
    return float(best)
