"""What the inbound flow stores of a message: masked text and analysis, the original encrypted.

`prepare` is pure (text + triage + policy -> what to store), and so is `fact_masks` (the facts the
bot collected -> the placeholders they get where they are shown); `keep_original` and `read_original`
touch the database. Reading an original is a privileged act: it needs a role the playbook allows
and leaves an audit entry in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from humantouch.bot.dialogue import State
from humantouch.bot.facts import SPAN_TYPES
from humantouch.entities import extract
from humantouch.errors import ForbiddenError, NotFoundError
from humantouch.playbook import StoragePolicy
from humantouch.privacy import audit
from humantouch.privacy.crypto import KeyRing, Sealed
from humantouch.privacy.masking import mask, placeholder, scrub, special_words
from humantouch.records import Triage
from humantouch.service.context import Actor, Service
from humantouch.storage import Database
from humantouch.storage.repository import ConversationRow
from humantouch.storage.tables import Conversation, Message, MessageOriginal


@dataclass(frozen=True, slots=True)
class Prepared:
    text: str
    triage: dict[str, Any]
    masked: bool
    special: tuple[str, ...]  # special-category names found in this message


def prepare(text: str, triage: Triage, policy: StoragePolicy) -> Prepared:
    a = triage.analysis
    masked = mask(text, (*a.entities, *a.special_categories), policy.mask, a.language)
    plain = scrub(triage.to_dict(), masked.replacements)
    special = tuple(sorted({s.type for s in a.special_categories}))
    return Prepared(masked.text, plain, masked.changed, special)


def fact_masks(facts: Iterable[tuple[str, str]], policy: StoragePolicy, language: str | None) -> dict[str, str]:
    """Raw value -> placeholder for every collected fact whose entity type the playbook masks.

    The bot reads facts from the original text, so it knows the raw values (an IBAN in an intake);
    wherever they are shown or sent (the handoff briefing, its webhook, the bot's own replies) they
    are masked like the message they came from, and so are they in the bot's stored working state
    (`bot_states`, see `masked_state`): the raw value lives only for the turn that read it.
    """
    masked = set(policy.mask)
    out: dict[str, str] = {}
    for fact, value in facts:
        if not value.strip():
            continue
        types = [t for t in SPAN_TYPES.get(fact, ()) if t in masked]
        if types:
            out[value] = placeholder(types[0], language)
        else:  # a free-text fact (a description) can hold a masked value: the recognisers find it
            out.update(mask(value, extract(value), policy.mask, language).replacements)
    return out


def mask_known(text: str, masks: dict[str, str]) -> str:
    """`text` with every raw value of `masks` replaced, longest first."""
    for value in sorted(masks, key=len, reverse=True):
        text = text.replace(value, masks[value])
    return text


def masked_state(state: State, masks: dict[str, str]) -> State:
    """The bot's state as stored: every collected fact's value with the raw values of `masks` replaced.

    An IBAN collected in an intake is kept as its placeholder; a description keeps its words with a
    phone number in it masked; a policy number (a type the playbook does not mask) stays as given.
    """
    if not masks:
        return state
    facts = tuple(dataclasses.replace(f, value=mask_known(f.value, masks)) for f in state.facts)
    return dataclasses.replace(state, facts=facts)


def aad(message_id: int) -> str:
    return f"message:{message_id}"


def keep_original(svc: Service, session: Session, message: Message, original: str, prepared: Prepared) -> bool:
    """Store the encrypted original when something was masked, the playbook allows it and a key is set."""
    policy = svc.engine.playbook.storage
    if not (prepared.masked and policy.keep_original and svc.data_keys is not None):
        return False
    sealed = svc.data_keys.encrypt(original, aad(message.id))
    now = svc.clock()
    session.add(
        MessageOriginal(
            message_id=message.id,
            customer_id=message.customer_id,
            key_id=sealed.key_id,
            ciphertext=sealed.blob,
            created_at=now,
            expires_at=now + timedelta(days=policy.original_days),
        )
    )
    return True


def read_original(svc: Service, actor: Actor, message_id: int) -> dict[str, Any]:
    policy = svc.engine.playbook.storage
    if actor.role not in policy.original_roles:
        raise ForbiddenError(
            f"the playbook lets only {', '.join(policy.original_roles)} read originals",
            code="HT-FORBIDDEN-ORIGINAL",
        )
    with svc.db.write() as session:
        row = session.get(MessageOriginal, message_id)
        if row is None or row.expires_at <= svc.clock():
            raise NotFoundError(
                f"no original is kept for message {message_id}",
                hint="originals are kept only when something was masked, and only for storage.original_days",
                code="HT-NOTFOUND-ORIGINAL",
            )
        if svc.data_keys is None:
            raise NotFoundError("no data key is configured to read originals with", code="HT-NOTFOUND-ORIGINAL")
        message = session.get(Message, message_id)
        conversation = session.get(Conversation, message.conversation_id) if message else None
        special = list(conversation.special_categories or []) if conversation else []
        audit.record(
            session,
            actor.label,
            "original.view",
            "message",
            str(message_id),
            {"customer_id": row.customer_id, "special_categories": special},
            now=svc.clock(),
        )
        text = svc.data_keys.decrypt(Sealed(row.key_id, row.ciphertext), aad(message_id))
        return {"message_id": message_id, "text": text, "expires_at": row.expires_at.isoformat()}


def outgoing(
    policy: StoragePolicy,
    conversation: Conversation | ConversationRow,
    payload: dict[str, Any],
    triage: dict[str, Any],
) -> dict[str, Any]:
    """An event payload fit for webhooks: special-category details withheld unless the playbook allows.

    The category names stay (receivers may need to know a person must handle it); the words that
    revealed them and the message text go.
    """
    if policy.special_categories_in_webhooks or not conversation.special_categories:
        return payload
    out: dict[str, Any] = scrub(payload, special_words(triage))
    if isinstance(out.get("message"), dict):
        out["message"] = {**out["message"], "text": None, "text_withheld": "special_category"}
    out["special_categories"] = list(conversation.special_categories)
    return out


def rotate(db: Database, ring: KeyRing, batch: int = 200) -> int:
    """Re-encrypt every original not under the ring's active key; safe to stop and run again."""
    done = 0
    while True:
        with db.write() as session:
            rows = session.scalars(
                select(MessageOriginal)
                .where(MessageOriginal.key_id != ring.active)
                .order_by(MessageOriginal.message_id)
                .limit(batch)
                .with_for_update()
            ).all()
            for row in rows:
                plain = ring.decrypt(Sealed(row.key_id, row.ciphertext), aad(row.message_id))
                sealed = ring.encrypt(plain, aad(row.message_id))
                row.key_id, row.ciphertext = sealed.key_id, sealed.blob
        done += len(rows)
        if len(rows) < batch:
            return done


def key_usage(db: Database) -> dict[str, int]:
    """How many originals each key id protects: a key may leave the ring when its count is 0."""
    with db.read() as session:
        rows = session.execute(select(MessageOriginal.key_id, func.count()).group_by(MessageOriginal.key_id)).all()
    return {key_id: int(n) for key_id, n in rows}
