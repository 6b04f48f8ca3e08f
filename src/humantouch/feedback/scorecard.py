"""The 4E scorecard (experience, effortless, efficiency, effectivity), response times, the
employee side and the closed loop, over a period and a filter; splits by segment and a
significance test between two segments.

`compute(svc, flt)` returns exactly the shape in spec/contracts.md (the console codes against
it); values are None where there is no data. dataset.py reads the tables; everything below
`summarize` is computed from plain records with the pure functions of metrics.py.
docs/feedback.md defines every figure.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select

from humantouch.errors import InputError
from humantouch.feedback import metrics
from humantouch.feedback.dataset import ConversationFacts, Dataset, load
from humantouch.feedback.reasons import REASONS
from humantouch.service.context import Service
from humantouch.service.views import iso
from humantouch.storage.tables import Conversation, Message

REASONS_PER_INTENT = 3
EXAMPLES_PER_REASON = 3


@dataclass(frozen=True, slots=True)
class ScoreFilter:
    start: datetime
    end: datetime
    channel: str | None = None
    language: str | None = None
    intent: str | None = None
    route: str | None = None
    quadrant: str | None = None
    agent_id: str | None = None


# How a figure can be split; "handler" is bot versus person.
SEGMENTS: dict[str, Callable[[ConversationFacts], str]] = {
    "route": lambda c: c.route,
    "quadrant": lambda c: c.quadrant,
    "channel": lambda c: c.channel,
    "intent": lambda c: c.intent or "unknown",
    "language": lambda c: c.language or "unknown",
    "agent": lambda c: c.agent_id or "none",
    "handler": lambda c: c.handler,
}


def query(flt: ScoreFilter) -> Select[Conversation]:
    if flt.end <= flt.start:
        raise InputError("the period ends before it starts", hint="give from before to", code="HT-IN-PERIOD")
    q = select(Conversation).where(Conversation.created_at >= flt.start, Conversation.created_at < flt.end)
    for column, value in (
        (Conversation.channel, flt.channel),
        (Conversation.language, flt.language),
        (Conversation.intent, flt.intent),
        (Conversation.route, flt.route),
        (Conversation.quadrant, flt.quadrant),
    ):
        if value is not None:
            q = q.where(column == value)
    if flt.agent_id is not None:
        replied = select(Message.conversation_id).where(Message.agent_id == flt.agent_id)
        q = q.where(or_(Conversation.assigned_agent_id == flt.agent_id, Conversation.id.in_(replied)))
    return q.order_by(Conversation.created_at, Conversation.id)


def dataset(svc: Service, flt: ScoreFilter) -> Dataset:
    with svc.db.read() as session:
        return load(session, query(flt), flt.start, flt.end, svc.clock())


def survey_counts(ds: Dataset) -> dict[str, Any]:
    """Surveys sent and answered for the period's conversations, and the response rate (pure)."""
    sent = [c for c in ds.conversations if c.survey is not None]
    done = len(answered(sent))
    return {"sent": len(sent), "answered": done, "response_rate": _r(metrics.response_rate(done, len(sent)))}


def compute(svc: Service, flt: ScoreFilter) -> dict[str, Any]:
    ds = dataset(svc, flt)
    card = summarize(ds, svc.feedback.cost_bot_contact_eur, svc.feedback.cost_human_contact_eur)
    if flt.agent_id is not None:
        card["employees"]["agents"] = [a for a in card["employees"]["agents"] if a["agent_id"] == flt.agent_id]
    return card


