"""The agents' side: a short weekly pulse (1-5) and each agent's recorded work preference."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from humantouch.errors import ForbiddenError, InputError, NotFoundError
from humantouch.service.context import Actor, Service
from humantouch.service.views import iso
from humantouch.storage.tables import Agent, AgentPulse

WORK_PREFERENCES = ("office", "home", "hybrid")


def week_of(svc: Service) -> str:
    year, week, _ = svc.clock().isocalendar()
    return f"{year}-W{week:02d}"


def view(row: AgentPulse) -> dict[str, Any]:
    return {
        "agent_id": row.agent_id,
        "week": row.week,
        "score": row.score,
        "work_preference": row.work_preference,
        "created_at": iso(row.created_at),
    }


def record(svc: Service, actor: Actor, agent_id: str, score: int | None, work_preference: str | None) -> dict[str, Any]:
    """This week's pulse of the agent; a second answer in the same week replaces the first.
    Agents answer for themselves only."""
    if actor.role == "agent" and actor.agent_id != agent_id:
        raise ForbiddenError("an agent records only their own pulse", code="HT-FORBIDDEN-AGENT")
    if score is not None and not 1 <= score <= 5:
        raise InputError(f"the pulse is 1..5, not {score}", code="HT-IN-PULSE")
    if work_preference is not None and work_preference not in WORK_PREFERENCES:
        raise InputError(
            f"unknown work preference {work_preference!r}",
            hint=f"use one of {', '.join(WORK_PREFERENCES)}",
            code="HT-IN-PULSE",
        )
    if score is None and work_preference is None:
        raise InputError("give a score, a work preference or both", code="HT-IN-PULSE")
    week = week_of(svc)
    with svc.db.write() as session:
        if session.get(Agent, agent_id) is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        row = session.scalars(
            select(AgentPulse).where(AgentPulse.agent_id == agent_id, AgentPulse.week == week).with_for_update()
        ).first()
        if row is None:
            row = AgentPulse(agent_id=agent_id, week=week, created_at=svc.clock())
            session.add(row)
        if score is not None:
            row.score = score
        if work_preference is not None:
            row.work_preference = work_preference
        session.flush()
        return view(row)


def history(svc: Service, actor: Actor, agent_id: str) -> dict[str, Any]:
    if actor.role == "agent" and actor.agent_id != agent_id:
        raise ForbiddenError("an agent sees only their own pulse", code="HT-FORBIDDEN-AGENT")
    with svc.db.read() as session:
        if session.get(Agent, agent_id) is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        rows = session.scalars(
            select(AgentPulse).where(AgentPulse.agent_id == agent_id).order_by(AgentPulse.week.desc())
        ).all()
        items = [view(r) for r in rows]
    preference = next((i["work_preference"] for i in items if i["work_preference"]), None)
    return {"agent_id": agent_id, "work_preference": preference, "items": items}
