"""Command-line subcommands: each module has `register(subparsers)` and a thin `run(args) -> int`."""
