"""Appending to the event log, with the outbox rows for the events that go out as webhooks
and the channel deliveries for outbound messages and handoffs (service/outbound.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from humantouch.service import outbound
from humantouch.service.context import WEBHOOK_EVENTS, Actor, Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import Conversation, Event, utcnow

# What else happens, in the same transaction, when an event is recorded: event type -> dotted
# paths of `hook(svc, session, event)`, imported on first use (like cli.COMMANDS). Whoever
# resolves a conversation (a person, the bot) records contact.resolved, so a hook here sees them all.
EVENT_HOOKS: dict[str, tuple[str, ...]] = {
    "contact.resolved": ("humantouch.feedback.surveys:on_resolved",),
}


def record(
    svc: Service,
    session: Session,
    type_: str,
    payload: dict[str, Any],
    *,
    customer_id: str | None = None,
    conversation_id: str | None = None,
    actor: str | None = None,
) -> Event:
    return record_many(svc, session, [Pending(type_, payload, customer_id, conversation_id, actor)])[0]


@dataclass(frozen=True, slots=True)
class Pending:
    """An event to record later with others (`record_many`)."""

    type: str
    payload: dict[str, Any]
    customer_id: str | None = None
    conversation_id: str | None = None
    actor: str | None = None


def record_many(svc: Service, session: Session, pending: Sequence[Pending]) -> list[Event]:
    """Record events in the log in one insert (their ids in the order given), with one insert for their
    outbox rows and one for their channel deliveries; then each one's hooks, in order. `record` is one.
    Every statement in the write transaction prolongs the lock on SQLite (service/inbound.py)."""
    batch = [
        (
            Event(
                type=p.type,
                payload=p.payload,
                customer_id=p.customer_id,
                conversation_id=p.conversation_id,
                actor=p.actor,
                created_at=utcnow(),
            ),
            svc.webhook_targets if p.type in WEBHOOK_EVENTS else (),
        )
        for p in pending
    ]
    repo.append_events(session, batch)
    recorded = [event for event, _ in batch]
    outbound.enqueue_many(session, recorded)
    for event in recorded:
        for path in EVENT_HOOKS.get(event.type, ()):
            _hook(path)(svc, session, event)
    return recorded


def _hook(path: str) -> Callable[[Service, Session, Event], object]:
    module, _, name = path.partition(":")
    hook: Callable[[Service, Session, Event], object] = getattr(importlib.import_module(module), name)
    return hook


def record_for(
    svc: Service, session: Session, conversation: Conversation, type_: str, payload: dict[str, Any], actor: Actor
) -> Event:
    """`record` for an event about one conversation, done by `actor`."""
    return record(
        svc,
        session,
        type_,
        payload,
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
        actor=actor.label,
    )
