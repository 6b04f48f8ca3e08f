"""The reads the console needs beside the service functions: the queue with each conversation's
last triage, live counts, call-backs, and the overrides grouped by intent. Read-only except
for call-backs, which the console owns."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from humantouch.errors import InputError, NotFoundError
from humantouch.service import conversations, events, lifecycle, views
from humantouch.service.context import Actor, Service
from humantouch.storage.tables import Agent, Callback, Conversation, Customer, Message, Override

QUEUE_STATUSES = ("waiting_for_agent", "with_agent")
PRIORITY_ORDER = {p: i for i, p in enumerate(lifecycle.PRIORITIES)}


@dataclass(frozen=True, slots=True)
class QueueView:
    """The agent's filters on the queue page; empty strings mean "any"."""

    mine: bool = False
    skills: bool = False
    route: str = ""
    channel: str = ""


def queue(svc: Service, agent_id: str, view: QueueView, now: datetime) -> list[dict[str, Any]]:
    """Conversations waiting for people, most urgent first: priority, then the SLA countdown."""
    flt = conversations.QueueFilter(
        statuses=QUEUE_STATUSES,
        routes=(view.route,) if view.route else (),
        skills_of=agent_id if view.skills else None,
        limit=200,
    )
    rows = [
        r
        for r in conversations.queue(svc, flt)
        if (not view.mine or r["assigned_agent_id"] == agent_id) and (not view.channel or r["channel"] == view.channel)
    ]
    with svc.db.read() as session:
        triages = _last_triages(session, [r["id"] for r in rows])
        names = dict(
            session.execute(
                select(Customer.id, Customer.name).where(Customer.id.in_({r["customer_id"] for r in rows}))
            ).all()
        )
        agents = dict(session.execute(select(Agent.id, Agent.name)).all())
    out = []
    for row in rows:
        triage = triages.get(row["id"]) or {}
        due = _parse(row["sla_due_at"])
        last = _parse(row["last_message_at"]) or now
        out.append(
            row
            | {
                "customer_name": names.get(row["customer_id"]),
                "agent_name": agents.get(row["assigned_agent_id"] or ""),
                "emotion": top_emotion(triage),
                "sentiment": (triage.get("sentiment") or {}).get("label"),
                "waiting_minutes": max(0, int((now - last).total_seconds() // 60)),
                "sla_minutes_left": int((due - now).total_seconds() // 60) if due else None,
            }
        )
    out.sort(key=lambda r: (PRIORITY_ORDER.get(r["priority"], 9), r["sla_due_at"] or "9999"))
    return out


def top_emotion(triage: dict[str, Any], floor: float = 0.35) -> str | None:
    """The strongest negative-or-joy emotion the engine saw, if it is clearly there."""
    emotions = triage.get("emotions") or {}
    if not emotions:
        return None
    name, score = max(emotions.items(), key=lambda kv: kv[1])
    return str(name) if score >= floor else None


def last_triage(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for message in reversed(messages):
        if message["author"] == "customer" and message.get("triage"):
            triage: dict[str, Any] = message["triage"]
            return triage
    return None


def live_counts(svc: Service) -> dict[str, dict[str, int]]:
    """Open conversations right now, by route, quadrant and status."""
    with svc.db.read() as session:
        open_ = Conversation.status.in_(list(lifecycle.OPEN))
        out: dict[str, dict[str, int]] = {}
        for name, column in (
            ("by_route", Conversation.route),
            ("by_quadrant", Conversation.quadrant),
            ("by_status", Conversation.status),
        ):
            rows = session.execute(select(column, func.count()).where(open_).group_by(column)).all()
            out[name] = {str(k): int(n) for k, n in rows}
        return out


def agent_names(svc: Service) -> dict[str, str]:
    with svc.db.read() as session:
        return dict(session.execute(select(Agent.id, Agent.name)).all())


def overrides_by_intent(svc: Service, limit: int = 500) -> list[dict[str, Any]]:
    """Where people and the machine disagree: per intent, the route changes and the reasons given."""
    with svc.db.read() as session:
        rows = session.execute(
            select(Override, Conversation.intent)
            .join(Conversation, Conversation.id == Override.conversation_id)
            .order_by(Override.id.desc())
            .limit(limit)
        ).all()
    groups: dict[str, list[Override]] = defaultdict(list)
    for row, intent in rows:
        groups[intent or "unknown"].append(row)
    out: list[dict[str, Any]] = []
    for intent, items in groups.items():
        changes = Counter(f"{o.machine_route} → {o.new_route}" for o in items)
        out.append(
            {
                "intent": intent,
                "count": len(items),
                "changes": changes.most_common(),
                "recent": [views.override(o) for o in items[:5]],
            }
        )
    out.sort(key=lambda g: (-g["count"], g["intent"]))
    return out


def schedule_callback(svc: Service, actor: Actor, conversation_id: str, due_at: datetime, note: str) -> dict[str, Any]:
    if due_at <= svc.clock():
        raise InputError("the call-back time has passed", hint="pick a moment in the future", code="HT-IN-CALLBACK")
    with svc.db.write() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"no conversation {conversation_id}", code="HT-NOTFOUND-CONVERSATION")
        row = Callback(
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            agent_id=actor.agent_id,
            due_at=due_at,
            note=note.strip(),
            status="open",
            created_at=svc.clock(),
        )
        session.add(row)
        session.flush()
        events.record_for(
            svc,
            session,
            conversation,
            "callback.scheduled",
            {"callback_id": row.id, "due_at": views.iso(due_at)},
            actor,
        )
        return _callback(row)


def callbacks(svc: Service, *, agent_id: str | None = None, conversation_id: str | None = None) -> list[dict[str, Any]]:
    query = select(Callback).order_by(Callback.due_at)
    if agent_id is not None:
        query = query.where(Callback.agent_id == agent_id, Callback.status == "open")
    if conversation_id is not None:
        query = query.where(Callback.conversation_id == conversation_id)
    with svc.db.read() as session:
        return [_callback(c) for c in session.scalars(query).all()]


def finish_callback(svc: Service, actor: Actor, callback_id: int) -> None:
    with svc.db.write() as session:
        row = session.get(Callback, callback_id)
        if row is None or (actor.role == "agent" and row.agent_id != actor.agent_id):
            raise NotFoundError(f"no call-back {callback_id}", code="HT-NOTFOUND-CALLBACK")
        row.status = "done"
        events.record(
            svc,
            session,
            "callback.done",
            {"callback_id": row.id},
            customer_id=row.customer_id,
            conversation_id=row.conversation_id,
            actor=actor.label,
        )


def _callback(row: Callback) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "customer_id": row.customer_id,
        "agent_id": row.agent_id,
        "due_at": views.iso(row.due_at),
        "note": row.note,
        "status": row.status,
    }


def _last_triages(session: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    latest = (
        select(Message.conversation_id, func.max(Message.id).label("id"))
        .where(Message.conversation_id.in_(ids), Message.author == "customer")
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.execute(select(Message.conversation_id, Message.triage).join(latest, latest.c.id == Message.id))
    return {cid: triage or {} for cid, triage in rows.all()}


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
