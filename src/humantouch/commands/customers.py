"""`humantouch customers find|erase|export`: find a customer by e-mail, phone, social handle or customer
number, and answer an erasure or access request from the shell.

Both are audited with the actor `cli:<user>`, so a request handled by an operator shows up in
the audit log like one through the API.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from humantouch.settings import load_settings

if TYPE_CHECKING:
    from humantouch.storage import Database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("customers", help="find, erase or export a customer")
    parser.add_argument("action", choices=["find", "erase", "export"])
    parser.add_argument("customer_id", help="the customer id; for find: KIND:VALUE, e.g. email:ria@example.nl")
    parser.add_argument("--yes", action="store_true", help="erase without asking")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.commands.serve import data_key_ring
    from humantouch.privacy import access, erasure
    from humantouch.service import Actor
    from humantouch.storage import migrated, utcnow

    settings = load_settings(database_url=args.database_url)
    actor = Actor(key_id=f"cli:{_user()}", role="admin")
    with migrated(settings.database_url) as db:
        if args.action == "find":
            return _find(db, args.customer_id)
        if args.action == "export":
            document = access.export(db, data_key_ring(settings), actor, args.customer_id, utcnow())
            json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
            print()
            return 0
        if not args.yes:
            answer = input(f"erase customer {args.customer_id} and everything about them? this cannot be undone [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "j", "ja"):
                print("nothing erased")
                return 1
        result = erasure.erase(db, actor, args.customer_id, utcnow())
    total = sum(result["rows"].values())
    print(f"erased customer {args.customer_id}: {total} rows ({json.dumps(result['rows'], sort_keys=True)})")
    return 0


def _find(db: Database, wanted: str) -> int:
    from humantouch.service.identities import normalize
    from humantouch.storage import repository as repo

    kind, _, value = wanted.partition(":")
    kind, value = normalize(kind, value)
    with db.read() as session:
        identity = repo.find_identity(session, kind, value)
        customer_id = repo.live_customer(session, identity.customer_id).id if identity else None
    if customer_id is None:
        print(f"no customer has {kind}:{value}")
        return 1
    print(customer_id)
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
