"""The closed loop: a detractor score or "not resolved" becomes a task for a person, due within
a number of working days, assigned by skill (the agent's intents) and language; its outcome is
recorded and the scorecard counts the loops closed in time.

`for_agent` and `complete` are the contract the console codes against (spec/contracts.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humantouch.errors import ForbiddenError, InputError, NotFoundError
from humantouch.feedback.metrics import nps_class
from humantouch.service import events
from humantouch.service.context import Actor, Service
from humantouch.service.views import iso
from humantouch.storage.tables import Agent, Conversation, FollowUp, Survey, new_id

WEEKEND = (5, 6)  # Saturday, Sunday


def due_after(start: datetime, working_days: int) -> datetime:
    """`start` plus `working_days` Monday-to-Friday days, same time of day. Saturday and Sunday do
    not count, so Friday 15:00 + 1 is Monday 15:00; a start in the weekend counts from Monday."""
    due = start
    left = working_days
    while left > 0 or due.weekday() in WEEKEND:
        due += timedelta(days=1)
        if due.weekday() not in WEEKEND:
            left -= 1
    return due


def needs_followup(nps: int | None, resolved: bool | None) -> str | None:
    """The reason for a follow-up, or None: a detractor (0-6) first, then "not resolved"."""
    if nps is not None and nps_class(nps) == -1:
        return "detractor"
    if resolved is False:
        return "not_resolved"
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: str
    languages: tuple[str, ...]
    intents: tuple[str, ...]  # empty: a generalist, takes any intent
    open_followups: int


def pick_agent(candidates: Sequence[Candidate], intent: str | None, language: str | None) -> str | None:
    """Who calls back: an agent who speaks the language and has the intent as a skill, else one who
    speaks the language and takes any intent, else anyone with the language; the least busy first."""

    def speaks(c: Candidate) -> bool:
        return language is None or language in c.languages

    tiers = (
        [c for c in candidates if speaks(c) and intent is not None and intent in c.intents],
        [c for c in candidates if speaks(c) and not c.intents],
        [c for c in candidates if speaks(c)],
    )
    for tier in tiers:
        if tier:
            return min(tier, key=lambda c: (c.open_followups, c.agent_id)).agent_id
    return None


def create_for(svc: Service, session: Session, survey: Survey, reason: str) -> FollowUp | None:
    """One follow-up per survey; a second unhappy answer to the same survey adds nothing."""
    if session.scalars(select(FollowUp.id).where(FollowUp.survey_id == survey.id)).first() is not None:
        return None
    conversation = session.get(Conversation, survey.conversation_id)
    intent = conversation.intent if conversation is not None else None
    load = dict(
        session.execute(
            select(FollowUp.assigned_agent_id, func.count())
            .where(FollowUp.status == "open")
            .group_by(FollowUp.assigned_agent_id)
        ).all()
    )
    agents = session.scalars(select(Agent).where(Agent.active.is_(True))).all()
    candidates = [Candidate(a.id, tuple(a.languages), tuple(a.intents), int(load.get(a.id, 0))) for a in agents]
    now = svc.clock()
    row = FollowUp(
        id=new_id("fup"),
        survey_id=survey.id,
        conversation_id=survey.conversation_id,
        customer_id=survey.customer_id,
        reason=reason,
        comment=survey.comment,
        intent=intent,
        language=survey.language,
        assigned_agent_id=pick_agent(candidates, intent, survey.language),
        status="open",
        due_at=due_after(now, svc.feedback.followup_due_working_days),
        created_at=now,
    )
    session.add(row)
    session.flush()
    events.record(
        svc,
        session,
        "followup.created",
        {"followup_id": row.id, "reason": reason, "assigned_agent_id": row.assigned_agent_id},
        customer_id=row.customer_id,
        conversation_id=row.conversation_id,
        actor="feedback",
    )
    return row


def view(row: FollowUp) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "customer_id": row.customer_id,
        "reason": row.reason,
        "comment": row.comment,
        "due_at": iso(row.due_at),
        "status": row.status,
        "outcome": row.outcome,
        "survey_id": row.survey_id,
        "intent": row.intent,
        "language": row.language,
        "assigned_agent_id": row.assigned_agent_id,
        # The briefing of the conversation, for the person who calls back (bot stream's endpoint).
        "briefing": f"/v1/conversations/{row.conversation_id}/briefing",
        "created_at": iso(row.created_at),
        "completed_at": iso(row.completed_at),
    }


def for_agent(svc: Service, agent_id: str) -> list[dict[str, Any]]:
    """The agent's follow-ups, open ones first, soonest due first."""
    with svc.db.read() as session:
        rows = session.scalars(
            select(FollowUp)
            .where(FollowUp.assigned_agent_id == agent_id)
            .order_by(FollowUp.status.desc(), FollowUp.due_at, FollowUp.id)
        ).all()
        return [view(r) for r in rows]


def list_all(
    svc: Service, *, status: str | None = None, agent_id: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    if status is not None and status not in ("open", "done"):
        raise InputError(f"unknown follow-up status {status!r}", hint="use open or done", code="HT-IN-FILTER")
    query = select(FollowUp).order_by(FollowUp.due_at, FollowUp.id).limit(limit).offset(offset)
    if status is not None:
        query = query.where(FollowUp.status == status)
    if agent_id is not None:
        query = query.where(FollowUp.assigned_agent_id == agent_id)
    with svc.db.read() as session:
        return [view(r) for r in session.scalars(query).all()]


def complete(svc: Service, actor: Actor, followup_id: str, outcome: str) -> dict[str, Any]:
    """Record what came of the call-back. An agent key completes only its own follow-ups;
    completing twice updates the outcome and keeps the first completion time."""
    if not outcome.strip():
        raise InputError("the outcome is empty", hint="say what came of the call-back", code="HT-IN-OUTCOME")
    with svc.db.write() as session:
        row = session.scalars(select(FollowUp).where(FollowUp.id == followup_id).with_for_update()).first()
        if row is None:
            raise NotFoundError(f"no follow-up {followup_id}", code="HT-NOTFOUND-FOLLOWUP")
        if actor.role == "agent" and row.assigned_agent_id not in (None, actor.agent_id):
            raise ForbiddenError("this follow-up is assigned to another agent", code="HT-FORBIDDEN-AGENT")
        row.outcome = outcome
        row.status = "done"
        if row.completed_at is None:
            row.completed_at = svc.clock()
        row.completed_by = actor.label
        if row.assigned_agent_id is None and actor.agent_id is not None:
            row.assigned_agent_id = actor.agent_id
        events.record(
            svc,
            session,
            "followup.completed",
            {"followup_id": row.id, "outcome": outcome},
            customer_id=row.customer_id,
            conversation_id=row.conversation_id,
            actor=actor.label,
        )
        return view(row)
