"""Surveys after a resolution: who gets one, the invitation, the signed link, and the answers.

contact.resolved event -> on_resolved (same transaction): sampled? not asked lately? not a
  bereavement or safety conversation? -> Survey row + the invitation as a bot Message
  (+ message.outbound, so the channel delivers it)
GET /s/{token}  -> page(): the questions in the customer's language and form of address
POST /s/{token} -> submit(): partial answers; one response per conversation, later submits
  update it until the link expires; the comment is read by the engine; an unhappy answer
  opens a follow-up (followups.py)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from humantouch.errors import ConflictError, InputError, NotFoundError
from humantouch.feedback import followups, reasons, tokens
from humantouch.feedback.texts import texts
from humantouch.records import Contact, CustomerContext
from humantouch.service import events
from humantouch.service.context import Service
from humantouch.service.views import iso
from humantouch.storage.tables import Conversation, Customer, Event, Message, Survey, new_id

# Signals on a conversation's messages that mean: do not ask this customer how we did.
SENSITIVE_LIFE_EVENTS = frozenset({"bereavement"})
SENSITIVE_OVERRIDES = frozenset({"safety", "self_harm"})
SENSITIVE_INTENTS = frozenset({"report_death"})


def sampled(conversation_id: str, rate: float) -> bool:
    """A repeatable draw: the conversation id's hash, as a number in [0, 1), below the rate."""
    if rate >= 1:
        return True
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def is_sensitive(triages: list[dict[str, Any]], intent: str | None) -> bool:
    """True for a bereavement or safety conversation, as the engine read its customer messages."""
    if intent in SENSITIVE_INTENTS:
        return True
    for t in triages:
        if {e.get("name") for e in t.get("life_events", [])} & SENSITIVE_LIFE_EVENTS:
            return True
        if set(t.get("overrides", [])) & SENSITIVE_OVERRIDES:
            return True
        if {r.get("name") for r in t.get("urgency", {}).get("reasons", [])} & SENSITIVE_OVERRIDES:
            return True
    return False


def link(svc: Service, survey: Survey) -> str:
    return f"{svc.feedback.base_url}/s/{tokens.sign(svc.feedback.secret, survey.id, survey.expires_at)}"


def on_resolved(svc: Service, session: Session, event: Event) -> Survey | None:
    """Called in the transaction that records `contact.resolved` (service/events.py EVENT_HOOKS)."""
    if event.conversation_id is None:
        return None
    conversation = session.get(Conversation, event.conversation_id)
    if conversation is None or not sampled(conversation.id, svc.feedback.sample_rate):
        return None
    if session.scalars(select(Survey.id).where(Survey.conversation_id == conversation.id)).first() is not None:
        return None  # one survey per conversation, also when it is resolved a second time
    now = svc.clock()
    if svc.feedback.frequency_days > 0:
        since = now - timedelta(days=svc.feedback.frequency_days)
        recent = select(Survey.id).where(Survey.customer_id == conversation.customer_id, Survey.created_at >= since)
        if session.scalars(recent).first() is not None:
            return None
    triages = session.scalars(
        select(Message.triage).where(Message.conversation_id == conversation.id, Message.triage.is_not(None))
    ).all()
    allowed = bool(getattr(svc.engine.playbook, "surveys_in_sensitive_conversations", False))
    if not allowed and is_sensitive([t for t in triages if t], conversation.intent):
        return None
    customer = session.get(Customer, conversation.customer_id)
    language = conversation.language or (customer.language if customer else None) or "nl"
    form = customer.form_of_address if customer is not None else "unknown"
    survey = Survey(
        id=new_id("srv"),
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        language=language if language in ("nl", "en") else "en",
        form_of_address=form,
        created_at=now,
        expires_at=now + timedelta(days=svc.feedback.expiry_days),
    )
    session.add(survey)
    # The invitation is an ordinary bot message: the channel stream delivers it like any other.
    invitation = Message(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        author="bot",
        text=texts(survey.language, form)["invitation"].format(link=link(svc, survey)),
        created_at=now,
    )
    session.add(invitation)
    conversation.message_count += 1
    session.flush()
    survey.message_id = invitation.id
    ids = {"customer_id": conversation.customer_id, "conversation_id": conversation.id}
    events.record(svc, session, "survey.sent", {"survey_id": survey.id}, actor="feedback", **ids)
    events.record(
        svc, session, "message.outbound", {"message_id": invitation.id, "author": "bot"}, actor="feedback", **ids
    )
    return survey


