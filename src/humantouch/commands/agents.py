"""`humantouch agents set-password`: give an agent a console sign-in (e-mail, password, role).

The password is read from a prompt (twice) or, for scripts, from standard input with
--password-stdin; it never appears on the command line, where `ps` and shell history see it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from humantouch.errors import InputError
from humantouch.records import Contact, Triage
from humantouch.service.ports import SlaTable
from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("agents", help="console sign-ins for agents")
    actions = parser.add_subparsers(dest="action", required=True)
    setpw = actions.add_parser("set-password", help="set an agent's console password (and e-mail, role)")
    setpw.add_argument("agent_id", help="the agent's id, e.g. agt_...")
    setpw.add_argument("--email", help="the e-mail address to sign in with (required the first time)")
    setpw.add_argument(
        "--role", choices=("agent", "supervisor", "admin"), help="console role (default: keep; new: agent)"
    )
    setpw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    setpw.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from humantouch.console import accounts
    from humantouch.service.context import SYSTEM, Service
    from humantouch.storage import migrated

    password = _read_password(args.password_stdin)
    settings = load_settings(database_url=args.database_url)
    with migrated(settings.database_url) as db:
        svc = Service(db=db, engine=_NoEngine())
        accounts.set_password(svc, SYSTEM, args.agent_id, password, email=args.email, role=args.role)
    print(f"password set for {args.agent_id}; their open console sessions were ended")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        raise InputError("the two passwords differ", code="HT-IN-PASSWORD")
    return first


class _NoEngine:
    """Setting a password needs no triage (nor the seconds it takes to load the models)."""

    @property
    def playbook(self) -> SlaTable:
        raise NotImplementedError("no engine in `humantouch agents`")

    def triage(self, contact: Contact) -> Triage:
        raise NotImplementedError("no engine in `humantouch agents`")
