"""Search the decision's numbers on the development half of the own set; report the held-out half.

The own set is split by id: odd numbers are the development half (used here to
choose settings), even numbers the held-out half that docs/evaluation.md reports
separately. `decide` is pure, so the analyses are computed once and only the
decision is replayed per setting.

    python tools/tune_thresholds.py --profile fast                 # grid over the two quadrant thresholds
    python tools/tune_thresholds.py --random 1500 --seed 0         # every global weight at once
    python tools/tune_thresholds.py --random 2000 --seed 1 --local # life events and vulnerability, near the playbook

`--random` draws settings of the thresholds, the emotion, urgency, repeat-contact, amount and customer-value
weights and a multiplier on every intent's priors, uniformly in wide ranges; `--local` instead perturbs the
playbook's life-event and vulnerability weights and the thresholds (Gaussian, sd 0.12). Either prints the
playbook's own figures and the five best settings on the development half with their held-out figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections.abc import Callable
from typing import Any

from humantouch.commands.triage import contact_from_record
from humantouch.decision import decide
from humantouch.engine import Engine
from humantouch.evaluation.own import load_cases
from humantouch.playbook import Playbook

Scorer = Callable[[Playbook], dict[str, float]]


def scorer(engine: Engine) -> Scorer:
    cases = load_cases()
    results = engine.triage_many([contact_from_record(c.record, c.record["id"]) for c in cases])
    rows = [
        (r.analysis, contact_from_record(c.record, "x").customer, c.record, c.half_parity())
        for c, r in zip(cases, results, strict=True)
    ]

    def score(book: Playbook) -> dict[str, float]:
        hits = {0: 0, 1: 0}
        sizes = {0: 0, 1: 0}
        critical = 0
        for analysis, customer, record, half in rows:
            route = decide(analysis, customer, book).route
            sizes[half] += 1
            hits[half] += route == record["route"]
            critical += bool(record.get("critical")) and route == "automate"
        return {
            "dev": round(hits[1] / sizes[1], 4),
            "test": round(hits[0] / sizes[0], 4),
            "all": round((hits[0] + hits[1]) / (sizes[0] + sizes[1]), 4),
            "critical_errors": critical,
        }

    return score


def grid(playbook: Playbook, score: Scorer) -> list[dict[str, Any]]:
    steps = [round(0.3 + 0.05 * k, 2) for k in range(9)]
    rows = []
    for e_high, m_high in itertools.product(steps, steps):
        book = _with(playbook, {"emotional_high": e_high, "monetary_high": m_high})
        rows.append({"emotional_high": e_high, "monetary_high": m_high, **score(book)})
    return rows


GLOBAL_RANGES = {
    "emotional_high": (0.3, 0.7),
    "monetary_high": (0.3, 0.8),
    "anger": (0.0, 0.6),
    "fear": (0.0, 0.6),
    "sadness": (0.0, 0.6),
    "urgency_high": (0.0, 0.6),
    "repeat_contact": (0.0, 0.5),
    "amount": (0.0, 0.8),
    "customer_value": (0.0, 0.6),
    "emotional_prior_factor": (0.5, 1.8),
    "monetary_prior_factor": (0.5, 1.8),
}


def _with(playbook: Playbook, s: dict[str, float]) -> Playbook:
    """The playbook with the named settings replaced; names not given keep the playbook's value."""
    t, w = playbook.thresholds, playbook.weights
    thresholds = t.model_copy(update={k: s[k] for k in ("emotional_high", "monetary_high") if k in s})
    weights = w.model_copy(
        update={
            "emotion": {e: s.get(e, v) for e, v in w.emotion.items()},
            "urgency": {**w.urgency, "high": s.get("urgency_high", w.urgency["high"])},
            "repeat_contact": s.get("repeat_contact", w.repeat_contact),
            "amount": w.amount.model_copy(update={"weight": s.get("amount", w.amount.weight)}),
            "customer_value": w.customer_value.model_copy(
                update={"weight": s.get("customer_value", w.customer_value.weight)}
            ),
            "vulnerability": {v: s.get(f"vulnerability.{v}", x) for v, x in w.vulnerability.items()},
        }
    )
    ef, mf = s.get("emotional_prior_factor", 1.0), s.get("monetary_prior_factor", 1.0)
    intents = {
        name: spec.model_copy(
            update={
                "emotional_prior": min(1.0, spec.emotional_prior * ef),
                "monetary_prior": min(1.0, spec.monetary_prior * mf),
            }
        )
        for name, spec in playbook.intents.items()
    }
    events = {
        name: spec.model_copy(
            update={
                "emotional": s.get(f"life_event.{name}.emotional", spec.emotional),
                "monetary": s.get(f"life_event.{name}.monetary", spec.monetary),
            }
        )
        for name, spec in playbook.life_events.items()
    }
    return playbook.model_copy(
        update={"thresholds": thresholds, "weights": weights, "intents": intents, "life_events": events}
    )


def local_start(playbook: Playbook) -> dict[str, float]:
    start = {
        "emotional_high": playbook.thresholds.emotional_high,
        "monetary_high": playbook.thresholds.monetary_high,
        "repeat_contact": playbook.weights.repeat_contact,
    }
    start.update({f"vulnerability.{k}": v for k, v in playbook.weights.vulnerability.items()})
    for name, spec in playbook.life_events.items():
        start[f"life_event.{name}.emotional"] = spec.emotional
        start[f"life_event.{name}.monetary"] = spec.monetary
    return start


def randomly(playbook: Playbook, score: Scorer, trials: int, seed: int, local: bool) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = local_start(playbook)
    rows = []
    for _ in range(trials):
        if local:
            s = {k: min(1.0, max(0.0, round(v + rng.gauss(0, 0.12), 2))) for k, v in start.items()}
        else:
            s = {k: round(rng.uniform(lo, hi), 2) for k, (lo, hi) in GLOBAL_RANGES.items()}
        rows.append({"settings": s, **score(_with(playbook, s))})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--random", type=int, default=0, metavar="N", help="N random settings instead of the grid")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--local", action="store_true", help="perturb life events and vulnerability weights")
    args = parser.parse_args()
    engine = Engine.load(profile=args.profile)
    score = scorer(engine)
    playbook = engine.playbook
    rows = randomly(playbook, score, args.random, args.seed, args.local) if args.random else grid(playbook, score)
    rows.sort(key=lambda r: -r["dev"])
    print(json.dumps({"playbook": score(playbook), "best_on_dev": rows[0], "top5": rows[:5]}, indent=1))


if __name__ == "__main__":
    main()
