"""Regression guards on the own evaluation set with the real models (default profile).

The floors sit a little under the figures in docs/evaluation.md, so a change that
makes triage worse fails here before anyone reads the report. Critical errors
have no slack: a contact that must never be automated must never be automated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from humantouch.evaluation.metrics import accuracy, confusion, macro_f1
from humantouch.evaluation.own import evaluate, format_report, load_cases
from tests.support.engine import real_engine


@lru_cache(maxsize=1)
def report() -> dict[str, Any]:
    return evaluate(real_engine("accurate"), load_cases())


def test_no_critical_errors() -> None:
    assert report()["critical_cases"] >= 100
    assert report()["critical_errors"] == []


def test_accuracy_floors() -> None:
    tasks = report()["tasks"]
    floors = {"language": 0.96, "intent": 0.86, "life_event": 0.92, "wants_human": 0.96, "route": 0.77}
    for task, floor in floors.items():
        assert tasks[task]["accuracy"] >= floor, (task, tasks[task]["accuracy"])


def test_report_renders_every_task() -> None:
    text = format_report(report())
    for task in report()["tasks"]:
        assert task in text
    assert "critical errors" in text


def test_metrics_by_hand() -> None:
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    assert accuracy(gold, pred) == 0.6
    # F1: a = 2*(1/2*1/2)/(1) = 0.5; b = 2*(2/3*1)/(5/3) = 0.8; c = 0
    assert abs(macro_f1(gold, pred) - (0.5 + 0.8 + 0.0) / 3) < 1e-9
    assert confusion(gold, pred, ["a", "b", "c"]) == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
