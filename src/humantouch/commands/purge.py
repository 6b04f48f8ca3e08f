"""`humantouch purge`: delete or anonymise what is past its retention (the worker also runs it)."""

from __future__ import annotations

import argparse
import json

from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("purge", help="delete or anonymise data past its retention period")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.privacy import retention
    from humantouch.storage import migrated, utcnow

    settings = load_settings(database_url=args.database_url)
    with migrated(settings.database_url) as db:
        counts = retention.purge(db, retention.policy_from(settings), utcnow())
    if args.json:
        print(json.dumps(counts, sort_keys=True))
    else:
        print("purged: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing was due"))
    return 0
