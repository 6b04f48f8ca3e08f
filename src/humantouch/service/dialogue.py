"""The bot inside the inbound flow: search knowledge before the transaction, respond inside it.

    search(svc, contact, triage)          model work, no transaction open (like triage)
    converse(svc, session, ...)           in the inbound write transaction: load the bot state,
                                          `bot.dialogue.respond`, store the reply as a bot message,
                                          set the status
    record_outbound(svc, session, said)   its `message.outbound` event, after the routing events

The bot's outcome moves the conversation along the life cycle: intake -> `intake`, a handoff ->
`waiting_for_agent`, a confirmed answer -> `resolved` (code `answered_by_bot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from humantouch.bot.dialogue import Profile, State, Step, Turn, respond
from humantouch.knowledge import ARTICLE_FORMS, Article, Hit
from humantouch.playbook import Playbook
from humantouch.privacy import messages as privacy_messages
from humantouch.records import Contact, Triage
from humantouch.service import events, lifecycle, views
from humantouch.service.context import Service
from humantouch.storage import repository as repo
from humantouch.storage.tables import BotState, Conversation, Customer, CustomerFact, Identity, Message

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


def load_state(session: Session, conversation_id: str) -> State:
    row = session.get(BotState, conversation_id)
    return State.from_dict(row.state if row is not None else None)


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


def profile_of(session: Session, customer: Customer) -> Profile:
    """The facts known of the customer: identities of PROFILE_FACTS kinds first, then the collected
    facts; the oldest row of a fact wins. One query for both."""
    rows = session.execute(_profile_rows(), {"customer_id": customer.id}).all()
    known: dict[str, str] = {}
    for source, _, name, value in sorted(rows, key=lambda r: (r[0], r[1])):
        known.setdefault(PROFILE_FACTS[name] if source == 0 else name, value)
    return Profile(customer.name, customer.language, customer.form_of_address, known)


def converse(
    svc: Service,
    session: Session,
    conversation: Conversation,
    customer: Customer,
    message: Message,
    triage: Triage,
    before: str | None,
    found: Found,
    *,
    text: str | None = None,
) -> Said:
    """`text` is what the customer wrote (the triage's entity offsets point into it); the stored
    `message.text` may be masked for privacy."""
    playbook = svc.engine.playbook
    # The bot reads intents' facts and thresholds: the engine's playbook is the full Playbook.
    assert isinstance(playbook, Playbook), "the bot needs the engine's Playbook"
    # Neither read depends on the changes this transaction has pending (the conversation's), so they
    # need not be flushed first; they are written once, with the bot's reply, below. A conversation
    # that starts with this message (`before` is None) has no bot state yet.
    with session.no_autoflush:
        row = session.get(BotState, conversation.id) if before is not None else None
        profile = profile_of(session, customer)
    state = State.from_dict(row.state if row is not None else None)
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
    if row is None:
        row = BotState(conversation_id=conversation.id, customer_id=customer.id, state={}, updated_at=now)
        session.add(row)
    # The raw value of a collected fact is needed only in this turn (the reply guard below); the
    # stored working state keeps it masked like the message it came from (docs/privacy.md).
    masks = privacy_messages.fact_masks(
        ((f.fact, f.value) for f in step.state.facts), playbook.storage, step.state.language
    )
    row.state = privacy_messages.masked_state(step.state, masks).to_dict()
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
            agent_id=None,
            text=privacy_messages.mask_known(step.reply.text, masks),
            triage=None,
            route=None,
            priority=None,
            external_id=None,
            created_at=now,
        ),
    )
    conversation.message_count += 1
    return Said(step, reply)


def record_outbound(svc: Service, session: Session, said: Said) -> None:
    """The `message.outbound` event of the bot's reply; recorded after the routing events, so the
    log reads in the order things happened (received, routed, handed off, answered)."""
    if said.message is None:
        return
    events.record(
        svc,
        session,
        "message.outbound",
        {"message_id": said.message.id, "author": "bot"},
        customer_id=said.message.customer_id,
        conversation_id=said.message.conversation_id,
        actor="bot",
    )


def _move(svc: Service, session: Session, conversation: Conversation, step: Step) -> None:
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
