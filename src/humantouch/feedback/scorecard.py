"""STUB from the console stream (issue 7); the feedback stream's file replaces it on merge.

`compute(svc, flt)` returns the scorecard dict of /work/spec/contracts.md. This stub fills
what the conversations alone tell (counts, conversations per day) and leaves every measure
that needs surveys, pulses or loops as None, which is what the console shows as "no data yet".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from humantouch.service.context import Service
from humantouch.service.views import iso
from humantouch.storage.tables import Conversation


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


def compute(svc: Service, flt: ScoreFilter) -> dict[str, Any]:
    query = select(Conversation).where(Conversation.created_at >= flt.start, Conversation.created_at < flt.end)
    for column, value in (
        (Conversation.channel, flt.channel),
        (Conversation.language, flt.language),
        (Conversation.intent, flt.intent),
        (Conversation.route, flt.route),
        (Conversation.quadrant, flt.quadrant),
        (Conversation.assigned_agent_id, flt.agent_id),
    ):
        if value is not None:
            query = query.where(column == value)
    with svc.db.read() as session:
        rows = session.scalars(query).all()
        per_day = Counter(r.created_at.date().isoformat() for r in rows)
        return {
            "period": {"from": iso(flt.start), "to": iso(flt.end)},
            "counts": {
                "conversations": len(rows),
                "by_route": dict(Counter(r.route for r in rows)),
                "by_quadrant": dict(Counter(r.quadrant for r in rows)),
                "by_channel": dict(Counter(r.channel for r in rows)),
            },
            "experience": {"nps": None, "csat": None, "sentiment_change": None},
            "effortless": {"ces": None, "transfers": None, "facts_asked_twice": None},
            "efficiency": {
                "automation_rate": None,
                "containment_held": None,
                "handling_minutes_p50": None,
                "waiting_minutes_p50": None,
                "cost_per_contact": None,
            },
            "effectivity": {"resolved_as_reported": None, "fcr": None, "reopen_rate": None},
            "response": {"first_response_minutes": None, "resolution_minutes": None, "sla": [], "sla_hit_rate": None},
            "employees": {"briefing_coverage": None, "suggestion_use": None, "pulse_mean": None, "agents": []},
            "loops": {"created": 0, "closed_in_time": 0, "open": 0, "next_score_delta": None},
            "detraction_reasons": [],
            "series": {
                "by_day": [
                    {"day": day, "conversations": n, "nps": None, "sentiment": None, "automation_rate": None}
                    for day, n in sorted(per_day.items())
                ]
            },
        }
