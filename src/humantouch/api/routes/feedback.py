"""Surveys, the scorecard (JSON, CSV, splits, comparison), follow-ups and the agents' pulse."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import Field

from humantouch.api.auth import ActsOnFollowups, ReadsAgents, ReadsFeedback, ServiceDep, WritesPulse
from humantouch.api.schemas import Strict
from humantouch.errors import InputError
from humantouch.feedback import followups, pulse, scorecard, surveys
from humantouch.service import Service

router = APIRouter(tags=["feedback"])

DEFAULT_DAYS = 30
Segment = Literal["route", "quadrant", "channel", "intent", "language", "agent", "handler"]


class CompleteIn(Strict):
    outcome: str = Field(min_length=1, max_length=4000)


class PulseIn(Strict):
    score: int | None = Field(default=None, ge=1, le=5)
    work_preference: Literal["office", "home", "hybrid"] | None = None


def parse_moment(value: str | None, *, end: bool) -> datetime | None:
    """`YYYY-MM-DD` (a whole day: `to` includes it) or an ISO date-time (UTC when no offset)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"{value!r} is not a date", hint="use YYYY-MM-DD or an ISO date-time", code="HT-IN-PERIOD"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def score_filter(
    svc: Service,
    start: str | None,
    end: str | None,
    channel: str | None,
    language: str | None,
    intent: str | None,
    route: str | None,
    quadrant: str | None,
    agent_id: str | None,
) -> scorecard.ScoreFilter:
    until = parse_moment(end, end=True) or svc.clock()
    since = parse_moment(start, end=False) or until - timedelta(days=DEFAULT_DAYS)
    return scorecard.ScoreFilter(since, until, channel, language, intent, route, quadrant, agent_id)


class Filters:
    """The query parameters every scorecard endpoint takes."""

    def __init__(
        self,
        start: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or ISO; default 30 days ago")] = None,
        end: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD (inclusive) or ISO; default now")] = None,
        channel: str | None = None,
        language: str | None = None,
        intent: str | None = None,
        route: str | None = None,
        quadrant: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        self.values = (start, end, channel, language, intent, route, quadrant, agent_id)

    def build(self, svc: Service) -> scorecard.ScoreFilter:
        return score_filter(svc, *self.values)


FiltersDep = Annotated[Filters, Depends()]


@router.get("/surveys")
def get_surveys(
    actor: ReadsFeedback,
    svc: ServiceDep,
    conversation_id: str | None = None,
    customer_id: str | None = None,
    answered: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    items = surveys.list_all(
        svc, conversation_id=conversation_id, customer_id=customer_id, answered=answered, limit=limit, offset=offset
    )
    return {"items": items, "count": len(items)}


@router.get("/surveys/{survey_id}")
def get_survey(survey_id: str, actor: ReadsFeedback, svc: ServiceDep) -> dict[str, Any]:
    return surveys.get(svc, survey_id)


@router.get("/scorecard")
def get_scorecard(actor: ReadsFeedback, svc: ServiceDep, flt: FiltersDep) -> dict[str, Any]:
    """The 4E scorecard for a period (docs/feedback.md defines every figure)."""
    return scorecard.compute(svc, flt.build(svc))


@router.get("/scorecard.csv", response_class=PlainTextResponse)
def get_scorecard_csv(actor: ReadsFeedback, svc: ServiceDep, flt: FiltersDep) -> PlainTextResponse:
    text = scorecard.to_csv(scorecard.compute(svc, flt.build(svc)))
    return PlainTextResponse(
        text, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="scorecard.csv"'}
    )


@router.get("/scorecard/split")
def get_split(actor: ReadsFeedback, svc: ServiceDep, flt: FiltersDep, by: Segment = "route") -> dict[str, Any]:
    """The headline figures per segment; `handler` is bot versus person."""
    return {"by": by, "items": scorecard.split(scorecard.dataset(svc, flt.build(svc)), by)}


@router.get("/scorecard/compare")
def get_compare(
    actor: ReadsFeedback,
    svc: ServiceDep,
    flt: FiltersDep,
    segment: Segment = "handler",
    a: str = "bot",
    b: str = "person",
) -> dict[str, Any]:
    """Segment a against segment b, each difference with its p-value (default: bot versus person)."""
    return scorecard.compare(scorecard.dataset(svc, flt.build(svc)), segment, a, b)


@router.get("/followups")
def get_followups(
    actor: ActsOnFollowups,
    svc: ServiceDep,
    status: Literal["open", "done"] | None = None,
    agent_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Agent keys see their own follow-ups; supervisors and admins see all (or one agent's)."""
    if actor.role == "agent":
        agent_id = actor.agent_id
    items = followups.list_all(svc, status=status, agent_id=agent_id, limit=limit, offset=offset)
    return {"items": items, "count": len(items)}


@router.post("/followups/{followup_id}/complete")
def post_complete(followup_id: str, body: CompleteIn, actor: ActsOnFollowups, svc: ServiceDep) -> dict[str, Any]:
    return followups.complete(svc, actor, followup_id, body.outcome)


@router.post("/agents/{agent_id}/pulse")
def post_pulse(agent_id: str, body: PulseIn, actor: WritesPulse, svc: ServiceDep) -> dict[str, Any]:
    return pulse.record(svc, actor, agent_id, body.score, body.work_preference)


@router.get("/agents/{agent_id}/pulse")
def get_pulse(agent_id: str, actor: ReadsAgents, svc: ServiceDep) -> dict[str, Any]:
    return pulse.history(svc, actor, agent_id)
