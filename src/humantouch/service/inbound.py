"""The inbound flow: a customer message from any channel becomes a stored, analysed, routed contact.

    normalise sender -> replay? -> read context (and what the bot's turn reads: dialogue.Prior)
      -> triage (engine, no transaction open) -> knowledge search
      -> ONE write transaction: customer (resolve or create, then lock),
         conversation (reference / open one / new), message + triage, conversation state,
         the bot's turn, SLA due, event log, outbox rows, the idempotency row with the response -> commit
      (on SQLite the commit may be shared with other requests' messages, each in a savepoint of its
      own: storage/group.py; the answer comes after the commit either way)

Triage runs before the write transaction so no lock is held during model work; the context it
sees (history, recent contacts) is read just before. Locking the customer row serialises the
writes for one customer, so parallel messages never open two conversations for the same channel.

The write transaction is kept short, because on SQLite every writer of every API process waits for
it: the bot's state and the customer's known facts are read before it and used inside only while the
rows they came from are unchanged (`dialogue.usable`), and the rows a message appends (message, events,
outbox and delivery rows, the idempotency row) are plain inserts that run at once instead of ORM
objects flushed by the unit of work (storage/repository.py). The customer and the conversation are
plain records too (`repository.CustomerRow`, `repository.ConversationRow`), read as columns; the
conversation's changed columns are written with one update at the end (`repository.save_conversation`),
together with the idempotency row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from humantouch.errors import ConflictError, InputError, NotFoundError
from humantouch.privacy import messages as privacy_messages
from humantouch.records import Contact, CustomerContext, Triage
from humantouch.service import briefing, dialogue, events, lifecycle, views
from humantouch.service.context import Service
from humantouch.service.identities import normalize
from humantouch.storage import repository as repo
from humantouch.storage.tables import Message, new_id

RECENT_WINDOW = timedelta(days=7)
HISTORY_MESSAGES = 10


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: str
    sender_kind: str
    sender_value: str
    text: str
    sender_name: str | None = None
    conversation_id: str | None = None
    idempotency_key: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    response: dict[str, Any]
    replayed: bool


def receive(
    svc: Service, msg: InboundMessage, *, after_store: Callable[[Session, dict[str, Any]], None] | None = None
) -> Received:
    """`after_store(session, response)` runs inside the write transaction, after the message is
    stored: channels record their thread id there, so it commits together with the message."""
    if not msg.text.strip():
        raise InputError("the message text is empty", code="HT-IN-EMPTY")
    kind, value = normalize(msg.sender_kind, msg.sender_value)
    digest = _request_hash(msg, kind, value)
    since = svc.clock() - RECENT_WINDOW
    with svc.db.read() as session:
        # The idempotency check and the customer's context in one query (most messages are new).
        read, remembered = repo.customer_with_open_conversation(
            session, kind, value, msg.channel, since, key=msg.idempotency_key
        )
        if msg.idempotency_key and remembered is not None:
            return Received(_replayed(msg.idempotency_key, digest, remembered), True)
        contact, prior = _contact(svc, session, msg, read, since)
    triage = svc.engine.triage(contact)
    found = dialogue.search(svc, contact, triage)

    def write(session: Session) -> dict[str, Any]:
        response, conversation = _store(svc, session, msg, kind, value, triage, found, prior)
        if after_store is not None:
            after_store(session, response)
        # The idempotency row is inserted with the response, in the same transaction: a concurrent
        # request with the same key collides here (its writes roll back) and replays ours. The same
        # sender's requests queue on the customer lock before that anyway. It goes with the conversation's
        # update, last: one statement on PostgreSQL (repository.save_conversation).
        remember = repo.remembered(msg.idempotency_key, digest, response, svc.clock()) if msg.idempotency_key else None
        repo.save_conversation(session, conversation, remember=remember)
        return response

    try:
        # Perhaps in one transaction with other requests' messages, each in its own savepoint
        # (Database.grouped): returns once the message is committed.
        response = svc.db.grouped(write)
    except IntegrityError as exc:
        if msg.idempotency_key:
            with svc.db.read() as session:
                earlier = _replay(session, msg.idempotency_key, digest)
            if earlier is not None:
                return Received(earlier, True)
        raise ConflictError(
            "the message could not be stored: a concurrent write collided",
            hint="send it again",
            code="HT-CONFLICT-COLLISION",
        ) from exc
    return Received(response, False)


def _request_hash(msg: InboundMessage, kind: str, value: str) -> str:
    fields = asdict(msg) | {"sender_kind": kind, "sender_value": value}
    fields.pop("idempotency_key")
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _replay(session: Session, key: str, digest: str) -> dict[str, Any] | None:
    row = repo.remembered_response(session, key)
    return None if row is None else _replayed(key, digest, row)


def _replayed(key: str, digest: str, row: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    request_hash, response = row
    if request_hash != digest:
        raise ConflictError(
            f"idempotency key {key!r} was used before for a different message",
            hint="use a new key for a new message",
            code="HT-CONFLICT-IDEMPOTENCY",
        )
    return dict(response)


def _contact(
    svc: Service, session: Session, msg: InboundMessage, read: repo.CustomerRead | None, since: datetime
) -> tuple[Contact, dialogue.Prior | None]:
    """What the engine should know beside the text: the customer profile and the conversation so far;
    and what the bot's turn will read (`dialogue.Prior`), so the write transaction need not."""
    # `read`: the customer with the open conversation and its bot state (`receive` read it); then one
    # query for the known facts with the conversation's history (dialogue.prior_and_history). A message
    # that names its conversation, or a merged customer's, reads them one by one.
    if read is None:
        return Contact(text=msg.text, channel=msg.channel, customer=CustomerContext(name=msg.sender_name)), None
    customer = read.customer
    prior: dialogue.Prior | None = None
    if not read.complete:
        customer = repo.CustomerRow.of(repo.live_customer(session, customer.id))
    if msg.conversation_id:
        conversation = _conversation_for(session, msg, customer)
        conversation_id = conversation.id if conversation else None
        recent = repo.recent_conversation_count(session, customer.id, since, exclude=conversation_id)
    elif not read.complete:
        conversation_id, recent = repo.open_conversation_and_recent(session, customer.id, msg.channel, since)
    else:
        conversation_id, recent = read.conversation_id, read.recent
        prior, history = dialogue.prior_and_history(session, read, HISTORY_MESSAGES)
    if prior is None:
        history = repo.customer_texts(session, conversation_id, HISTORY_MESSAGES) if conversation_id else []
        prior = dialogue.read_prior(session, customer, conversation_id)
    fa = customer.form_of_address
    contact = Contact(
        text=msg.text,
        channel=msg.channel,
        history=tuple(history),
        customer=CustomerContext(
            annual_value_eur=customer.annual_value_eur,
            tenure_years=customer.tenure_years,
            segment=customer.segment,
            name=customer.name or msg.sender_name,
            form_of_address=fa if fa in ("formal", "informal", "unknown") else None,  # type: ignore[arg-type]
            language=customer.language,
            recent_contacts=recent,
        ),
    )
    return contact, prior


