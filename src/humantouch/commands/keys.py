"""`humantouch keys create|revoke`: API keys; the key itself is printed once and stored hashed."""

from __future__ import annotations

import argparse
import json

from humantouch.service import keys
from humantouch.settings import load_settings
from humantouch.storage import Database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="create or revoke API keys")
    actions = parser.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    create = actions.add_parser("create", help="create a key and print it once", parents=[common])
    create.add_argument("--role", required=True, choices=keys.ROLES)
    create.add_argument("--name", default="", help="what the key is for, e.g. 'whatsapp gateway'")
    create.add_argument("--agent", help="the agent id an agent key acts as")
    create.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    revoke = actions.add_parser("revoke", help="revoke a key by its id", parents=[common])
    revoke.add_argument("key_id")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(database_url=args.database_url)
    db = Database(settings.database_url)
    try:
        db.check_migrated()
        if args.action == "revoke":
            keys.revoke(db, args.key_id)
            print(f"revoked {args.key_id}")
            return 0
        new = keys.create(db, args.role, args.name or f"{args.role} key", agent_id=args.agent)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps({"id": new.id, "role": new.role, "key": new.plaintext}))
    else:
        print(new.plaintext)
        print(f"# id {new.id}, role {new.role}; this key is shown only now, store it safely")
    return 0
