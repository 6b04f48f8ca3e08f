"""Agents: the people in the queue, with their skills (intents, languages) and capacity.

An inactive agent keeps their history but gets no new work: take-over and reply refuse them
(service/conversations.py `_agent`), their API keys are refused on every endpoint (service/keys.py
`authenticate`), and the console refuses their sign-in and sessions.
Conversations already with them stay theirs until handed back.
"""

from __future__ import annotations

from typing import Any

from humantouch.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from humantouch.service import events, keys, views
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


UPDATABLE = ("name", "languages", "intents", "capacity", "active")


def update(svc: Service, actor: Actor, agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change what the queue knows of an agent: name, skills, capacity, whether they take work.

    Lowering capacity below the current load takes nothing away; the agent gets no new
    conversation until their load is under it.
    """
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise InputError(
            f"agent fields {', '.join(unknown)} cannot be changed",
            hint=f"change only {', '.join(UPDATABLE)}",
            code="HT-IN-AGENT-FIELD",
        )
    if not changes:
        raise InputError("nothing to change", hint=f"send one or more of {', '.join(UPDATABLE)}", code="HT-IN-EMPTY")
    with svc.db.write() as session:
        agent = session.get(Agent, agent_id, with_for_update=True)
        if agent is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        # A supervisor manages the queue's people, not the admins who manage them: switching an admin's
        # console account off (or back on) is an admin's call.
        if agent.role == "admin" and actor.role != "admin":
            raise ForbiddenError(
                f"agent {agent_id} is an admin; only an admin changes an admin's account",
                hint="use an admin key or `humantouch agents update` on the server",
                code="HT-FORBIDDEN-ROLE",
            )
        before = views.agent(agent)
        for field, value in changes.items():
            setattr(agent, field, sorted(set(value)) if field in ("languages", "intents") else value)
        after = views.agent(agent)
        changed = sorted(f for f in UPDATABLE if before[f] != after[f])
        if changed:
            session.flush()
            events.record(
                svc,
                session,
                "agent.updated",
                {"agent_id": agent.id, "changed": changed} | {f: after[f] for f in changed if f != "name"},
                actor=actor.label,
            )
        answer = after | {"load": repo.agent_load(session, agent.id)}
    if "active" in changed and not after["active"]:
        # After the commit: a request re-reading the key before it would remember the agent as active.
        keys.forget_agent(svc.db, agent_id)
    return answer


def get(svc: Service, agent_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFoundError(f"no agent {agent_id}", code="HT-NOTFOUND-AGENT")
        return views.agent(agent) | {"load": repo.agent_load(session, agent.id)}


def list_all(svc: Service) -> list[dict[str, Any]]:
    with svc.db.read() as session:
        return [views.agent(a) | {"load": repo.agent_load(session, a.id)} for a in repo.agents(session)]