def _conversation_for(
    session: Session, msg: InboundMessage, customer: repo.CustomerRow, *, write: bool = False
) -> repo.ConversationRow | None:
    """The conversation this message belongs to; None means a new one starts. In the `write`, read under
    the row's lock, so an agent's reply committing meanwhile is seen, not overwritten."""
    if msg.conversation_id:
        conversation = repo.conversation_row(session, msg.conversation_id, lock=write)
        if conversation is None:
            raise NotFoundError(f"no conversation {msg.conversation_id}", code="HT-NOTFOUND-CONVERSATION")
        owner = repo.live_customer(session, conversation.customer_id)
        if owner.id != customer.id:
            raise ConflictError(
                f"conversation {conversation.id} belongs to another customer",
                hint="leave conversation_id out to let humantouch find it",
                code="HT-CONFLICT-CONVERSATION",
            )
        return None if conversation.status == "closed" else conversation
    return repo.open_conversation(session, customer.id, msg.channel)


def _store(
    svc: Service,
    session: Session,
    msg: InboundMessage,
    kind: str,
    value: str,
    triage: Triage,
    found: dialogue.Found | None = None,
    prior: dialogue.Prior | None = None,
) -> tuple[dict[str, Any], repo.ConversationRow]:
    """The message stored, with everything it causes but the conversation's update (the caller's)."""
    now = svc.clock()
    customer, created = repo.customer_for_identity(session, kind, value, name=msg.sender_name)
    if created:
        events.record(
            svc,
            session,
            "customer.created",
            {"identity": {"kind": kind, "value": value}},
            customer_id=customer.id,
            actor="inbound",
        )
    elif msg.sender_name and not customer.name:
        customer = repo.rename_customer(session, customer, msg.sender_name)

    decision = triage.decision
    conversation = _conversation_for(session, msg, customer, write=True)
    before = conversation.status if conversation is not None else None
    # What the bot's turn read before the transaction, as far as it is still current; before anything
    # here changes the customer or the conversation.
    prior = dialogue.usable(prior, customer, conversation)
    # Personal data is masked before anything is stored; the original only encrypted (humantouch.privacy).
    stored = privacy_messages.prepare(msg.text, triage, svc.engine.playbook.storage)
    triage_dict = stored.triage
    new_conversation = conversation is None
    if conversation is None:
        conversation = repo.ConversationRow(
            id=new_id("con"),
            customer_id=customer.id,
            channel=msg.channel,
            status=lifecycle.status_after_customer_message(None, decision.route),
            route=decision.route,
            quadrant=decision.quadrant,
            priority=decision.priority,
            intent=None,
            language=None,
            sla_due_at=now + timedelta(minutes=svc.sla_minutes(msg.channel, decision.priority)),
            assigned_agent_id=None,
            resolution_code=None,
            message_count=0,
            created_at=now,
            updated_at=now,
            last_message_at=now,
            special_categories=[],
        )
        _take_in(conversation, triage, stored, now)
        repo.add_conversation(session, conversation)  # the message refers to it
    # The message id is needed now (its original, the bot's turn, the events): a plain insert gives it
    # at once. An existing conversation is written once, at the end, with the bot's changes.
    message = repo.add_message(
        session,
        Message(
            conversation_id=conversation.id,
            customer_id=customer.id,
            channel=msg.channel,
            author="customer",
            text=stored.text,
            triage=triage_dict,
            route=decision.route,
            priority=decision.priority,
            external_id=msg.external_id,
            created_at=now,
        ),
    )
    if not new_conversation:
        _escalate(svc, conversation, triage, reopened=before == "resolved")
        _take_in(conversation, triage, stored, now)
    privacy_messages.keep_original(svc, session, message, msg.text, stored)
    said = dialogue.converse(
        svc,
        session,
        conversation,
        customer,
        message,
        triage,
        before,
        found or dialogue.Found(),
        text=msg.text,
        prior=prior,
    )

    conv_view = views.conversation(conversation)
    msg_view = views.message(message, with_triage=False)
    ids = {"customer_id": customer.id, "conversation_id": conversation.id}
    # Recorded together at the end, in this order: one insert for the events, one for their deliveries.
    pending = [
        events.Pending("message.received", {"message_id": message.id}, actor="inbound", **ids),
        events.Pending(
            "contact.routed",
            privacy_messages.outgoing(
                svc.engine.playbook.storage,
                conversation,
                {"conversation": conv_view, "message": msg_view, "triage": triage_dict},
                triage_dict,
            ),
            actor="engine",
            **ids,
        ),
    ]
    if conversation.status in lifecycle.NEEDS_PERSON and before not in lifecycle.NEEDS_PERSON:
        brief = briefing.store(svc, session, conversation, found.hits if found else ())
        # The scorecard's briefing coverage counts these (feedback/dataset.py).
        pending.append(events.Pending("briefing.created", {"message_id": message.id}, actor="bot", **ids))
        pending.append(
            events.Pending(
                "contact.handoff",
                privacy_messages.outgoing(
                    svc.engine.playbook.storage,
                    conversation,
                    {
                        "conversation": conv_view,
                        "message_id": message.id,
                        "reasons": triage_dict["reasons"],
                        "briefing": brief,
                    },
                    triage_dict,
                ),
                actor="engine",
                **ids,
            )
        )
    if (answered := dialogue.outbound_event(said)) is not None:
        pending.append(answered)
    events.record_many(svc, session, pending)
    # The conversation's changes are written by the caller, last (`receive`).
    return {
        "message": msg_view,
        "triage": triage_dict,
        "conversation": conv_view,
        "customer": {"id": customer.id, "created": created},
        "reply": said.response(),
    }, conversation


