"""`humantouch report --from --to --out FILE.html`: the scorecard as one self-contained HTML file."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from humantouch.errors import InputError, ModelError
from humantouch.records import Contact, Triage
from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the scorecard as an HTML file with charts",
        description="Write the scorecard of a period as one HTML file (charts included, no network needed).",
    )
    parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, help="last day (included), YYYY-MM-DD")
    parser.add_argument("--out", required=True, help="the HTML file to write")
    for name in ("channel", "language", "intent", "route", "quadrant", "agent-id"):
        parser.add_argument(f"--{name}", help=f"only this {name.replace('-', ' ')}")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


class _NoEngine:
    """The report computes from stored data only; it never loads the language models."""

    def __init__(self, playbook_path: str | None) -> None:
        from humantouch.playbook import load_playbook

        self.playbook = load_playbook(playbook_path)

    def triage(self, contact: Contact) -> Triage:
        raise ModelError("the report command does not triage")


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{flag} {value!r} is not a date", hint="use YYYY-MM-DD", code="HT-IN-PERIOD") from exc


def run(args: argparse.Namespace) -> int:
    from humantouch.feedback import report, scorecard
    from humantouch.feedback.config import FeedbackConfig
    from humantouch.service import Service
    from humantouch.storage import migrated

    settings = load_settings(database_url=args.database_url)
    start = datetime.combine(_day(args.start, "--from"), time(), UTC)
    end = datetime.combine(_day(args.end, "--to") + timedelta(days=1), time(), UTC)
    flt = scorecard.ScoreFilter(
        start, end, args.channel, args.language, args.intent, args.route, args.quadrant, args.agent_id
    )
    with migrated(settings.database_url) as db:
        svc = Service(db=db, engine=_NoEngine(settings.playbook), feedback=FeedbackConfig.from_settings(settings))
        card = scorecard.compute(svc, flt)
        ds = scorecard.dataset(svc, flt)
        splits = {by: scorecard.split(ds, by) for by in ("handler", "route", "quadrant", "channel", "language")}
        comparison = scorecard.compare(ds, "handler", "bot", "person")
        survey_counts = scorecard.survey_counts(ds)
    out = Path(args.out)
    out.write_text(report.render(card, splits, comparison, survey_counts), encoding="utf-8")
    print(f"wrote {out} ({card['counts']['conversations']} conversations, {args.start} to {args.end})")
    return 0
