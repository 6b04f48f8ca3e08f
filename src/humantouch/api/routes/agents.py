from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from humantouch.api.auth import ReadsAgents, ServiceDep, WritesAgents
from humantouch.api.schemas import AgentIn, AgentPatch, set_fields
from humantouch.service import agents

router = APIRouter(tags=["agents"])


@router.post("/agents", status_code=201)
def post_agent(body: AgentIn, actor: WritesAgents, svc: ServiceDep) -> dict[str, Any]:
    return agents.create(
        svc,
        actor,
        body.name,
        languages=body.languages,
        intents=body.intents,
        capacity=body.capacity,
        agent_id=body.id,
    )


@router.get("/agents")
def get_agents(actor: ReadsAgents, svc: ServiceDep) -> dict[str, Any]:
    items = agents.list_all(svc)
    return {"items": items, "count": len(items)}


@router.get("/agents/{agent_id}")
def get_agent(agent_id: str, actor: ReadsAgents, svc: ServiceDep) -> dict[str, Any]:
    return agents.get(svc, agent_id)


@router.patch("/agents/{agent_id}")
def patch_agent(agent_id: str, body: AgentPatch, actor: WritesAgents, svc: ServiceDep) -> dict[str, Any]:
    """Change an agent's name, skills (languages, intents), capacity or `active`; an inactive agent
    gets no new conversations."""
    return agents.update(svc, actor, agent_id, set_fields(body, set()))
