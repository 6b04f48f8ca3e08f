"""`humantouch train`: encode a playbook's examples ahead of time so `serve` starts fast.

The classifiers themselves train in a second or two at every start; what is
slow is encoding the examples (the e5 encoder does ~35 texts a second). Those
embeddings go to the cache directory, or with --output to a folder of your
choice (maintainers use it to refresh the cache shipped in the package).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from humantouch.commands.triage import add_engine_options


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train",
        help="encode a playbook's examples into the embedding cache",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    add_engine_options(p)
    p.add_argument(
        "--output",
        metavar="DIR",
        help="also write a cache of exactly the training texts here (maintainers: src/humantouch/data)",
    )
    p.add_argument(
        "--cross-validate",
        action="store_true",
        help="choose the classifier's embedding weight and head by cross-validation, whatever the playbook "
        "pins, and print them (pin them as classifier.embedding_weight and classifier.head for faster cold starts)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.engine import Engine
    from humantouch.models import default_cache_dir
    from humantouch.playbook import ClassifierSpec, load_playbook
    from humantouch.sentiment import load_emotion_examples

    book = load_playbook(args.playbook)
    if args.cross_validate:
        book = book.model_copy(update={"classifier": ClassifierSpec(embedding_weight="auto", head="auto")})
    engine = Engine.load(args.playbook, args.profile, playbook=book, cache_dir=default_cache_dir())
    if args.output:
        # Exactly the texts the engine trains on, so a refreshed package cache carries nothing stale.
        texts = engine.playbook.training_examples()[0] + load_emotion_examples()[0]
        files = [str(e.export(Path(args.output) / f"embeddings-{e.name}.npz", texts)) for e in engine.encoders]
    else:
        files = [str(default_cache_dir() / f"embeddings-{e.name}.npz") for e in engine.encoders]
    print(
        json.dumps(
            {
                "playbook": engine.playbook.name,
                "profile": args.profile,
                "load_seconds": round(engine.load_seconds, 2),
                "embedding_weight": engine.models.intents.featurizer.embedding_weight,
                "head": engine.models.intents.head,
                "cache_files": files,
            }
        )
    )
    return 0
