"""What people do with conversations: the queue, the timeline, reply, take over, hand back,
override the machine's route, resolve and close. Each function is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humantouch.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from humantouch.privacy import audit
from humantouch.service import briefing, events, lifecycle, views
from humantouch.service.context import Actor, Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import Agent, Conversation, Event, Message, Override

TIMELINE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class QueueFilter:
    statuses: tuple[str, ...] = ("waiting_for_agent",)
    routes: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    skills_of: str | None = None  # an agent id: only what that agent has the skills for
    limit: int = 50
    offset: int = 0


def queue(svc: Service, flt: QueueFilter) -> list[dict[str, Any]]:
    for status in flt.statuses:
        if status not in lifecycle.STATUSES:
            raise InputError(f"unknown status {status!r}", code="HT-IN-FILTER")
    with svc.db.read() as session:
        intents, languages = list(flt.intents), list(flt.languages)
        if flt.skills_of:
            agent = _agent(session, flt.skills_of)
            intents = [i for i in intents if i in agent.intents] if intents else list(agent.intents)
            languages = [x for x in languages if x in agent.languages] if languages else list(agent.languages)
            if (flt.intents and not intents) or (flt.languages and not languages):
                return []
        rows = repo.queue(
            session,
            statuses=flt.statuses,
            routes=flt.routes,
            priorities=flt.priorities,
            intents=intents,
            languages=languages,
            limit=flt.limit,
            offset=flt.offset,
        )
        return [views.conversation(r) for r in rows]


def timeline(svc: Service, conversation_id: str, actor: Actor | None = None) -> dict[str, Any]:
    """The conversation, its messages, overrides and events, and the customer's messages on every channel.

    Each view by a person is audited, marked when the conversation holds a special category.
    """
    view = _timeline(svc, conversation_id)
    special = view["conversation"].get("special_categories") or []
    audit.viewed(svc, actor, "conversation.view", "conversation", conversation_id, special_categories=special)
    return view


def _timeline(svc: Service, conversation_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        conversation = _conversation(session, conversation_id)
        customer = repo.live_customer(session, conversation.customer_id)
        own = repo.messages_of(session, [conversation.id])
        all_ids = [c.id for c in repo.conversations_of(session, customer.id)]
        across = session.scalars(
            select(Message)
            .where(Message.conversation_id.in_(all_ids))
            .order_by(Message.id.desc())
            .limit(TIMELINE_LIMIT)
        ).all()
        overrides = session.scalars(
            select(Override).where(Override.conversation_id == conversation.id).order_by(Override.id)
        ).all()
        log = session.scalars(select(Event).where(Event.conversation_id == conversation.id).order_by(Event.id)).all()
        return {
            "conversation": views.conversation(conversation),
            "customer": views.customer(customer, list(repo.identities_of(session, customer.id))),
            "messages": [views.message(m) for m in own],
            "overrides": [views.override(o) for o in overrides],
            "events": [
                {"id": e.id, "type": e.type, "actor": e.actor, "created_at": views.iso(e.created_at)} for e in log
            ],
            "customer_timeline": [views.message(m, with_triage=False) for m in reversed(across)],
        }


def take_over(svc: Service, actor: Actor, conversation_id: str, agent_id: str | None = None) -> dict[str, Any]:
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "take_over")
        agent = _agent(session, _acting_agent(actor, agent_id))
        _assign(session, conversation, agent)
        conversation.status = "with_agent"
        conversation.updated_at = svc.clock()
        events.record_for(svc, session, conversation, "contact.taken_over", {"agent_id": agent.id}, actor)
        return views.conversation(conversation)


def taken_over_elsewhere(svc: Service, actor: Actor, conversation_id: str, who: str | None) -> dict[str, Any]:
    """A person answered the customer in another inbox (a Chatwoot agent): from now on the bot stays
    silent in this conversation, as after a take-over here. Nothing changes once it is resolved."""
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        if conversation.status in lifecycle.OPEN and conversation.status != "with_agent":
            conversation.status = "with_agent"
            conversation.updated_at = svc.clock()
            events.record_for(
                svc, session, conversation, "contact.taken_over", {"agent_id": None, "elsewhere": who}, actor
            )
        return views.conversation(conversation)


def reply(
    svc: Service,
    actor: Actor,
    conversation_id: str,
    text: str,
    agent_id: str | None = None,
    *,
    suggested: str | None = None,
) -> dict[str, Any]:
    """An agent's answer; an agent who replies to a conversation not yet theirs takes it over.

    `suggested` is the draft the console offered (bot.suggest_reply, built from the knowledge
    articles); a reply that keeps most of it counts as suggestion use on the scorecard.
    """
    if not text.strip():
        raise InputError("the reply text is empty", code="HT-IN-EMPTY")
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "reply")
        agent = _agent(session, _acting_agent(actor, agent_id))
        if conversation.status != "with_agent" or conversation.assigned_agent_id != agent.id:
            _assign(session, conversation, agent)
            conversation.status = "with_agent"
        now = svc.clock()
        message = Message(
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            channel=conversation.channel,
            author="agent",
            agent_id=agent.id,
            text=text,
            created_at=now,
        )
        session.add(message)
        conversation.message_count += 1
        conversation.last_message_at = now
        conversation.updated_at = now
        session.flush()
        events.record_for(
            svc, session, conversation, "contact.replied", {"message_id": message.id, "agent_id": agent.id}, actor
        )
        events.record_for(
            svc, session, conversation, "message.outbound", {"message_id": message.id, "author": "agent"}, actor
        )
        if suggested and used_suggestion(text, suggested):
            events.record_for(svc, session, conversation, "suggestion.used", {"message_id": message.id}, actor)
        return {"message": views.message(message), "conversation": views.conversation(conversation)}


def used_suggestion(sent: str, suggested: str, share: float = 0.5) -> bool:
    """Whether a reply kept at least `share` of the suggested draft's words (edited drafts count)."""
    words = set(suggested.lower().split())
    return bool(words) and len(words & set(sent.lower().split())) / len(words) >= share


