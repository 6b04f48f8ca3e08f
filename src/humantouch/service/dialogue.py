"""The bot inside the inbound flow: search knowledge before the transaction, respond inside it.

    search(svc, contact, triage)          model work, no transaction open (like triage)
    read_prior(session, customer, id)     before the write transaction too: the bot state and the
                                          customer's known facts (`Prior`)
    converse(svc, session, ...)           in the inbound write transaction: `bot.dialogue.respond`
                                          on the prior reads if their rows are unchanged (else it
                                          reads them again), store the reply as a bot message,
                                          set the status
    outbound_event(said)                  its `message.outbound` event, recorded after the routing events

The bot's outcome moves the conversation along the life cycle: intake -> `intake`, a handoff ->
`waiting_for_agent`, a confirmed answer -> `resolved` (code `answered_by_bot`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import CompoundSelect, Select, Update, bindparam, literal, select, union_all, update
from sqlalchemy.orm import Session

from humantouch.bot.dialogue import Profile, State, Step, Turn, respond
from humantouch.knowledge import ARTICLE_FORMS, Article, Hit
from humantouch.playbook import Playbook
from humantouch.privacy import messages as privacy_messages
from humantouch.records import Contact, Triage
from humantouch.service import events, lifecycle, views
from humantouch.service.context import Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import BotState, Conversation, CustomerFact, Identity, Message

BOT_RESOLUTION = "answered_by_bot"
# Identity kinds that are intake facts the customer never needs to type again. An e-mail identity
# is where a message came from, not necessarily the address the account is registered with.
PROFILE_FACTS = {"customer_number": "customer_number"}


@dataclass(frozen=True, slots=True)
class Found:
    """The knowledge search for one message: the ranked hits, and the article to answer with (if confident)
    with its texts in other forms of address (the bot picks the one in the customer's)."""

    hits: tuple[Hit, ...] = ()
    article: Article | None = None
    similarity: float = 0.0
    variants: tuple[Article, ...] = ()


@dataclass(frozen=True, slots=True)
class Said:
    """What the bot did with one customer message."""

    step: Step
    message: Message | None

    def response(self) -> dict[str, Any] | None:
        if self.message is None or self.step.reply is None:
            return None
        return {"message_id": self.message.id, "text": self.message.text, "kind": self.step.reply.kind}


def intent_probabilities(triage: Triage) -> dict[str, float]:
    """The classifier's top intents as the knowledge search's third ranking."""
    i = triage.analysis.intent
    probs = dict(i.alternatives)
    if i.name != "unknown":
        probs[i.name] = i.confidence
    return probs


def search(svc: Service, contact: Contact, triage: Triage) -> Found:
    if svc.knowledge is None:
        return Found()
    lang: str | None = triage.analysis.language
    if lang not in ("nl", "en"):
        lang = contact.customer.language if contact.customer and contact.customer.language in ("nl", "en") else None
    result = svc.knowledge.search(contact.text, lang, intents=intent_probabilities(triage))
    best = result.best
    if best is None:
        return Found(result.hits)
    article = next(a for a in svc.knowledge.articles if (a.id, a.lang) == (best.article_id, best.lang))
    # The retrieval's confidence already weighs the classifier's intent (knowledge.CONFIDENCE_WEIGHTS);
    # the bot also answers only from an article that declares the classified intent (bot/dialogue.py).
    if result.confident:
        forms = (svc.knowledge.variant(article.id, article.lang, form) for form in ARTICLE_FORMS)
        return Found(result.hits, article, best.similarity, tuple(v for v in forms if v is not None))
    return Found(result.hits)


@dataclass(frozen=True, slots=True)
class Prior:
    """What the bot's turn reads, read before the write transaction so the lock is not held for it: the
    customer's known facts and the conversation's bot state, with the versions of the rows they came from.
    Inside the transaction `usable` keeps what is still current (the customer and conversation rows are
    read there anyway); what changed in between is read again there.

    Every change of a bot state comes with a customer message, which changes its conversation's
    `message_count` and `updated_at`; every change of a customer's identities changes its `updated_at`
    (service/customers.py).
    """

    customer_id: str
    customer_updated_at: datetime
    known: dict[str, str]
    conversation_id: str | None = None
    message_count: int = -1
    conversation_updated_at: datetime | None = None
    state: dict[str, Any] | None = None  # None: the conversation has no bot state row


@cache
def _state_with_version() -> Select[tuple[int, datetime, dict[str, Any] | None]]:
    return (
        select(Conversation.message_count, Conversation.updated_at, BotState.state)
        .outerjoin(BotState, BotState.conversation_id == Conversation.id)
        .where(Conversation.id == bindparam("conversation_id"))
    )


def read_prior(session: Session, customer: repo.CustomerRow, conversation_id: str | None) -> Prior:
    prior = Prior(customer.id, customer.updated_at, known_facts(session, customer.id))
    if conversation_id is None:
        return prior
    # In the read session before the write transaction: nothing pending to flush.
    row = session.connection().execute(_state_with_version(), {"conversation_id": conversation_id}).first()
    if row is None:
        return prior
    return replace(
        prior, conversation_id=conversation_id, message_count=row[0], conversation_updated_at=row[1], state=row[2]
    )


def usable(prior: Prior | None, customer: repo.CustomerRow, conversation: repo.ConversationRow | None) -> Prior | None:
    """`prior` as far as its rows are unchanged: call inside the write transaction, with the customer
    (locked) and the conversation as read there, before this message changes them."""
    if prior is None or prior.customer_id != customer.id or prior.customer_updated_at != customer.updated_at:
        return None
    if conversation is None or (prior.conversation_id, prior.message_count, prior.conversation_updated_at) != (
        conversation.id,
        conversation.message_count,
        conversation.updated_at,
    ):
        return replace(prior, conversation_id=None, state=None)
    return prior


@cache
def _profile_rows() -> CompoundSelect[int, int, str, str]:
    """Built once: every inbound message runs it (see storage/repository.py on reused statements)."""
    return union_all(
        select(literal(0).label("source"), Identity.id, Identity.kind, Identity.value).where(
            Identity.customer_id == bindparam("customer_id"), Identity.kind.in_(list(PROFILE_FACTS))
        ),
        select(literal(1), CustomerFact.id, CustomerFact.fact, CustomerFact.value).where(
            CustomerFact.customer_id == bindparam("customer_id")
        ),
    )


def known_facts(session: Session, customer_id: str) -> dict[str, str]:
    """The facts known of the customer: identities of PROFILE_FACTS kinds first, then the collected
    facts; the oldest row of a fact wins. One query for both."""
    # Without autoflush, as `converse` reads it anyway (nothing this transaction changes is a fact or an
    # identity); on the connection, without the ORM's execution layer (storage/repository.py).
    rows = session.connection().execute(_profile_rows(), {"customer_id": customer_id}).all()
    known: dict[str, str] = {}
    for source, _, name, value in sorted(rows, key=lambda r: (r[0], r[1])):
        known.setdefault(PROFILE_FACTS[name] if source == 0 else name, value)
    return known


@cache
def _profile_rows_and_texts(limit: int) -> CompoundSelect[int, int, str, str]:
    """`_profile_rows` and `repo.customer_texts` in one query: the texts as rows of source 2."""
    texts = (
        select(Message.id, Message.text)
        .where(Message.conversation_id == bindparam("conversation_id"), Message.author == "customer")
        .order_by(Message.id.desc())
        .limit(limit)
        .subquery()
    )
    return union_all(*_profile_rows().selects, select(literal(2), texts.c.id, literal(""), texts.c.text))


def prior_and_history(session: Session, read: repo.CustomerRead, limit: int) -> tuple[Prior, list[str]]:
    """`read_prior` and `repo.customer_texts` for what `repo.customer_with_open_conversation` read,
    in one query more (the known facts and the conversation's last `limit` customer texts)."""
    params = {"customer_id": read.customer.id, "conversation_id": read.conversation_id}
    rows = session.connection().execute(_profile_rows_and_texts(limit), params).all()
    known: dict[str, str] = {}
    texts: list[str] = []
    for source, _, name, value in sorted(rows, key=lambda r: (r[0], r[1])):
        if source == 2:
            texts.append(value)  # oldest first, as customer_texts gives them
        else:
            known.setdefault(PROFILE_FACTS[name] if source == 0 else name, value)
    prior = Prior(read.customer.id, read.customer.updated_at, known)
    if read.conversation_id is None:
        return prior, texts
    return replace(
        prior,
        conversation_id=read.conversation_id,
        message_count=read.message_count,
        conversation_updated_at=read.conversation_updated_at,
        state=read.state,
    ), texts


@cache
def _update_state() -> Update:
    table = BotState.__table__
    return (
        update(table)  # type: ignore[arg-type]
        .where(table.c.conversation_id == bindparam("cid"))
        .values(state=bindparam("state"), updated_at=bindparam("now"))
    )


def converse(
    svc: Service,
    session: Session,
    conversation: repo.ConversationRow,
    customer: repo.CustomerRow,
    message: Message,
    triage: Triage,
    before: str | None,
    found: Found,
    *,
    text: str | None = None,
    prior: Prior | None = None,
) -> Said:
    """`text` is what the customer wrote (the triage's entity offsets point into it); the stored
    `message.text` may be masked for privacy. `prior`: the reads made before the transaction, as far
    as they are still current (`usable`)."""
    playbook = svc.engine.playbook
    # The bot reads intents' facts and thresholds: the engine's playbook is the full Playbook.
    assert isinstance(playbook, Playbook), "the bot needs the engine's Playbook"
    # The state and the known facts come from `prior` where it is still current, else they are read here;
    # neither read depends on the changes this transaction has pending (the conversation's), so they need
    # not be flushed first. A conversation that starts with this message (`before` is None) has no state.
    row: BotState | None = None
    stored: dict[str, Any] | None = None
    prior_state = prior is not None and prior.conversation_id == conversation.id and before is not None
    with session.no_autoflush:
        if prior_state:
            assert prior is not None
            stored = prior.state
        elif before is not None:
            row = session.get(BotState, conversation.id)
            stored = row.state if row is not None else None
        known = prior.known if prior is not None else known_facts(session, customer.id)
    profile = Profile(customer.name, customer.language, customer.form_of_address, known)
    state = State.from_dict(stored)
    turn = Turn(
        text=text if text is not None else message.text,
        message_id=message.id,
        triage=triage,
        status=before,
        route=conversation.route,
        article=found.article,
        similarity=found.similarity,
        variants=found.variants,
    )
    step = respond(state, turn, profile, playbook)
    now = svc.clock()
    # The raw value of a collected fact is needed only in this turn (the reply guard below); the
    # stored working state keeps it masked like the message it came from (docs/privacy.md).
    masks = privacy_messages.fact_masks(
        ((f.fact, f.value) for f in step.state.facts), playbook.storage, step.state.language
    )
    new_state = privacy_messages.masked_state(step.state, masks).to_dict()
    # A state read before the transaction is updated with a plain statement (its row is not in the
    # session); one removed in between (retention) is added again, as a state read here would be.
    updated = prior_state and stored is not None and _state_updated(session, conversation.id, new_state, now)
    if not updated:
        if row is None:
            row = BotState(conversation_id=conversation.id, customer_id=customer.id, state={}, updated_at=now)
            session.add(row)
        row.state = new_state
        row.updated_at = now
    if step.state.intent is not None:
        # The topic as the bot followed it: an answer to its question ("op de A28") is no new topic.
        conversation.intent = step.state.intent
    _move(svc, session, conversation, step)
    if step.reply is None:
        return Said(step, None)
    # The templates never quote a collected value; should one ever do, the stored (and so the
    # delivered) reply holds the placeholder, not the customer's IBAN (docs/privacy.md).
    reply = repo.add_message(
        session,
        Message(
            conversation_id=conversation.id,
            customer_id=customer.id,
            channel=conversation.channel,
            author="bot",
            text=privacy_messages.mask_known(step.reply.text, masks),
            created_at=now,
        ),
    )
    conversation.message_count += 1
    return Said(step, reply)


def _state_updated(session: Session, conversation_id: str, state: dict[str, Any], now: datetime) -> bool:
    result = session.connection().execute(_update_state(), {"cid": conversation_id, "state": state, "now": now})
    return bool(getattr(result, "rowcount", 0))


def outbound_event(said: Said) -> events.Pending | None:
    """The `message.outbound` event of the bot's reply; recorded after the routing events, so the
    log reads in the order things happened (received, routed, handed off, answered)."""
    if said.message is None:
        return None
    return events.Pending(
        "message.outbound",
        {"message_id": said.message.id, "author": "bot"},
        customer_id=said.message.customer_id,
        conversation_id=said.message.conversation_id,
        actor="bot",
    )


def _move(svc: Service, session: Session, conversation: repo.ConversationRow, step: Step) -> None:
    if step.outcome == "intake" and conversation.status not in lifecycle.NEEDS_PERSON:
        conversation.status = "intake"
    elif step.outcome == "handoff" and conversation.status not in lifecycle.NEEDS_PERSON:
        conversation.status = "waiting_for_agent"
    elif step.outcome == "resolved" and conversation.status not in lifecycle.NEEDS_PERSON:
        conversation.status = "resolved"
        conversation.resolution_code = BOT_RESOLUTION
        events.record(
            svc,
            session,
            "contact.resolved",
            {"conversation": views.conversation(conversation), "resolution_code": BOT_RESOLUTION},
            customer_id=conversation.customer_id,
            conversation_id=conversation.id,
            actor="bot",
        )
