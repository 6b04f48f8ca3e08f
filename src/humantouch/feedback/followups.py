"""STUB from the console stream (issue 7); the feedback stream's file replaces it on merge.

Follow-up tasks of the closed loop: `for_agent` lists an agent's tasks as dicts with keys
id, conversation_id, customer_id, reason, comment, due_at (iso), status ("open"|"done"), outcome;
`complete` closes one with an outcome. The stub stores none.
"""

from __future__ import annotations

from typing import Any

from humantouch.errors import NotFoundError
from humantouch.service.context import Actor, Service


def for_agent(svc: Service, agent_id: str) -> list[dict[str, Any]]:
    return []


def complete(svc: Service, actor: Actor, followup_id: int | str, outcome: str) -> dict[str, Any]:
    raise NotFoundError(f"no follow-up {followup_id}", code="HT-NOTFOUND-FOLLOWUP")