def hand_back(svc: Service, actor: Actor, conversation_id: str) -> dict[str, Any]:
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "hand_back")
        _own(actor, conversation)
        conversation.status = "bot"
        conversation.assigned_agent_id = None
        conversation.updated_at = svc.clock()
        events.record_for(svc, session, conversation, "contact.handed_back", {}, actor)
        return views.conversation(conversation)


def override(svc: Service, actor: Actor, conversation_id: str, route: str, reason: str) -> dict[str, Any]:
    """A person corrects the route; the machine's decision stays on the message beside it."""
    if route not in lifecycle.ROUTES:
        raise InputError(f"unknown route {route!r}", hint="use automate, assist or human", code="HT-IN-ROUTE")
    if not reason.strip():
        raise InputError("an override needs a reason", code="HT-IN-REASON")
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "override")
        last = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.author == "customer")
            .order_by(Message.id.desc())
            .limit(1)
        ).first()
        machine_route = last.route if last is not None and last.route else conversation.route
        row = Override(
            conversation_id=conversation.id,
            agent_id=actor.agent_id,
            machine_route=machine_route,
            new_route=route,
            reason=reason,
            created_at=svc.clock(),
        )
        session.add(row)
        before = conversation.status
        conversation.route = route
        conversation.status = lifecycle.status_after_override(before, route)
        if conversation.status != "with_agent":
            conversation.assigned_agent_id = None
        conversation.updated_at = svc.clock()
        session.flush()
        ids = {"customer_id": conversation.customer_id, "conversation_id": conversation.id}
        events.record(svc, session, "contact.overridden", views.override(row), actor=actor.label, **ids)
        if conversation.status in lifecycle.NEEDS_PERSON and before not in lifecycle.NEEDS_PERSON:
            due = svc.clock() + timedelta(minutes=svc.sla_minutes(conversation.channel, conversation.priority))
            conversation.sla_due_at = due
            brief = briefing.store(svc, session, conversation)
            events.record(svc, session, "briefing.created", {}, actor=actor.label, **ids)
            events.record(
                svc,
                session,
                "contact.handoff",
                {"conversation": views.conversation(conversation), "override": views.override(row), "briefing": brief},
                actor=actor.label,
                **ids,
            )
        return {"conversation": views.conversation(conversation), "override": views.override(row)}


