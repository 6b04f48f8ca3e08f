"""`humantouch eval`: print per-task figures for the own set and the public benchmarks."""

from __future__ import annotations

import argparse
import json
from typing import Any

from humantouch.commands.triage import add_engine_options

TARGETS = ("own", "retrieval", "conversations", "banking77", "banking77-10shot", "bitext", "xed", "clinc-oos", "public")


def _seeds(value: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(part) for part in value.split(","))
    except ValueError:
        message = f"'{value}' is not a comma-separated list of whole numbers, e.g. 0,1,2"
        raise argparse.ArgumentTypeError(message) from None
    return seeds


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate triage accuracy",
        description="Evaluate on the project's own triage set (default) or a public benchmark.",
    )
    p.add_argument(
        "target",
        nargs="?",
        default="own",
        choices=TARGETS,
        help="own (default), a public benchmark, or 'public' for all public ones",
    )
    p.add_argument("--set", dest="eval_set", metavar="FILE", help="own-set JSON Lines file (default: packaged)")
    p.add_argument("--data", metavar="DIR", help="public data folder (default ../shared/data or $HUMANTOUCH_DATA_DIR)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--show-errors", action="store_true", help="list the intent and route errors of the own set")
    p.add_argument("--knowledge", metavar="DIR", help="folder of knowledge articles (default: the packaged ones)")
    p.add_argument("--calibrate", action="store_true", help="retrieval: choose the answer threshold on the dev half")
    p.add_argument(
        "--seeds",
        type=_seeds,
        default=(0, 1, 2),
        metavar="N,N,...",
        help="banking77-10shot: the seeds that draw the ten training examples an intent (default 0,1,2)",
    )
    add_engine_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.target == "own":
        return _own(args)
    if args.target == "retrieval":
        return _retrieval(args)
    if args.target == "conversations":
        return _conversations(args)
    from pathlib import Path

    from humantouch.evaluation import public
    from humantouch.models import CachedEncoder, default_cache_dir, load_encoder, profile_spec
    from humantouch.playbook import load_playbook

    root = public.data_dir(args.data)
    names = profile_spec(args.profile).encoders
    # The benchmarks' embeddings (tens of thousands of texts) in a folder of their own: in the engine's cache
    # file every later start of the engine would read them into memory (~60,000 vectors: ~120 MB, ~1 s on 2 cores).
    cache: Path | None = None if args.profile == "test" else default_cache_dir() / "public"
    encoders = [CachedEncoder(load_encoder(n), cache) for n in names]
    thresholds = load_playbook(args.playbook).thresholds
    targets = (
        ["banking77", "banking77-10shot", "bitext", "xed", "clinc-oos"] if args.target == "public" else [args.target]
    )
    results: list[dict[str, Any]] = []
    try:
        for target in targets:
            if target == "banking77":
                results.append(public.banking77(root, encoders))
            elif target == "banking77-10shot":
                results.append(public.banking77(root, encoders, shots=10, seeds=args.seeds))
            elif target == "bitext":
                results.append(public.bitext(root, encoders))
            elif target == "xed":
                results.append(public.xed_dutch_polarity(root, encoders[0]))
            elif target == "clinc-oos":
                results.append(
                    public.clinc150_oos(
                        root, encoders, thresholds.intent_min_confidence, thresholds.out_of_scope_similarity
                    )
                )
            if not args.json:
                print(json.dumps({"profile": args.profile, **results[-1]}))
    finally:
        for e in encoders:
            e.save()
    if args.json:
        print(json.dumps({"profile": args.profile, "results": results}, indent=2))
    return 0


def _own(args: argparse.Namespace) -> int:
    from humantouch.engine import Engine
    from humantouch.evaluation.own import evaluate, format_report, load_cases

    engine = Engine.load(args.playbook, args.profile)
    report = evaluate(engine, load_cases(args.eval_set))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(format_report(report))
    if args.show_errors:
        for task, errors in report["errors"].items():
            print(f"\n{task} errors ({len(errors)}):")
            for e in errors:
                print(f"  {e['id']}: gold {e['gold']}, predicted {e['pred']}")
    return 0


def _retrieval(args: argparse.Namespace) -> int:
    from humantouch.engine import Engine
    from humantouch.evaluation.retrieval import calibrate, evaluate, load_questions
    from humantouch.knowledge import index_for, load_articles

    engine = Engine.load(args.playbook, args.profile)
    index = index_for(
        load_articles(args.knowledge), engine.encoders[0], engine.playbook.thresholds, engine.spec.max_embed_chars
    )
    questions = load_questions(args.eval_set)
    report: dict[str, Any] = {"profile": args.profile}
    if args.calibrate:
        grid = [round(0.8 + 0.05 * k, 3) for k in range(21)]
        report["calibrated_threshold"] = calibrate(index, questions, grid, engine.intent_probabilities)
    report.update(evaluate(index, questions, engine.intent_probabilities))
    print(json.dumps(report, indent=2))
    return 0


def _conversations(args: argparse.Namespace) -> int:
    """Scripted conversations through the real service on temporary SQLite databases."""
    from humantouch.engine import Engine
    from humantouch.evaluation.conversations import evaluate, load_conversations
    from humantouch.knowledge import index_for, load_articles

    engine = Engine.load(args.playbook, args.profile)
    index = index_for(
        load_articles(args.knowledge), engine.encoders[0], engine.playbook.thresholds, engine.spec.max_embed_chars
    )
    report = evaluate(lambda: engine, index, load_conversations(args.eval_set))
    if not args.json:
        report.pop("cases")  # --json adds every conversation turn by turn
    print(json.dumps({"profile": args.profile, **report}, indent=2, ensure_ascii=False))
    return 0