@dataclass(frozen=True, slots=True)
class Answers:
    nps: int | None = None
    ces: int | None = None
    csat: int | None = None
    resolved: bool | None = None
    comment: str | None = None

    def empty(self) -> bool:
        return (
            all(v is None for v in (self.nps, self.ces, self.csat, self.resolved)) and not (self.comment or "").strip()
        )

    def check(self) -> None:
        for name, low, high in (("nps", 0, 10), ("ces", 1, 7), ("csat", 1, 5)):
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise InputError(f"{name} must be {low}..{high}, not {value}", code="HT-IN-SURVEY")
        if self.comment is not None and len(self.comment) > 4000:
            raise InputError("the comment is longer than 4000 characters", code="HT-IN-SURVEY")


@dataclass(frozen=True, slots=True)
class Page:
    """What the survey page shows: the state, the texts and the answers so far."""

    state: str  # open | expired | invalid
    texts: dict[str, str]
    survey: dict[str, Any] | None
    followup: bool = False


def _open(svc: Service, session: Session, token: str) -> tuple[Survey | None, bool]:
    opened = tokens.open_token(svc.feedback.secret, token, svc.clock())
    if opened is None:
        return None, False
    return session.get(Survey, opened.survey_id), opened.expired


def page(svc: Service, token: str) -> Page:
    with svc.db.read() as session:
        survey, expired = _open(svc, session, token)
        if survey is None:
            return Page("invalid", texts(None, None), None)
        state = "expired" if expired else "open"
        return Page(state, texts(survey.language, survey.form_of_address), view(survey))


def submit(svc: Service, token: str, answers: Answers) -> Page:
    """Save (or update) the answers. Unanswered questions keep their earlier answer; a submit
    without any answer changes nothing (the survey stays unanswered)."""
    answers.check()
    if answers.empty():
        current = page(svc, token)
        if current.state == "invalid":
            raise NotFoundError("no survey behind this link", code="HT-NOTFOUND-SURVEY")
        if current.state == "expired":
            raise ConflictError("this survey has closed", code="HT-CONFLICT-SURVEY-EXPIRED")
        return current
    with svc.db.read() as session:
        survey, expired = _open(svc, session, token)
        if survey is None:
            raise NotFoundError("no survey behind this link", code="HT-NOTFOUND-SURVEY")
        if expired:
            raise ConflictError("this survey has closed", code="HT-CONFLICT-SURVEY-EXPIRED")
        language, channel = survey.language, survey.channel
    comment = (answers.comment or "").strip() or None
    analysis = None
    if comment is not None:
        # Model work outside the write transaction, as in inbound.receive.
        triage = svc.engine.triage(Contact(text=comment, channel=channel, customer=CustomerContext(language=language)))
        analysis = reasons.analyse(comment, triage.to_dict())
    with svc.db.write() as session:
        row = session.scalars(select(Survey).where(Survey.id == survey.id).with_for_update()).one()
        for name in ("nps", "ces", "csat", "resolved"):
            value = getattr(answers, name)
            if value is not None:
                setattr(row, name, value)
        if comment is not None:
            row.comment, row.comment_analysis = comment, analysis
        row.answered_at = svc.clock()
        session.flush()
        reason = followups.needs_followup(row.nps, row.resolved)
        if reason is not None:
            followups.create_for(svc, session, row, reason)
        events.record(
            svc,
            session,
            "survey.answered",
            {"survey_id": row.id, "nps": row.nps, "csat": row.csat, "ces": row.ces, "resolved": row.resolved},
            customer_id=row.customer_id,
            conversation_id=row.conversation_id,
            actor="customer",
        )
        return Page("open", texts(row.language, row.form_of_address), view(row), followup=reason is not None)


def view(row: Survey) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "customer_id": row.customer_id,
        "channel": row.channel,
        "language": row.language,
        "form_of_address": row.form_of_address,
        "message_id": row.message_id,
        "nps": row.nps,
        "ces": row.ces,
        "csat": row.csat,
        "resolved": row.resolved,
        "comment": row.comment,
        "comment_analysis": row.comment_analysis,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "answered_at": iso(row.answered_at),
    }


def get(svc: Service, survey_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        row = session.get(Survey, survey_id)
        if row is None:
            raise NotFoundError(f"no survey {survey_id}", code="HT-NOTFOUND-SURVEY")
        return view(row)


def list_all(
    svc: Service,
    *,
    conversation_id: str | None = None,
    customer_id: str | None = None,
    answered: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id).limit(limit).offset(offset)
    if conversation_id is not None:
        query = query.where(Survey.conversation_id == conversation_id)
    if customer_id is not None:
        query = query.where(Survey.customer_id == customer_id)
    if answered is not None:
        query = query.where(Survey.answered_at.is_not(None) if answered else Survey.answered_at.is_(None))
    with svc.db.read() as session:
        return [view(r) for r in session.scalars(query).all()]
