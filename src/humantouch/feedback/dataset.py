"""Reading the tables into plain records for the scorecard: one `ConversationFacts` per
conversation, with what the metrics need already worked out (first response, who handled it,
sentiment first and last, transfers, facts given twice, the survey).

This is the only database code of the scorecard; scorecard.py computes from these records alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from humantouch.feedback.metrics import FCR_WINDOW, ContactSpan
from humantouch.storage.tables import Agent, AgentPulse, Conversation, Event, FollowUp, Message, Survey

# Event types the scorecard reads. The briefing and suggestion events are recorded by the bot and
# console streams (issue 4 and 7); until they exist these two figures stay None.
RESOLVED = "contact.resolved"
HANDOFF = "contact.handoff"
TAKEN_OVER = "contact.taken_over"
TRANSFERS = ("contact.handed_back", "contact.overridden")
BRIEFING = "briefing.created"
SUGGESTION_USED = "suggestion.used"
EVENT_TYPES = (RESOLVED, HANDOFF, TAKEN_OVER, *TRANSFERS, BRIEFING, SUGGESTION_USED)


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    nps: int | None
    ces: int | None
    csat: int | None
    resolved: bool | None
    comment: str | None
    reason: str | None
    created_at: datetime
    answered: bool


@dataclass(slots=True)
class ConversationFacts:
    id: str
    customer_id: str
    channel: str
    route: str
    quadrant: str
    priority: str
    intent: str | None
    language: str | None
    created_at: datetime
    sla_due_at: datetime | None
    agent_id: str | None = None
    resolved_at: datetime | None = None
    first_response_at: datetime | None = None
    first_person_at: datetime | None = None
    handoff_at: datetime | None = None
    reopened: bool = False
    transfers: int = 0
    facts_twice: int = 0
    sentiment_first: float | None = None
    sentiment_last: float | None = None
    sentiments: list[float] = field(default_factory=list)
    briefed: bool = False
    suggestion_used: bool = False
    survey: SurveyFacts | None = None

    @property
    def by_person(self) -> bool:
        return self.first_person_at is not None or self.agent_id is not None

    @property
    def handler(self) -> str:
        return "person" if self.by_person else "bot"

    @property
    def needed_person(self) -> bool:
        return self.handoff_at is not None or self.by_person

    def span(self) -> ContactSpan:
        return ContactSpan(self.customer_id, self.intent, self.created_at, self.resolved_at)


@dataclass(frozen=True, slots=True)
class FollowUpFacts:
    conversation_id: str
    customer_id: str
    status: str
    due_at: datetime
    completed_at: datetime | None
    created_at: datetime
    trigger_nps: int | None
    next_nps: int | None  # the customer's next NPS answer after the follow-up was created


@dataclass(frozen=True, slots=True)
class PulseFacts:
    agent_id: str
    score: int | None
    work_preference: str | None
    created_at: datetime


@dataclass(slots=True)
class Dataset:
    start: datetime
    end: datetime
    now: datetime
    conversations: list[ConversationFacts]
    # Every conversation from `start` to `end` + 7 days, unfiltered: where a customer may come back.
    later: list[ContactSpan]
    followups: list[FollowUpFacts]
    pulses: list[PulseFacts]
    agent_names: dict[str, str]


def load(session: Session, query: Select[Conversation], start: datetime, end: datetime, now: datetime) -> Dataset:
    """`query` selects the conversations (already filtered); the rest is read for those."""
    rows = session.scalars(query).all()
    facts = {
        c.id: ConversationFacts(
            id=c.id,
            customer_id=c.customer_id,
            channel=c.channel,
            route=c.route,
            quadrant=c.quadrant,
            priority=c.priority,
            intent=c.intent,
            language=c.language,
            created_at=c.created_at,
            sla_due_at=c.sla_due_at,
            agent_id=c.assigned_agent_id,
        )
        for c in rows
    }
    ids = query.with_only_columns(Conversation.id).order_by(None)
    invitations: set[int] = set()
    for s in session.scalars(select(Survey).where(Survey.conversation_id.in_(ids))):
        if s.conversation_id in facts:
            facts[s.conversation_id].survey = _survey(s)
        if s.message_id is not None:
            invitations.add(s.message_id)
    _read_events(session, ids, facts)
    _read_messages(session, ids, facts, invitations)
    later = [
        ContactSpan(cid, intent, created, None)
        for cid, intent, created in session.execute(
            select(Conversation.customer_id, Conversation.intent, Conversation.created_at).where(
                Conversation.created_at >= start, Conversation.created_at < end + FCR_WINDOW
            )
        )
    ]
    names = {a.id: a.name for a in session.scalars(select(Agent))}
    pulses = [
        PulseFacts(p.agent_id, p.score, p.work_preference, p.created_at)
        for p in session.scalars(
            select(AgentPulse).where(AgentPulse.created_at >= start - timedelta(days=7), AgentPulse.created_at < end)
        )
    ]
    return Dataset(start, end, now, list(facts.values()), later, _followups(session, ids), pulses, names)


def _read_events(session: Session, ids: Select[Any], facts: dict[str, ConversationFacts]) -> None:
    query = (
        select(Event.conversation_id, Event.type, Event.created_at)
        .where(Event.conversation_id.in_(ids), Event.type.in_(EVENT_TYPES))
        .order_by(Event.id)
    )
    for cid, type_, at in session.execute(query):
        f = facts.get(cid or "")
        if f is None:
            continue
        if type_ == RESOLVED:
            f.resolved_at = f.resolved_at or at
        elif type_ == HANDOFF:
            # The first handoff to a person is routing (planned or an escalation from the bot);
            # every handoff after it moved the customer on once more.
            if f.handoff_at is None:
                f.handoff_at = at
            else:
                f.transfers += 1
        elif type_ == TAKEN_OVER:
            f.first_person_at = min(f.first_person_at or at, at)
        elif type_ in TRANSFERS:
            f.transfers += 1
        elif type_ == BRIEFING:
            f.briefed = True
        elif type_ == SUGGESTION_USED:
            f.suggestion_used = True


def _read_messages(
    session: Session, ids: Select[Any], facts: dict[str, ConversationFacts], invitations: set[int]
) -> None:
    """Response times, sentiment and repeated facts; survey invitations (bot messages) are no response."""
    query = (
        select(
            Message.id, Message.conversation_id, Message.author, Message.agent_id, Message.created_at, Message.triage
        )
        .where(Message.conversation_id.in_(ids))
        .order_by(Message.id)
    )
    seen: dict[str, dict[tuple[str, str], set[int]]] = defaultdict(lambda: defaultdict(set))
    position: dict[str, int] = defaultdict(int)
    for message_id, cid, author, agent_id, at, triage in session.execute(query):
        f = facts.get(cid)
        if f is None or message_id in invitations:
            continue
        if author == "customer":
            position[cid] += 1
            if f.resolved_at is not None and at > f.resolved_at:
                f.reopened = True
            score = (triage or {}).get("sentiment", {}).get("score")
            if isinstance(score, int | float):
                f.sentiments.append(float(score))
                if f.sentiment_first is None:
                    f.sentiment_first = float(score)
                f.sentiment_last = float(score)
            for entity in (triage or {}).get("entities", []):
                key = (str(entity.get("type")), str(entity.get("value") or entity.get("text") or "").lower())
                seen[cid][key].add(position[cid])
        elif author in ("bot", "agent"):
            f.first_response_at = f.first_response_at or at
            if author == "agent":
                f.first_person_at = min(f.first_person_at or at, at)
                f.agent_id = f.agent_id or agent_id
    for cid, keys in seen.items():
        facts[cid].facts_twice = sum(1 for messages in keys.values() if len(messages) > 1)
    for f in facts.values():
        if len(f.sentiments) < 2:
            f.sentiment_first = f.sentiment_last = None


def _survey(s: Survey) -> SurveyFacts:
    reason = (s.comment_analysis or {}).get("reason")
    return SurveyFacts(
        nps=s.nps,
        ces=s.ces,
        csat=s.csat,
        resolved=s.resolved,
        comment=s.comment,
        reason=str(reason) if reason else None,
        created_at=s.created_at,
        answered=s.answered_at is not None,
    )


def _followups(session: Session, ids: Select[Any]) -> list[FollowUpFacts]:
    rows = session.execute(
        select(FollowUp, Survey.nps)
        .join(Survey, Survey.id == FollowUp.survey_id)
        .where(FollowUp.conversation_id.in_(ids))
    ).all()
    customers = {f.customer_id for f, _ in rows}
    answers: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    if customers:
        for cust, created, nps in session.execute(
            select(Survey.customer_id, Survey.created_at, Survey.nps)
            .where(Survey.customer_id.in_(customers), Survey.nps.is_not(None))
            .order_by(Survey.created_at)
        ):
            if nps is not None:
                answers[cust].append((created, int(nps)))
    out = []
    for f, trigger in rows:
        following = [nps for created, nps in answers[f.customer_id] if created > f.created_at]
        out.append(
            FollowUpFacts(
                conversation_id=f.conversation_id,
                customer_id=f.customer_id,
                status=f.status,
                due_at=f.due_at,
                completed_at=f.completed_at,
                created_at=f.created_at,
                trigger_nps=trigger,
                next_nps=following[0] if following else None,
            )
        )
    return out
