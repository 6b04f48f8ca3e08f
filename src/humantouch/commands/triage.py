"""`humantouch triage`: triage one text, or a JSON Lines file of contacts, from the command line."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from typing import IO, Any

from humantouch.engine import Engine
from humantouch.errors import InputError
from humantouch.models import PROFILES
from humantouch.records import Contact, CustomerContext, Triage

CUSTOMER_FIELDS = {
    "annual_value_eur",
    "tenure_years",
    "segment",
    "name",
    "form_of_address",
    "language",
    "recent_contacts",
}
EXIT_SOME_FAILED = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "triage",
        help="analyse contacts and decide their route",
        description="Triage one message (TEXT) or every line of a JSON Lines file (--jsonl).",
    )
    p.add_argument("text", nargs="?", help="the customer's message")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the explanation")
    p.add_argument("--jsonl", metavar="FILE", help="JSON Lines input ('-' for stdin); one output line per input line")
    p.add_argument("--channel", default="chat", help="channel of TEXT (chat, email, whatsapp, social, phone)")
    add_engine_options(p)
    p.set_defaults(run=run)


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--playbook", metavar="PATH", help="playbook YAML (default: the packaged default playbook)")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="accurate",
        help="model profile: accurate (default), fast (bulk), thorough (adds e5, slow), test (no models)",
    )


def contact_from_record(record: Any, where: str) -> Contact:
    """Build a Contact from one decoded input record; InputError says what is wrong and where."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: 'text' must be a non-empty string", hint='e.g. {"id": 1, "text": "..."}')
    channel = record.get("channel", "chat")
    if not isinstance(channel, str):
        raise InputError(f"{where}: 'channel' must be a string")
    customer = None
    raw = record.get("customer")
    if raw is not None:
        if not isinstance(raw, dict):
            raise InputError(f"{where}: 'customer' must be an object")
        unknown = set(raw) - CUSTOMER_FIELDS
        if unknown:
            raise InputError(
                f"{where}: unknown customer field(s) {sorted(unknown)}",
                hint=f"allowed: {', '.join(sorted(CUSTOMER_FIELDS))}",
            )
        for key in ("annual_value_eur", "tenure_years"):
            value = raw.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0
            ):
                raise InputError(f"{where}: customer.{key} must be a finite number >= 0")
        recent = raw.get("recent_contacts")
        if recent is not None and (isinstance(recent, bool) or not isinstance(recent, int) or recent < 0):
            raise InputError(f"{where}: customer.recent_contacts must be a whole number >= 0")
        for key in ("segment", "name", "language"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise InputError(f"{where}: customer.{key} must be a string")
        if raw.get("form_of_address") not in (None, "formal", "informal", "unknown"):
            raise InputError(f"{where}: customer.form_of_address must be formal, informal or unknown")
        customer = CustomerContext(**raw)
    history = record.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError(f"{where}: 'history' must be a list of strings")
    ident = record.get("id")
    return Contact(
        text=text, channel=channel, customer=customer, history=tuple(history), id=None if ident is None else str(ident)
    )


def read_jsonl(stream: IO[bytes]) -> Iterator[tuple[int, Contact | InputError, Any]]:
    for lineno, raw_line in enumerate(stream, start=1):
        ident = None
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield lineno, InputError(f"line {lineno}: not valid UTF-8 (byte {exc.start})"), ident
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            ident = record.get("id") if isinstance(record, dict) else None
            yield lineno, contact_from_record(record, f"line {lineno}"), ident
        except json.JSONDecodeError as exc:
            yield lineno, InputError(f"line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})"), ident
        except InputError as exc:
            yield lineno, exc, ident


def explain(t: Triage) -> str:
    a, d = t.analysis, t.decision
    lines = [
        f"route {d.route} (quadrant {d.quadrant}, priority {d.priority}, touch {d.touch})",
        f"emotional value {d.emotional_value:.2f}, monetary value {d.monetary_value:.2f}",
        f"language {a.language}; intent {a.intent.name} ({a.intent.confidence:.2f}); "
        f"sentiment {a.sentiment.label} ({a.sentiment.score:+.2f}); urgency {a.urgency.level}",
    ]
    if a.life_events:
        lines.append("life events: " + ", ".join(e.name for e in a.life_events))
    if a.entities:
        lines.append("entities: " + ", ".join(f"{s.type}={s.text}" for s in a.entities))
    if a.special_categories:
        lines.append("special categories: " + ", ".join(f"{s.type} ({s.text})" for s in a.special_categories))
    lines.append("reasons:")
    for r in d.reasons:
        lines.append(f"  {r.weight:+.2f}  {r.factor:<32} {r.evidence}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.jsonl is None):
        raise InputError("give either TEXT or --jsonl FILE", hint='humantouch triage "waar is mijn pakket?"')
    if args.text is not None and not args.text.strip():
        raise InputError("TEXT is empty: there is nothing to triage", hint='humantouch triage "waar is mijn pakket?"')
    engine = Engine.load(args.playbook, args.profile)
    if args.text is not None:
        t = engine.triage(Contact(text=args.text, channel=args.channel))
        print(json.dumps(t.to_dict(), ensure_ascii=False) if args.json else explain(t))
        return 0
    try:
        stream: IO[bytes] = sys.stdin.buffer if args.jsonl == "-" else open(args.jsonl, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(
            f"cannot read {args.jsonl}: {exc.strerror}", hint="give an existing JSON Lines file or -"
        ) from None
    failed = 0
    try:
        batch: list[tuple[int, Contact | InputError, Any]] = []
        for item in read_jsonl(stream):
            batch.append(item)
            if len(batch) >= 256:
                failed += _emit(engine, batch)
                batch = []
        failed += _emit(engine, batch)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if failed:
        print(f"{failed} line(s) failed; see the error records in the output", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0


def _emit(engine: Engine, batch: list[tuple[int, Contact | InputError, Any]]) -> int:
    """Triage the good lines of a batch in one go and print every line's result in input order."""
    good = [c for _, c, _ in batch if isinstance(c, Contact)]
    results = iter(engine.triage_many(good))
    failed = 0
    for lineno, item, ident in batch:
        if isinstance(item, InputError):
            failed += 1
            record = {"id": ident, "line": lineno, "error": item.to_dict()}
        else:
            record = next(results).to_dict()
            record["id"] = ident  # echoed as given: 1 stays a number, "1" a string
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return failed
