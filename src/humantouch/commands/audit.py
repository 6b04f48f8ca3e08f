"""`humantouch audit verify|show`: check the audit log's hash chain, or print its newest entries."""

from __future__ import annotations

import argparse
import json

from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="verify or show the audit log")
    parser.add_argument("action", choices=["verify", "show"])
    parser.add_argument("--limit", type=int, default=20, help="entries to show (show)")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.privacy import audit
    from humantouch.storage import migrated

    settings = load_settings(database_url=args.database_url)
    with migrated(settings.database_url) as db, db.read() as session:
        if args.action == "show":
            for entry in reversed(audit.entries(session, limit=args.limit)):
                print(json.dumps(entry, ensure_ascii=False))
            return 0
        result = audit.verify(session)
    if result.ok:
        print(f"audit log intact: {result.checked} entries, last hash {result.last_hash or '-'}")
        return 0
    print(f"audit log BROKEN at entry {result.broken_at}: {result.problem} ({result.checked} fine before it)")
    return 1