def _take_in(
    conversation: repo.ConversationRow, triage: Triage, stored: privacy_messages.Prepared, now: datetime
) -> None:
    """What every customer message changes in its conversation (after `_escalate` for an existing one)."""
    analysis = triage.analysis
    if analysis.intent.name != "unknown" or conversation.intent is None:
        conversation.intent = analysis.intent.name
    conversation.language = analysis.language
    conversation.message_count += 1
    conversation.last_message_at = now
    conversation.updated_at = now
    if stored.special:
        conversation.special_categories = sorted({*(conversation.special_categories or []), *stored.special})


def _escalate(svc: Service, conversation: repo.ConversationRow, triage: Triage, *, reopened: bool) -> None:
    """Fold a new decision into the conversation: routes and priorities only ever go up."""
    d = triage.decision
    now = svc.clock()
    if reopened:
        conversation.route, conversation.priority, conversation.quadrant = d.route, d.priority, d.quadrant
        conversation.resolution_code = None
        conversation.assigned_agent_id = None
        conversation.sla_due_at = now + timedelta(minutes=svc.sla_minutes(conversation.channel, d.priority))
        conversation.status = lifecycle.status_after_customer_message("resolved", d.route)
        return
    route = lifecycle.higher_route(conversation.route, d.route)
    if route != conversation.route or d.route == route:
        conversation.quadrant = d.quadrant
    conversation.route = route
    priority = lifecycle.higher_priority(conversation.priority, d.priority)
    if priority != conversation.priority:
        due = now + timedelta(minutes=svc.sla_minutes(conversation.channel, priority))
        current = conversation.sla_due_at
        conversation.sla_due_at = due if current is None else min(current, due)
        conversation.priority = priority
    conversation.status = lifecycle.status_after_customer_message(conversation.status, route)
