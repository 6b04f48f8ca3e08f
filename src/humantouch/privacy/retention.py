"""Retention: what is past its time is deleted, or anonymised where counts still need the row.

    originals         deleted at their expiry (playbook storage.original_days) or retention_originals_days
    messages          text replaced by "[removed]"; the row (channel, author, route, time) stays
    analyses          a message's stored triage reduced to anonymous facts (`anonymous_triage`)
    events            payload emptied; type, time and ids stay
    webhook outbox    sent and dead deliveries deleted (pending ones never)
    idempotency keys  deleted (they hold a copy of the response)
    bot states        the bot's working memory of a conversation (raw collected facts): deleted with
                      the message text (retention_messages_days after its last change)
    briefings         handoff briefings reduced to anonymous facts (intent, route, fact names) with
                      the message text
    surveys           free text and the customer link emptied, scores kept (tables of the feedback stream)
    audit log         deleted; the oldest remaining entry anchors the hash chain

`purge` takes `now` as an argument, so tests and a backfill can run it at any moment; the worker
runs it every `purge_interval_minutes`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, cast, delete, exists, or_, select, update

from humantouch.settings import Settings
from humantouch.storage import Database
from humantouch.storage.tables import (
    AuditEntry,
    Base,
    BotState,
    Briefing,
    Event,
    IdempotencyKey,
    Message,
    MessageOriginal,
    OutboxItem,
)

log = logging.getLogger("humantouch.retention")

REMOVED = "[removed]"
ANONYMISED = {"anonymised": True}
# The feedback stream's tables; anonymised when they exist (integration point, docs/privacy.md).
SURVEY_TABLES = ("surveys", "survey_responses", "survey_answers")
BATCH = 500


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    messages_days: int = 365
    originals_days: int = 30
    analyses_days: int = 90
    surveys_days: int = 730
    audit_days: int = 2190
    outbox_days: int = 30
    events_days: int = 365
    idempotency_days: int = 7


def policy_from(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        messages_days=settings.retention_messages_days,
        originals_days=settings.retention_originals_days,
        analyses_days=settings.retention_analyses_days,
        surveys_days=settings.retention_surveys_days,
        audit_days=settings.retention_audit_days,
        outbox_days=settings.retention_outbox_days,
        events_days=settings.retention_events_days,
        idempotency_days=settings.retention_idempotency_days,
    )


def anonymous_triage(triage: dict[str, Any]) -> dict[str, Any]:
    """The facts of an analysis that say nothing about whom: enough for counts and the scorecard."""
    intent = triage.get("intent") or {}
    sentiment = triage.get("sentiment") or {}
    urgency = triage.get("urgency") or {}
    keep = (
        "language",
        "emotions",
        "route",
        "priority",
        "quadrant",
        "touch",
        "emotional_value",
        "monetary_value",
        "wants_human",
        "repeat_contact",
        "overrides",
    )
    out = {k: triage[k] for k in keep if k in triage}
    out["intent"] = {"name": intent.get("name"), "confidence": intent.get("confidence")}
    out["sentiment"] = {"label": sentiment.get("label"), "score": sentiment.get("score")}
    out["urgency"] = {"level": urgency.get("level")}
    for key in ("life_events", "vulnerability"):
        out[key] = [{"name": s.get("name")} for s in triage.get(key) or [] if isinstance(s, dict)]
    out["entities"] = sorted({s.get("type") for s in triage.get("entities") or [] if isinstance(s, dict)})
    out["special_categories"] = sorted(
        {s.get("type") for s in triage.get("special_categories") or [] if isinstance(s, dict)}
    )
    out["reasons"] = [
        {"factor": r.get("factor"), "weight": r.get("weight"), "axis": r.get("axis")}
        for r in triage.get("reasons") or []
        if isinstance(r, dict)
    ]
    return out | ANONYMISED


def purge(db: Database, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
    """One pass over every kind of data; each kind in its own transaction, in batches."""
    counts: dict[str, int] = {}

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    with db.write() as s:
        counts["originals"] = _rowcount(
            s.execute(
                delete(MessageOriginal).where(
                    or_(
                        MessageOriginal.expires_at <= now,
                        MessageOriginal.created_at < ago(min(policy.originals_days, policy.messages_days)),
                    )
                )
            )
        )
    with db.write() as s:
        counts["outbox"] = _rowcount(
            s.execute(
                delete(OutboxItem).where(
                    OutboxItem.status.in_(("sent", "dead")), OutboxItem.created_at < ago(policy.outbox_days)
                )
            )
        )
    with db.write() as s:
        counts["idempotency_keys"] = _rowcount(
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < ago(policy.idempotency_days)))
        )
    with db.write() as s:
        counts["messages"] = _rowcount(
            s.execute(
                update(Message)
                .where(Message.created_at < ago(policy.messages_days), Message.text != REMOVED)
                .values(text=REMOVED)
            )
        )
    with db.write() as s:
        # The bot's state holds collected facts raw (an IBAN); it goes when the text it came from does.
        counts["bot_states"] = _rowcount(
            s.execute(delete(BotState).where(BotState.updated_at < ago(policy.messages_days)))
        )
    counts["briefings"] = _anonymise_briefings(db, ago(policy.messages_days))
    counts["analyses"] = _anonymise_analyses(db, ago(policy.analyses_days))
    counts["events"] = _anonymise_events(db, ago(policy.events_days))
    counts["surveys"] = _anonymise_surveys(db, ago(policy.surveys_days))
    with db.write() as s:
        old_audit = delete(AuditEntry).where(AuditEntry.created_at < ago(policy.audit_days))
        counts["audit_log"] = _rowcount(s.execute(old_audit))
    return counts


def _not_anonymised(column: Any) -> Any:
    # Both SQLite's JSON text and PostgreSQL's jsonb::text write `"key": value` with one space.
    return ~cast(column, String).contains('"anonymised": true')


def _anonymise_analyses(db: Database, cutoff: datetime) -> int:
    done = 0
    after = 0
    while True:
        with db.write() as s:
            rows = s.execute(
                select(Message.id, Message.triage)
                .where(
                    Message.id > after,
                    Message.created_at < cutoff,
                    Message.triage.is_not(None),
                    _not_anonymised(Message.triage),
                )
                .order_by(Message.id)
                .limit(BATCH)
            ).all()
            for message_id, triage in rows:
                if not isinstance(triage, dict):
                    continue  # a JSON null (bulk-inserted rows without an analysis): nothing to anonymise
                s.execute(update(Message).where(Message.id == message_id).values(triage=anonymous_triage(triage)))
        done += len(rows)
        if len(rows) < BATCH:
            return done
        after = rows[-1][0]


def anonymous_briefing(data: dict[str, Any]) -> dict[str, Any]:
    """What a handoff says about no one: why and when it went to a person, which facts were there."""
    why = data.get("why_now") or {}
    keep = ("intent", "quadrant", "route", "priority", "handoff_reason")
    return {
        "why_now": {k: why.get(k) for k in keep},
        "collected": sorted({str(c.get("fact")) for c in data.get("collected") or [] if isinstance(c, dict)}),
        "missing": list(data.get("missing") or []),
        "language": data.get("language"),
    } | ANONYMISED


def _anonymise_briefings(db: Database, cutoff: datetime) -> int:
    done = 0
    after = 0
    while True:
        with db.write() as s:
            rows = s.execute(
                select(Briefing.id, Briefing.data)
                .where(Briefing.id > after, Briefing.created_at < cutoff, _not_anonymised(Briefing.data))
                .order_by(Briefing.id)
                .limit(BATCH)
            ).all()
            for briefing_id, data in rows:
                s.execute(update(Briefing).where(Briefing.id == briefing_id).values(data=anonymous_briefing(data)))
        done += len(rows)
        if len(rows) < BATCH:
            return done
        after = rows[-1][0]


def _anonymise_events(db: Database, cutoff: datetime) -> int:
    pending = exists().where(OutboxItem.event_id == Event.id, OutboxItem.status == "pending")
    with db.write() as s:
        return _rowcount(
            s.execute(
                update(Event)
                .where(Event.created_at < cutoff, _not_anonymised(Event.payload), ~pending)
                .values(payload=dict(ANONYMISED))
                .execution_options(synchronize_session=False)
            )
        )


def _anonymise_surveys(db: Database, cutoff: datetime) -> int:
    done = 0
    for name in SURVEY_TABLES:
        table = Base.metadata.tables.get(name)
        if table is None or "created_at" not in table.c:
            continue
        blank = {
            c.name: None
            for c in table.c
            if c.nullable and (c.name == "customer_id" or isinstance(c.type, Text) or _long_string(c.type))
        }
        if not blank:
            continue
        with db.write() as s:
            still = or_(*(table.c[name].is_not(None) for name in blank))
            done += _rowcount(s.execute(update(table).where(table.c.created_at < cutoff, still).values(**blank)))
    return done


def _long_string(type_: Any) -> bool:
    return isinstance(type_, String) and (type_.length is None or type_.length > 200)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def run_forever(db: Database, policy: RetentionPolicy, interval: timedelta, stop: threading.Event) -> None:
    """The worker's schedule: purge, then wait `interval` (or until stopped)."""
    from humantouch.storage import utcnow

    while not stop.is_set():
        try:
            counts = purge(db, policy, utcnow())
            if any(counts.values()):
                log.info("retention purge: %s", ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v))
        except Exception:  # a database hiccup must not end the worker; the next run tries again
            log.exception("retention purge failed; retrying after the interval")
        stop.wait(interval.total_seconds())
