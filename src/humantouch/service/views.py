"""Rows to plain JSON-ready dicts: the shapes the HTTP API returns and webhooks carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from humantouch.storage.repository import ConversationRow
from humantouch.storage.tables import Agent, Conversation, Customer, Identity, Message, Override


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def customer(row: Customer, identities: list[Identity] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "language": row.language,
        "form_of_address": row.form_of_address,
        "annual_value_eur": row.annual_value_eur,
        "tenure_years": row.tenure_years,
        "segment": row.segment,
        "consents": dict(row.consents or {}),
        "merged_into": row.merged_into,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
    if identities is not None:
        out["identities"] = [{"kind": i.kind, "value": i.value} for i in identities]
    return out


def conversation(row: Conversation | ConversationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "customer_id": row.customer_id,
        "channel": row.channel,
        "status": row.status,
        "route": row.route,
        "quadrant": row.quadrant,
        "priority": row.priority,
        "intent": row.intent,
        "language": row.language,
        "sla_due_at": iso(row.sla_due_at),
        "assigned_agent_id": row.assigned_agent_id,
        "resolution_code": row.resolution_code,
        "message_count": row.message_count,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "last_message_at": iso(row.last_message_at),
        "special_categories": list(row.special_categories or []),
    }


def message(row: Message, *, with_triage: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "customer_id": row.customer_id,
        "channel": row.channel,
        "author": row.author,
        "agent_id": row.agent_id,
        "text": row.text,
        "route": row.route,
        "priority": row.priority,
        "external_id": row.external_id,
        "created_at": iso(row.created_at),
    }
    if with_triage:
        out["triage"] = row.triage
    return out


def override(row: Override) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "agent_id": row.agent_id,
        "machine_route": row.machine_route,
        "new_route": row.new_route,
        "reason": row.reason,
        "created_at": iso(row.created_at),
    }


def agent(row: Agent) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "languages": list(row.languages),
        "intents": list(row.intents),
        "capacity": row.capacity,
        "active": row.active,
        "created_at": iso(row.created_at),
    }
