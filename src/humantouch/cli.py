"""The `humantouch` command: a thin dispatcher over the subcommand modules.

Subcommands are a name -> dotted-path table, imported on first use, so `humantouch triage`
never imports the web stack and `humantouch serve` never trains a classifier it does not need.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from humantouch import __version__
from humantouch.errors import HumantouchError

COMMANDS: dict[str, str] = {
    "triage": "humantouch.commands.triage",
    "eval": "humantouch.commands.evaluate",
    "train": "humantouch.commands.train",
    "serve": "humantouch.commands.serve",
    "worker": "humantouch.commands.worker",
    "db": "humantouch.commands.db",
    "keys": "humantouch.commands.keys",
    "agents": "humantouch.commands.agents",
    "report": "humantouch.commands.report",
    "email": "humantouch.commands.email",
    "audit": "humantouch.commands.audit",
    "purge": "humantouch.commands.purge",
    "customers": "humantouch.commands.customers",
}


def build_parser(names: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="humantouch", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"humantouch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in names if names is not None else COMMANDS:
        importlib.import_module(COMMANDS[name]).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the module of the command asked for; fall back to all for --help.
    first = next((a for a in args_list if not a.startswith("-")), None)
    names = [first] if first in COMMANDS else None
    parser = build_parser(names)
    args = parser.parse_args(args_list)
    try:
        result: int = args.run(args)
        return result
    except HumantouchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`humantouch triage ... | head`): not an error, and no traceback.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
