"""`humantouch agents`: `set-password` gives an agent a console sign-in (e-mail, password, role);
`update` changes their name, skills, capacity or whether they take work (as PATCH /v1/agents/{id}).

The password is read from a prompt (twice) or, for scripts, from standard input with
--password-stdin; it never appears on the command line, where `ps` and shell history see it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

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
    setpw.set_defaults(run=run)
    upd = actions.add_parser(
        "update",
        help="change an agent's name, skills, capacity or active",
        description="Only the options given change. An inactive agent gets no new conversations.",
    )
    upd.add_argument("agent_id", help="the agent's id, e.g. agt_...")
    upd.add_argument("--name", help="display name")
    upd.add_argument("--languages", type=_names, metavar="nl,en", help="languages, comma-separated ('' for none)")
    upd.add_argument("--intents", type=_names, metavar="A,B", help="intents they handle, comma-separated ('' for none)")
    upd.add_argument("--capacity", type=int, help="conversations at once (1-100)")
    active = upd.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_true", default=None, help="takes new work again")
    active.add_argument("--inactive", dest="active", action="store_false", help="gets no new conversations")
    upd.add_argument("--json", action="store_true", help="print the agent as JSON")
    upd.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    upd.set_defaults(run=run_update)


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def run_update(args: argparse.Namespace) -> int:
    from humantouch.service import agents
    from humantouch.service.context import SYSTEM, Service
    from humantouch.storage import migrated

    changes: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("name", "languages", "intents", "capacity", "active")
        if getattr(args, name) is not None
    }
    if "capacity" in changes and not 1 <= changes["capacity"] <= 100:
        raise InputError(
            f"--capacity {changes['capacity']} is out of range", hint="use 1 to 100", code="HT-IN-CAPACITY"
        )
    if "name" in changes and not changes["name"].strip():
        raise InputError("--name is empty", code="HT-IN-NAME")
    settings = load_settings(database_url=args.database_url)
    with migrated(settings.database_url) as db:
        agent = agents.update(Service(db=db, engine=_NoEngine()), SYSTEM, args.agent_id, changes)
    if args.json:
        print(json.dumps(agent))
    else:
        state = "active" if agent["active"] else "inactive"
        print(
            f"{agent['id']} {agent['name']}: {state}, capacity {agent['capacity']} (load {agent['load']}), "
            f"languages {','.join(agent['languages']) or '-'}, intents {','.join(agent['intents']) or '-'}"
        )
    return 0


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
