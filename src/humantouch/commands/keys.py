"""`humantouch keys create|revoke`: API keys; the key itself is printed once and stored hashed."""

from __future__ import annotations

import argparse
import json
import sys

from humantouch.errors import ConfigError
from humantouch.service import keys
from humantouch.settings import Settings, load_settings
from humantouch.storage import Database, migrated


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="create or revoke API keys; new and rotate data keys")
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
    new_data = actions.add_parser("new-data-key", help="print a new data key entry (id:base64) for the key ring")
    new_data.add_argument("--id", help="the key id (default: random)")
    actions.add_parser(
        "rotate-data-key",
        help="re-encrypt every stored original with the first key of the ring, then list key use",
        parents=[common],
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "new-data-key":
        from humantouch.privacy.crypto import new_key_entry

        print(new_key_entry(args.id))
        print("# put it FIRST in HUMANTOUCH_DATA_KEYS (or the key file), keep the old keys after it", file=sys.stderr)
        return 0
    settings = load_settings(database_url=args.database_url)
    with migrated(settings.database_url) as db:
        if args.action == "rotate-data-key":
            return _rotate(db, settings)
        if args.action == "revoke":
            keys.revoke(db, args.key_id)
            print(f"revoked {args.key_id}")
            return 0
        new = keys.create(db, args.role, args.name or f"{args.role} key", agent_id=args.agent)
    if args.json:
        print(json.dumps({"id": new.id, "role": new.role, "key": new.plaintext}))
    else:
        print(new.plaintext)
        print(f"# id {new.id}, role {new.role}; this key is shown only now, store it safely")
    return 0


def _rotate(db: Database, settings: Settings) -> int:
    from humantouch.commands.serve import data_key_ring
    from humantouch.privacy.messages import key_usage, rotate

    ring = data_key_ring(settings)
    if ring is None:
        raise ConfigError("no data keys are configured", hint="set HUMANTOUCH_DATA_KEYS", code="HT-CFG-DATAKEY")
    done = rotate(db, ring)
    usage = key_usage(db)
    print(f"re-encrypted {done} originals with key {ring.active}")
    for key_id in ring.ids:
        state = "active" if key_id == ring.active else ("unused: may be removed" if not usage.get(key_id) else "in use")
        print(f"  {key_id}: {usage.get(key_id, 0)} originals ({state})")
    return 0
