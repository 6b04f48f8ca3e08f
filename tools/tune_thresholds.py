"""Grid-search the quadrant thresholds on the development half of the own set; report the held-out half.

The own set is split by id: odd numbers are the development half (used here to
choose `emotional_high` and `monetary_high`), even numbers the held-out half
that docs/evaluation.md reports separately. `decide` is pure, so the analyses
are computed once and only the decision is replayed per setting.

    python tools/tune_thresholds.py --profile fast
"""

from __future__ import annotations

import argparse
import itertools
import json

from humantouch.commands.triage import contact_from_record
from humantouch.decision import decide
from humantouch.engine import Engine
from humantouch.evaluation.own import load_cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="fast")
    args = parser.parse_args()
    engine = Engine.load(profile=args.profile)
    cases = load_cases()
    results = engine.triage_many([contact_from_record(c.record, c.record["id"]) for c in cases])
    dev = [i for i, c in enumerate(cases) if c.half_parity() == 1]
    test = [i for i, c in enumerate(cases) if c.half_parity() == 0]
    grid = [round(0.3 + 0.05 * k, 2) for k in range(9)]
    rows = []
    for e_high, m_high in itertools.product(grid, grid):
        book = engine.playbook.model_copy(
            update={
                "thresholds": engine.playbook.thresholds.model_copy(
                    update={"emotional_high": e_high, "monetary_high": m_high}
                )
            }
        )

        def acc(idx: list[int], book=book) -> float:
            hits = 0
            for i in idx:
                c = cases[i]
                customer = contact_from_record(c.record, "x").customer
                route = decide(results[i].analysis, customer, book).route
                hits += route == c.record["route"]
            return hits / len(idx)

        rows.append(
            {"emotional_high": e_high, "monetary_high": m_high, "dev": round(acc(dev), 4), "test": round(acc(test), 4)}
        )
    rows.sort(key=lambda r: -r["dev"])
    print(json.dumps({"best_on_dev": rows[0], "top5": rows[:5]}, indent=1))


if __name__ == "__main__":
    main()
