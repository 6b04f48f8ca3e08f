"""`humantouch db upgrade|current|downgrade`: schema migrations on the configured database."""

from __future__ import annotations

import argparse

from humantouch.migrations import current_revision, downgrade, head_revision, upgrade
from humantouch.settings import load_settings
from humantouch.storage import Database, translate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="migrate the database schema",
        description="Migrate the database named by HUMANTOUCH_DATABASE_URL.",
    )
    parser.add_argument("action", choices=["upgrade", "current", "downgrade"])
    parser.add_argument(
        "revision",
        nargs="?",
        default=None,
        help="target revision (upgrade: default head; downgrade: required, e.g. base)",
    )
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(database_url=args.database_url)
    db = Database(settings.database_url)
    try:
        with translate():
            if args.action == "upgrade":
                upgrade(db.engine, args.revision or "head")
                print(f"database at revision {current_revision(db.engine)} (head {head_revision()})")
            elif args.action == "current":
                current = current_revision(db.engine)
                print(f"{current or 'empty'} (head {head_revision()})")
                return 0 if current == head_revision() else 1
            else:
                if not args.revision:
                    print("error: downgrade needs a target revision, e.g. `humantouch db downgrade base`")
                    return 2
                downgrade(db.engine, args.revision)
                print(f"database at revision {current_revision(db.engine) or 'empty'}")
    finally:
        db.dispose()
    return 0