def resolve(svc: Service, actor: Actor, conversation_id: str, resolution_code: str) -> dict[str, Any]:
    if not resolution_code.strip():
        raise InputError("a resolution code is required", code="HT-IN-RESOLUTION")
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "resolve")
        conversation.status = "resolved"
        conversation.resolution_code = resolution_code
        conversation.updated_at = svc.clock()
        view = views.conversation(conversation)
        events.record_for(
            svc,
            session,
            conversation,
            "contact.resolved",
            {"conversation": view, "resolution_code": resolution_code},
            actor,
        )
        return view


def close(svc: Service, actor: Actor, conversation_id: str) -> dict[str, Any]:
    with svc.db.write() as session:
        conversation = _conversation(session, conversation_id, lock=True)
        _allowed(conversation, "close")
        conversation.status = "closed"
        conversation.updated_at = svc.clock()
        events.record_for(svc, session, conversation, "contact.closed", {}, actor)
        return views.conversation(conversation)


def _conversation(session: Session, conversation_id: str, *, lock: bool = False) -> Conversation:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()
    conversation = session.scalars(query).first()
    if conversation is None:
        raise NotFoundError(f"no conversation {conversation_id}", code="HT-NOTFOUND-CONVERSATION")
    return conversation


def _agent(session: Session, agent_id: str) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
    if not agent.active:
        raise ConflictError(f"agent {agent_id} is not active", code="HT-CONFLICT-AGENT")
    return agent


def _acting_agent(actor: Actor, agent_id: str | None) -> str:
    """Agent keys act as their own agent; supervisors and admins name the agent they act for."""
    if actor.agent_id is not None:
        if agent_id is not None and agent_id != actor.agent_id:
            raise ForbiddenError("an agent key acts only as its own agent", code="HT-FORBIDDEN-AGENT")
        return actor.agent_id
    if agent_id is None:
        raise InputError(
            "agent_id is required for a key that is not bound to an agent",
            code="HT-IN-AGENT",
            hint="pass agent_id in the body",
        )
    return agent_id


def _own(actor: Actor, conversation: Conversation) -> None:
    if actor.role == "agent" and actor.agent_id and conversation.assigned_agent_id not in (None, actor.agent_id):
        raise ForbiddenError("this conversation is assigned to another agent", code="HT-FORBIDDEN-AGENT")


def _assign(session: Session, conversation: Conversation, agent: Agent) -> None:
    if conversation.assigned_agent_id == agent.id and conversation.status == "with_agent":
        return
    if conversation.status == "with_agent" and conversation.assigned_agent_id not in (None, agent.id):
        raise ConflictError(
            f"conversation {conversation.id} is with agent {conversation.assigned_agent_id}",
            hint="ask a supervisor to hand it back first",
            code="HT-CONFLICT-ASSIGNED",
        )
    if repo.agent_load(session, agent.id) >= agent.capacity:
        raise ConflictError(
            f"agent {agent.id} is at capacity ({agent.capacity} conversations)", code="HT-CONFLICT-CAPACITY"
        )
    conversation.assigned_agent_id = agent.id


def _allowed(conversation: Conversation, action: str) -> None:
    if conversation.status not in lifecycle.ALLOWED[action]:
        raise ConflictError(
            f"cannot {action.replace('_', ' ')} a conversation that is {conversation.status}",
            code="HT-CONFLICT-STATUS",
        )
