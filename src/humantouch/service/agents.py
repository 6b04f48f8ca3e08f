"""Agents: the people in the queue, with their skills (intents, languages) and capacity."""

from __future__ import annotations

from typing import Any

from humantouch.errors import ConflictError, NotFoundError
from humantouch.service import events, views
from humantouch.service.context import Actor, Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import Agent, new_id


def create(
    svc: Service,
    actor: Actor,
    name: str,
    *,
    languages: list[str],
    intents: list[str],
    capacity: int = 3,
    agent_id: str | None = None,
) -> dict[str, Any]:
    with svc.db.write() as session:
        if agent_id is not None and session.get(Agent, agent_id) is not None:
            raise ConflictError(f"agent {agent_id} already exists", code="HT-CONFLICT-AGENT")  # was a 500 (fuzz)
        agent = Agent(
            id=agent_id or new_id("agt"),
            name=name,
            languages=sorted(set(languages)),
            intents=sorted(set(intents)),
            capacity=capacity,
            active=True,
            created_at=svc.clock(),
        )
        session.add(agent)
        session.flush()
        events.record(svc, session, "agent.created", {"agent_id": agent.id}, actor=actor.label)
        return views.agent(agent)


def get(svc: Service, agent_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        return views.agent(agent) | {"load": repo.agent_load(session, agent.id)}


def list_all(svc: Service) -> list[dict[str, Any]]:
    with svc.db.read() as session:
        return [views.agent(a) | {"load": repo.agent_load(session, a.id)} for a in repo.agents(session)]
