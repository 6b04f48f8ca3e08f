"""`humantouch email ingest FILE...`: take in raw e-mails (.eml, RFC 822) as inbound messages.

For a mail-fetching job (fetchmail, a maildir hook) or a one-off import. Every file is read and
parsed before anything is stored, so one bad file stops the run with nothing half-written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from humantouch.errors import InputError
from humantouch.models import PROFILES
from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("email", help="take in raw e-mails (RFC 822 files)")
    sub = parser.add_subparsers(dest="email_command", required=True, metavar="ACTION")
    ingest = sub.add_parser("ingest", help="store, analyse and route e-mail files like inbound messages")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE", help="raw RFC 822 message (.eml)")
    ingest.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    ingest.add_argument("--playbook", help="playbook YAML (default: the packaged playbook)")
    ingest.add_argument("--profile", choices=sorted(PROFILES), help="model profile")
    ingest.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.channels import Ignored, Inbound
    from humantouch.channels.email import read
    from humantouch.channels.threads import accept
    from humantouch.commands.serve import service_from
    from humantouch.engine import Engine
    from humantouch.storage import migrated

    settings = load_settings(database_url=args.database_url, playbook=args.playbook, profile=args.profile)
    parsed: list[tuple[Path, Inbound | Ignored]] = []
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", code="HT-IN-FILE") from exc
        parsed.append((path, read(raw, where=str(path))))
    with migrated(settings.database_url, pool_size=2) as db:
        svc = service_from(settings, db, Engine.load(settings.playbook, settings.profile))
        for path, item in parsed:
            if isinstance(item, Ignored):
                print(json.dumps({"file": str(path), "ignored": item.reason}))
                continue
            received = accept(svc, "email", item)
            response = received.response
            print(
                json.dumps(
                    {
                        "file": str(path),
                        "conversation_id": response["conversation"]["id"],
                        "message_id": response["message"]["id"],
                        "route": response["triage"]["route"],
                        "priority": response["triage"]["priority"],
                        "replayed": received.replayed,
                    }
                )
            )
    return 0
