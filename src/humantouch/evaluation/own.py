"""The project's own labelled triage set: per-task accuracy, macro-F1, routing confusion, critical errors.

The set (data/eval_triage.jsonl) was written separately from the playbook's
training examples and is never used to train anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from humantouch.commands.triage import contact_from_record
from humantouch.engine import Engine
from humantouch.evaluation.metrics import accuracy, cohen_kappa, confusion, macro_f1
from humantouch.records import Triage

ROUTES = ("automate", "assist", "human")
TASKS = ("language", "intent", "sentiment", "life_event", "urgency", "wants_human", "route")


@dataclass(frozen=True)
class Case:
    record: dict[str, Any]

    def half_parity(self) -> int:
        """1 for the development half (odd ids), 0 for the held-out half (even ids)."""
        digits = "".join(ch for ch in str(self.record["id"]) if ch.isdigit())
        return int(digits or 0) % 2

    def gold(self, task: str) -> str:
        r = self.record
        if task == "language":
            return str(r["lang"])
        if task == "life_event":
            return str(r["life_event"] or "none")
        if task == "wants_human":
            return str(bool(r["wants_human"])).lower()
        return str(r[task])


def load_cases(path: str | Path | None = None) -> list[Case]:
    if path is None:
        text = (resources.files("humantouch") / "data" / "eval_triage.jsonl").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return [Case(json.loads(line)) for line in text.splitlines() if line.strip()]


def load_second_routes() -> dict[str, str]:
    """A second, blind route annotation of the packaged set (id -> route), made from the written labelling
    policy alone, without the gold labels or the system's output (docs/evaluation.md)."""
    text = (resources.files("humantouch") / "data" / "eval_triage_second_routes.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {str(r["id"]): str(r["route"]) for r in rows}


def agreement(cases: Sequence[Case], pred_routes: Sequence[str], second: dict[str, str]) -> dict[str, Any] | None:
    """How often two people agree on the route, beside how often the system agrees with each; None when the
    second annotation does not cover these cases (another set given with --set)."""
    ids = [str(c.record["id"]) for c in cases]
    if not ids or any(i not in second for i in ids):
        return None
    gold = [c.gold("route") for c in cases]
    other = [second[i] for i in ids]
    return {
        "cases": len(ids),
        "gold_vs_second": round(accuracy(gold, other), 4),
        "kappa_gold_vs_second": round(cohen_kappa(gold, other), 4),
        "system_vs_gold": round(accuracy(gold, list(pred_routes)), 4),
        "system_vs_second": round(accuracy(other, list(pred_routes)), 4),
    }


def predicted(t: Triage, task: str, gold: str, playbook_events: dict[str, float]) -> str:
    a, d = t.analysis, t.decision
    if task == "language":
        return a.language
    if task == "intent":
        return a.intent.name
    if task == "sentiment":
        return a.sentiment.label
    if task == "life_event":
        names = [e.name for e in a.life_events]
        if gold in names:
            return gold
        return max(names, key=lambda n: playbook_events.get(n, 0.0)) if names else "none"
    if task == "urgency":
        return a.urgency.level
    if task == "wants_human":
        return str(a.wants_human).lower()
    return d.route


def evaluate(engine: Engine, cases: Sequence[Case]) -> dict[str, Any]:
    contacts = [contact_from_record({**c.record, "id": c.record["id"]}, c.record["id"]) for c in cases]
    results = engine.triage_many(contacts)
    events = {k: v.emotional for k, v in engine.playbook.life_events.items()}
    report: dict[str, Any] = {"profile": engine.profile, "cases": len(cases), "tasks": {}}
    for task in TASKS:
        gold = [c.gold(task) for c in cases]
        pred = [predicted(t, task, g, events) for t, g in zip(results, gold, strict=True)]
        by_lang = {}
        for lang in ("nl", "en"):
            idx = [i for i, c in enumerate(cases) if c.record["lang"] == lang]
            by_lang[lang] = round(accuracy([gold[i] for i in idx], [pred[i] for i in idx]), 4)
        halves = {}
        for half, parity in (("dev", 1), ("held_out", 0)):
            idx = [i for i, c in enumerate(cases) if c.half_parity() == parity]
            halves[half] = round(accuracy([gold[i] for i in idx], [pred[i] for i in idx]), 4)
        report["tasks"][task] = {
            "accuracy": round(accuracy(gold, pred), 4),
            "macro_f1": round(macro_f1(gold, pred), 4),
            "accuracy_by_language": by_lang,
            # Odd ids are the development half (thresholds were chosen on it), even ids the held-out half.
            "accuracy_by_half": halves,
        }
    gold_routes = [c.gold("route") for c in cases]
    pred_routes = [t.decision.route for t in results]
    report["route_confusion"] = {
        "labels": list(ROUTES),
        "rows_gold_cols_pred": confusion(gold_routes, pred_routes, ROUTES),
    }
    report["route_agreement"] = agreement(cases, pred_routes, load_second_routes())
    critical = []
    for c, t in zip(cases, results, strict=True):
        if c.record.get("critical") and t.decision.route == "automate":
            critical.append(
                {
                    "id": c.record["id"],
                    "text": c.record["text"],
                    "intent": t.analysis.intent.name,
                    "reasons": [r.factor for r in t.decision.reasons],
                }
            )
    report["critical_cases"] = sum(1 for c in cases if c.record.get("critical"))
    report["critical_errors"] = critical
    report["errors"] = {
        task: [
            {"id": c.record["id"], "gold": c.gold(task), "pred": predicted(t, task, c.gold(task), events)}
            for c, t in zip(cases, results, strict=True)
            if c.gold(task) != predicted(t, task, c.gold(task), events)
        ]
        for task in ("intent", "route")
    }
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"own triage set: {report['cases']} cases, profile {report['profile']}",
        "",
        f"{'task':<12} {'accuracy':>9} {'macro-F1':>9} {'nl':>7} {'en':>7} {'dev':>7} {'held-out':>9}",
    ]
    for task, m in report["tasks"].items():
        lines.append(
            f"{task:<12} {m['accuracy']:>9.3f} {m['macro_f1']:>9.3f} "
            f"{m['accuracy_by_language']['nl']:>7.3f} {m['accuracy_by_language']['en']:>7.3f} "
            f"{m['accuracy_by_half']['dev']:>7.3f} {m['accuracy_by_half']['held_out']:>9.3f}"
        )
    lines += [
        "",
        "routing confusion (rows gold, columns predicted):",
        f"{'':<10}" + "".join(f"{r:>10}" for r in ROUTES),
    ]
    for label, row in zip(ROUTES, report["route_confusion"]["rows_gold_cols_pred"], strict=True):
        lines.append(f"{label:<10}" + "".join(f"{n:>10}" for n in row))
    agree = report.get("route_agreement")
    if agree:
        lines += [
            "",
            f"route agreement on {agree['cases']} cases: gold vs a second blind annotation "
            f"{agree['gold_vs_second']:.3f} (Cohen's kappa {agree['kappa_gold_vs_second']:.2f}); "
            f"system vs gold {agree['system_vs_gold']:.3f}, "
            f"system vs the second annotation {agree['system_vs_second']:.3f}",
        ]
    lines += [
        "",
        f"critical errors (must never be automated, but were): {len(report['critical_errors'])}"
        f" of {report['critical_cases']} critical cases",
    ]
    for e in report["critical_errors"]:
        lines.append(f"  {e['id']}: {e['text'][:80]!r} -> intent {e['intent']}")
    return "\n".join(lines)