# --- from records to figures (pure) ---


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def _minutes(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> list[float]:
    return [(b - a).total_seconds() / 60 for a, b in pairs if a is not None and b is not None and b >= a]


def _p(values: list[float], q: float) -> float | None:
    return _r(metrics.percentile(values, q), 1)


def answered(convs: Iterable[ConversationFacts]) -> list[ConversationFacts]:
    return [c for c in convs if c.survey is not None and c.survey.answered]


def nps_scores(convs: Iterable[ConversationFacts]) -> list[int]:
    return [c.survey.nps for c in answered(convs) if c.survey is not None and c.survey.nps is not None]


def csat_scores(convs: Iterable[ConversationFacts]) -> list[int]:
    return [c.survey.csat for c in answered(convs) if c.survey is not None and c.survey.csat is not None]


def ces_scores(convs: Iterable[ConversationFacts]) -> list[int]:
    return [c.survey.ces for c in answered(convs) if c.survey is not None and c.survey.ces is not None]


def says_resolved(convs: Iterable[ConversationFacts]) -> list[bool]:
    return [c.survey.resolved for c in answered(convs) if c.survey is not None and c.survey.resolved is not None]


def _nps_dict(scores: list[int]) -> dict[str, Any]:
    result = metrics.nps(scores)
    if result is None:
        return {"value": None, "low": None, "high": None, "n": 0, "promoters": 0, "passives": 0, "detractors": 0}
    return result.to_dict()


def fcr_counts(convs: list[ConversationFacts], later: list[metrics.ContactSpan]) -> tuple[int, int]:
    """(held, resolved) for the first-contact resolution, so two segments can be tested."""
    resolved = sum(1 for c in convs if c.resolved_at is not None)
    fcr = metrics.first_contact_resolution([c.span() for c in convs], later)
    return (round(fcr * resolved) if fcr is not None else 0), resolved


def summarize(ds: Dataset, bot_cost: float, human_cost: float) -> dict[str, Any]:
    convs = ds.conversations
    person = [c for c in convs if c.by_person]
    bot_resolved = [c for c in convs if not c.by_person and c.resolved_at is not None]
    resolved = [c for c in convs if c.resolved_at is not None]
    told = says_resolved(convs)
    csats = csat_scores(convs)
    ces = ces_scores(convs)
    needed = sum(1 for c in convs if c.needed_person)
    return {
        "period": {"from": iso(ds.start), "to": iso(ds.end)},
        "counts": {
            "conversations": len(convs),
            "by_route": _count(c.route for c in convs),
            "by_quadrant": _count(c.quadrant for c in convs),
            "by_channel": _count(c.channel for c in convs),
        },
        "experience": {
            "nps": _nps_dict(nps_scores(convs)),
            "csat": {"value": _r(metrics.csat(csats)), "n": len(csats)},
            "sentiment_change": _r(
                metrics.sentiment_change(
                    (c.sentiment_first, c.sentiment_last)
                    for c in convs
                    if c.sentiment_first is not None and c.sentiment_last is not None
                )
            ),
        },
        "effortless": {
            "ces": {"mean": _r(metrics.ces(ces), 2), "n": len(ces)},
            "transfers": sum(c.transfers for c in convs),
            "facts_asked_twice": sum(c.facts_twice for c in convs),
        },
        "efficiency": {
            "automation_rate": _r(metrics.automation_rate(len(bot_resolved), len(convs))),
            "containment_held": _r(
                metrics.containment_held(
                    [
                        metrics.BotResolution(c.span(), c.survey.resolved if c.survey is not None else None)
                        for c in bot_resolved
                    ],
                    ds.later,
                )
            ),
            "handling_minutes_p50": _p(_minutes((c.first_person_at, c.resolved_at) for c in person), 50),
            "waiting_minutes_p50": _p(_minutes((c.handoff_at or c.created_at, c.first_person_at) for c in person), 50),
            "cost_per_contact": _r(metrics.cost_per_contact(len(convs) - needed, needed, bot_cost, human_cost), 2),
        },
        "effectivity": {
            "resolved_as_reported": _r(metrics.rate(sum(told), len(told))),
            "fcr": _r(metrics.first_contact_resolution([c.span() for c in convs], ds.later)),
            "reopen_rate": _r(metrics.reopen_rate(sum(1 for c in resolved if c.reopened), len(resolved))),
        },
        "response": _response(ds),
        "employees": _employees(ds, person),
        "loops": _loops(ds),
        "detraction_reasons": detraction_reasons(convs),
        "series": {"by_day": _by_day(ds)},
    }


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _response(ds: Dataset) -> dict[str, Any]:
    convs = ds.conversations
    first = _minutes((c.created_at, c.first_response_at) for c in convs)
    resolution = _minutes((c.created_at, c.resolved_at) for c in convs)
    cells: dict[tuple[str, str], list[tuple[datetime | None, datetime]]] = defaultdict(list)
    for c in convs:
        if c.needed_person and c.sla_due_at is not None:
            cells[(c.channel, c.priority)].append((c.first_person_at, c.sla_due_at))
    sla = []
    for (channel, priority), items in sorted(cells.items()):
        hit = metrics.sla_hit_rate(items, ds.now)
        counted = sum(1 for responded, due in items if responded is not None or ds.now > due)
        sla.append({"channel": channel, "priority": priority, "hit_rate": _r(hit), "n": counted})
    return {
        "first_response_minutes": {"p50": _p(first, 50), "p90": _p(first, 90)},
        "resolution_minutes": {"p50": _p(resolution, 50), "p90": _p(resolution, 90)},
        "sla": sla,
        "sla_hit_rate": _r(metrics.sla_hit_rate((i for items in cells.values() for i in items), ds.now)),
    }


def _employees(ds: Dataset, person: list[ConversationFacts]) -> dict[str, Any]:
    in_period = [p for p in ds.pulses if p.created_at >= ds.start and p.score is not None]
    load = Counter(c.agent_id for c in ds.conversations if c.agent_id)
    latest: dict[str, dict[str, Any]] = {}
    for p in sorted(ds.pulses, key=lambda p: p.created_at):
        entry = latest.setdefault(p.agent_id, {"pulse": None, "work_preference": None})
        if p.score is not None:
            entry["pulse"] = p.score
        if p.work_preference is not None:
            entry["work_preference"] = p.work_preference
    agents = [
        {
            "agent_id": agent_id,
            "name": name,
            "load": load.get(agent_id, 0),
            "pulse": latest.get(agent_id, {}).get("pulse"),
            "work_preference": latest.get(agent_id, {}).get("work_preference"),
        }
        for agent_id, name in sorted(ds.agent_names.items())
    ]
    return {
        "briefing_coverage": _r(metrics.rate(sum(1 for c in person if c.briefed), len(person))),
        "suggestion_use": _r(metrics.rate(sum(1 for c in person if c.suggestion_used), len(person))),
        "pulse_mean": _r(metrics.mean(float(p.score) for p in in_period if p.score is not None), 2),
        "agents": agents,
    }


def _loops(ds: Dataset) -> dict[str, Any]:
    f = ds.followups
    deltas = [x.next_nps - x.trigger_nps for x in f if x.next_nps is not None and x.trigger_nps is not None]
    return {
        "created": len(f),
        "closed_in_time": sum(1 for x in f if x.completed_at is not None and x.completed_at <= x.due_at),
        "open": sum(1 for x in f if x.status == "open"),
        "next_score_delta": _r(metrics.mean(float(d) for d in deltas), 2),
    }


def detraction_reasons(convs: Iterable[ConversationFacts]) -> list[dict[str, Any]]:
    """Per intent, the most frequent reasons detractors and "not resolved" answers gave, with examples."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in answered(convs):
        s = c.survey
        assert s is not None
        unhappy = (s.nps is not None and s.nps <= 6) or s.resolved is False
        if unhappy and s.reason is not None and s.comment:
            groups[(c.intent or "unknown", s.reason)].append(s.comment)
    per_intent: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for (intent, reason), comments in groups.items():
        per_intent[intent].append((reason, comments))
    out = []
    for intent, items in sorted(per_intent.items(), key=lambda kv: (-sum(len(c) for _, c in kv[1]), kv[0])):
        for reason, comments in sorted(items, key=lambda rc: (-len(rc[1]), rc[0]))[:REASONS_PER_INTENT]:
            out.append(
                {
                    "intent": intent,
                    "reason": REASONS.get(reason, reason),
                    "count": len(comments),
                    "examples": list(dict.fromkeys(comments))[:EXAMPLES_PER_REASON],
                }
            )
    return out


def _by_day(ds: Dataset) -> list[dict[str, Any]]:
    days: dict[str, list[ConversationFacts]] = defaultdict(list)
    for c in ds.conversations:
        days[c.created_at.date().isoformat()].append(c)
    out = []
    day = ds.start.date()
    last = (ds.end - timedelta(microseconds=1)).date()
    while day <= last:
        convs = days.get(day.isoformat(), [])
        nps = metrics.nps(nps_scores(convs))
        resolved_by_bot = sum(1 for c in convs if not c.by_person and c.resolved_at is not None)
        out.append(
            {
                "day": day.isoformat(),
                "conversations": len(convs),
                "nps": _r(nps.value, 1) if nps is not None else None,
                "sentiment": _r(metrics.mean(s for c in convs for s in c.sentiments), 3),
                "automation_rate": _r(metrics.automation_rate(resolved_by_bot, len(convs))),
            }
        )
        day += timedelta(days=1)
    return out


# --- segments ---


def _segment(by: str) -> Callable[[ConversationFacts], str]:
    if by not in SEGMENTS:
        raise InputError(f"cannot split by {by!r}", hint=f"use one of {', '.join(SEGMENTS)}", code="HT-IN-SEGMENT")
    return SEGMENTS[by]


def split(ds: Dataset, by: str) -> list[dict[str, Any]]:
    """The headline figures per segment (pure)."""
    key = _segment(by)
    groups: dict[str, list[ConversationFacts]] = defaultdict(list)
    for c in ds.conversations:
        groups[key(c)].append(c)
    out = []
    for name, convs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        nps = metrics.nps(nps_scores(convs))
        told = says_resolved(convs)
        resolved = [c for c in convs if c.resolved_at is not None]
        bot_resolved = sum(1 for c in resolved if not c.by_person)
        sent = [c for c in convs if c.survey is not None]
        out.append(
            {
                "segment": name,
                "conversations": len(convs),
                "surveys": len(sent),
                "response_rate": _r(metrics.response_rate(len(answered(sent)), len(sent))),
                "nps": _r(nps.value, 1) if nps else None,
                "nps_n": nps.n if nps else 0,
                "csat": _r(metrics.csat(csat_scores(convs))),
                "ces": _r(metrics.ces(ces_scores(convs)), 2),
                "resolved_as_reported": _r(metrics.rate(sum(told), len(told))),
                "fcr": _r(metrics.first_contact_resolution([c.span() for c in convs], ds.later)),
                "reopen_rate": _r(metrics.reopen_rate(sum(1 for c in resolved if c.reopened), len(resolved))),
                "automation_rate": _r(metrics.automation_rate(bot_resolved, len(convs))),
                "first_response_minutes_p50": _p(_minutes((c.created_at, c.first_response_at) for c in convs), 50),
            }
        )
    return out


def compare(ds: Dataset, by: str, a: str, b: str) -> dict[str, Any]:
    """Segment a against segment b: each difference with its two-sided p-value (pure).
    NPS: z-test on the +1/0/-1 means; CSAT, FCR and resolved-as-reported: two-proportion z-test;
    CES and sentiment change: Welch's t-test."""
    key = _segment(by)
    ca = [c for c in ds.conversations if key(c) == a]
    cb = [c for c in ds.conversations if key(c) == b]
    sat_a, sat_b = csat_scores(ca), csat_scores(cb)
    told_a, told_b = says_resolved(ca), says_resolved(cb)
    fcr_a, fcr_b = fcr_counts(ca, ds.later), fcr_counts(cb, ds.later)

    def change(convs: list[ConversationFacts]) -> list[float]:
        return [
            c.sentiment_last - c.sentiment_first
            for c in convs
            if c.sentiment_first is not None and c.sentiment_last is not None
        ]

    return {
        "by": by,
        "a": a,
        "b": b,
        "conversations": {"a": len(ca), "b": len(cb)},
        "nps": metrics.nps_difference(nps_scores(ca), nps_scores(cb)).to_dict(),
        "csat": metrics.two_proportions(
            sum(1 for s in sat_a if s >= 4), len(sat_a), sum(1 for s in sat_b if s >= 4), len(sat_b)
        ).to_dict(),
        "ces": metrics.welch([float(x) for x in ces_scores(ca)], [float(x) for x in ces_scores(cb)]).to_dict(),
        "fcr": metrics.two_proportions(fcr_a[0], fcr_a[1], fcr_b[0], fcr_b[1]).to_dict(),
        "resolved_as_reported": metrics.two_proportions(sum(told_a), len(told_a), sum(told_b), len(told_b)).to_dict(),
        "sentiment_change": metrics.welch(change(ca), change(cb)).to_dict(),
    }


# --- CSV ---


def to_csv(card: dict[str, Any]) -> str:
    """The scorecard as `metric,value` lines: nested keys joined with dots; list items named by
    their identifying fields (e.g. `response.sla.email.P2.hit_rate`, `series.by_day.2026-11-02.nps`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "value"])
    for name, value in _flatten("", card):
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()


IDENTIFYING = ("day", "agent_id", "channel", "priority", "intent", "reason")


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else str(k), v)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                ident = ".".join(str(item[k]) for k in IDENTIFYING if k in item) or str(i)
                rest = {k: v for k, v in item.items() if k not in IDENTIFYING}
                yield from _flatten(f"{prefix}.{ident}", rest)
            else:
                yield f"{prefix}.{i}", item
    else:
        yield prefix, value
