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
    p.add_argument("--output", metavar="DIR", help="write the embedding cache here instead of the cache directory")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.engine import Engine
    from humantouch.models import default_cache_dir

    cache = Path(args.output) if args.output else default_cache_dir()
    engine = Engine.load(args.playbook, args.profile, cache_dir=cache)
    files = [str(cache / f"embeddings-{e.name}.npz") for e in engine.encoders]
    print(
        json.dumps(
            {
                "playbook": engine.playbook.name,
                "profile": args.profile,
                "load_seconds": round(engine.load_seconds, 2),
                "cache_files": files,
            }
        )
    )
    return 0
