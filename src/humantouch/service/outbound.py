"""Outbound delivery through channels: queueing, claiming and finishing `channel_deliveries` rows,
and the thread rows that tell which channel (and which thread in it) a conversation answers on.

A `message.outbound` or `contact.handoff` event queues a delivery in the transaction that records
it (`enqueue_many`, called by events.record_many), so a reply is never stored without its delivery nor the
other way round. The worker (channels/worker.py) claims due rows with a lease, exactly like the
webhook outbox: at least once, never by two workers at the same time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.orm import Session

from humantouch.channels import Outbound
from humantouch.service import views
from humantouch.storage import repository as repo
from humantouch.storage.tables import (
    ChannelDelivery,
    ChannelThread,
    Conversation,
    Customer,
    Event,
    Identity,
    Message,
    utcnow,
)

DELIVERED_EVENTS = {"message.outbound": "message", "contact.handoff": "handoff"}
MAX_KEY = 300


@cache
def _insert_delivery() -> Insert:
    return insert(ChannelDelivery.__table__)  # type: ignore[arg-type]  # plain insert (storage/repository.py)


def enqueue_many(session: Session, events: Sequence[Event]) -> int:
    """Queue the channel delivery of each event that has one, in one statement (inserted at once, like the
    events themselves); returns how many deliveries were queued."""
    rows = [row for event in events if (row := _delivery(event)) is not None]
    if rows:
        session.connection().execute(_insert_delivery(), rows)
    return len(rows)


def _delivery(event: Event) -> dict[str, Any] | None:
    kind = DELIVERED_EVENTS.get(event.type)
    if kind is None or event.conversation_id is None:
        return None
    message_id = event.payload.get("message_id") if kind == "message" else None
    return {
        "event_id": event.id,
        "kind": kind,
        "conversation_id": event.conversation_id,
        "customer_id": event.customer_id or "",
        "message_id": int(message_id) if message_id is not None else None,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": event.created_at,
        "progress": [],
        "created_at": event.created_at,
    }


# -- threads ------------------------------------------------------------------------------------------


def thread_key(key: str) -> str:
    """Keys longer than the column (a very long Message-ID) are kept as their hash."""
    key = key.strip()
    return key if len(key) <= MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def find_conversation(session: Session, channel: str, keys: Sequence[str]) -> str | None:
    """The conversation of the first of `keys` that is a known thread of `channel`."""
    for key in keys:
        row = session.scalars(
            select(ChannelThread).where(ChannelThread.channel == channel, ChannelThread.key == thread_key(key))
        ).first()
        if row is not None:
            return row.conversation_id
    return None


def remember(
    session: Session, channel: str, key: str, conversation_id: str, customer_id: str, data: dict[str, Any]
) -> ChannelThread:
    """Insert or move a thread row; the newest row of a conversation decides where answers go."""
    now = utcnow()
    row = session.scalars(
        select(ChannelThread)
        .where(ChannelThread.channel == channel, ChannelThread.key == thread_key(key))
        .with_for_update()
    ).first()
    if row is None:
        row = ChannelThread(
            channel=channel,
            key=thread_key(key),
            conversation_id=conversation_id,
            customer_id=customer_id,
            data=data,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    else:
        row.conversation_id, row.customer_id, row.data, row.updated_at = conversation_id, customer_id, data, now
    session.flush()
    return row


def latest_thread(session: Session, conversation_id: str) -> ChannelThread | None:
    return session.scalars(
        select(ChannelThread)
        .where(ChannelThread.conversation_id == conversation_id)
        .order_by(ChannelThread.updated_at.desc(), ChannelThread.id.desc())
        .limit(1)
    ).first()


# -- deliveries ---------------------------------------------------------------------------------------


def claim(session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[ChannelDelivery]:
    """Claim due deliveries with a lease (repository.claim_leased, shared with the webhook outbox)."""
    ids = repo.claim_leased(session, ChannelDelivery, worker=worker, now=now, lease=lease, limit=limit)
    if not ids:
        return []
    return list(
        session.scalars(
            select(ChannelDelivery)
            .where(ChannelDelivery.id.in_(ids))
            .order_by(ChannelDelivery.id)
            .execution_options(populate_existing=True)
        ).all()
    )


def finish(
    session: Session,
    delivery_id: int,
    worker: str,
    *,
    status: str,
    now: datetime,
    channel: str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
    external_id: str | None = None,
    progress: Sequence[str] = (),
) -> bool:
    """Record the outcome; only the worker that holds the claim may. False if the claim was lost."""
    values: dict[str, Any] = {"channel": channel, "progress": list(progress)}
    if status == "pending":
        values.update(next_attempt_at=retry_at, last_error=error)
    else:
        values.update(status=status, last_error=error, external_id=external_id)
        if status in ("sent", "skipped"):
            values["sent_at"] = now
    return repo.release_leased(session, ChannelDelivery, delivery_id, worker, values)


def outbound(session: Session, row: ChannelDelivery, note: str | None = None) -> tuple[str, Outbound] | None:
    """The channel name and the record to deliver; None when the conversation is gone (erased)."""
    conversation = session.get(Conversation, row.conversation_id)
    if conversation is None:
        return None
    thread = latest_thread(session, conversation.id)
    message = session.get(Message, row.message_id) if row.message_id is not None else None
    email = session.scalars(
        select(Identity.value)
        .where(Identity.customer_id == conversation.customer_id, Identity.kind == "email")
        .order_by(Identity.id)
        .limit(1)
    ).first()
    customer = session.get(Customer, conversation.customer_id)
    return (
        thread.channel if thread is not None else conversation.channel,
        Outbound(
            delivery_id=row.id,
            kind="handoff" if row.kind == "handoff" else "message",
            conversation=views.conversation(conversation),
            thread=dict(thread.data) if thread is not None else {},
            thread_key=thread.key if thread is not None else None,
            customer_email=email,
            customer_name=customer.name if customer is not None else None,
            message=views.message(message, with_triage=False) if message is not None else None,
            note=note,
            done=tuple(str(step) for step in row.progress or ()),
        ),
    )


def handoff_reasons(session: Session, row: ChannelDelivery) -> list[dict[str, Any]]:
    """The reasons the handoff event carried, else those of the last customer message's triage."""
    event = session.get(Event, row.event_id)
    reasons = event.payload.get("reasons") if event is not None else None
    if isinstance(reasons, list) and reasons:
        return [r for r in reasons if isinstance(r, dict)]
    last = session.scalars(
        select(Message)
        .where(Message.conversation_id == row.conversation_id, Message.author == "customer")
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    triage = last.triage if last is not None and last.triage else {}
    found = triage.get("reasons", [])
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def last_customer_text(session: Session, conversation_id: str) -> str | None:
    return session.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.author == "customer")
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
