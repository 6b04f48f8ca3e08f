"""Retention with a fake clock: nothing goes before its time, everything expired goes or is anonymised,
and the anonymous facts (rows, routes, intents) stay for counting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from humantouch.cli import main
from humantouch.migrations import upgrade
from humantouch.privacy import audit
from humantouch.privacy.retention import REMOVED, RetentionPolicy, anonymous_triage, purge
from humantouch.service import Service
from humantouch.service.briefing import for_conversation
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import Database
from humantouch.storage.tables import (
    AuditEntry,
    BotState,
    Briefing,
    Conversation,
    Event,
    IdempotencyKey,
    Message,
    MessageOriginal,
    OutboxItem,
)
from tests.support.logscan import canaries

(IBAN,) = canaries.add("NL02ABNA0123456789")
POLICY = RetentionPolicy(
    messages_days=365,
    originals_days=30,
    analyses_days=90,
    audit_days=1000,
    outbox_days=30,
    events_days=200,
    idempotency_days=7,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(svc: Service) -> Clock:
    c = Clock()
    svc.clock = c
    return c


def _send(svc: Service) -> None:
    text = f"Er is geld van {IBAN} afgeschreven dat ik niet herken, mijn kaart is gestolen"
    receive(
        svc,
        InboundMessage(
            channel="chat", sender_kind="email", sender_value="ret@voorbeeld.nl", text=text, idempotency_key="k1"
        ),
    )


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_nothing_is_purged_before_its_time(svc: Service, clock: Clock) -> None:
    _send(svc)
    counts = purge(svc.db, POLICY, clock.now + timedelta(days=6))
    assert not any(counts.values()), counts
    assert _count(svc.db, MessageOriginal) == 1 and _count(svc.db, IdempotencyKey) == 1


def test_each_kind_goes_at_its_own_time_and_counts_survive(svc: Service, clock: Clock) -> None:
    _send(svc)
    with svc.db.write() as s:
        audit.record(s, "admin:test", "customer.view", "customer", "cus_x", now=clock.now)
        # The webhook was delivered, so its outbox row may go.
        for item in s.scalars(select(OutboxItem)):
            item.status = "sent"
    start = clock.now

    assert purge(svc.db, POLICY, start + timedelta(days=8))["idempotency_keys"] == 1
    day31 = purge(svc.db, POLICY, start + timedelta(days=31))
    assert day31["originals"] == 1 and day31["outbox"] >= 1
    assert not any(v for k, v in day31.items() if k not in ("originals", "outbox")), day31
    assert purge(svc.db, POLICY, start + timedelta(days=91))["analyses"] == 1
    with svc.db.read() as s:
        triage = s.scalars(select(Message.triage).where(Message.author == "customer")).one()
        # The bot's reply carries no analysis of its own: nothing to anonymise there.
        assert s.scalars(select(Message.triage).where(Message.author == "bot")).one() is None
    assert triage["anonymised"] is True and triage["route"] and triage["intent"]["name"]
    assert "evidence" not in json.dumps(triage)

    assert purge(svc.db, POLICY, start + timedelta(days=201))["events"] >= 2
    with svc.db.read() as s:
        assert all(p == {"anonymised": True} for p in s.scalars(select(Event.payload)))
        assert s.scalar(select(func.count()).select_from(Event)) >= 2  # the rows stay for counts

    with svc.db.read() as s:
        # Until the text goes, the bot's state and the handoff briefing keep the facts it collected
        # (the IBAN as its placeholder: the stored state never holds a masked value raw).
        state = json.dumps(s.scalars(select(BotState.state)).one())
        assert '"fact": "iban"' in state and IBAN not in state
        assert "anonymised" not in s.scalars(select(Briefing.data)).one()
    day366 = purge(svc.db, POLICY, start + timedelta(days=366))
    assert day366["messages"] == 2 and day366["bot_states"] == 1 and day366["briefings"] == 1, day366
    with svc.db.read() as s:
        assert s.scalars(select(Message.text)).all() == [REMOVED, REMOVED]  # the customer's and the bot's
        conversation = s.scalars(select(Conversation)).one()
        assert conversation.message_count == 2 and conversation.route  # anonymous facts stay
        assert s.scalars(select(BotState)).first() is None
        brief = s.scalars(select(Briefing.data)).one()
        assert brief["anonymised"] is True and brief["why_now"]["route"] and "text" not in brief
    assert for_conversation(svc, conversation.id) is None

    assert purge(svc.db, POLICY, start + timedelta(days=1001))["audit_log"] == 1
    assert _count(svc.db, AuditEntry) == 0

    again = purge(svc.db, POLICY, start + timedelta(days=2000))
    assert not any(again.values()), again  # idempotent: nothing is purged twice

    with svc.db.read() as s:
        for model in (Message, Event, Conversation, Briefing):
            dumped = json.dumps([str(row.__dict__) for row in s.scalars(select(model))])
            assert IBAN not in dumped


def test_pending_deliveries_keep_their_event(svc: Service, clock: Clock) -> None:
    _send(svc)
    purge(svc.db, POLICY, clock.now + timedelta(days=400))
    with svc.db.read() as s:
        pending = s.scalars(select(OutboxItem.event_id).where(OutboxItem.status == "pending")).all()
        assert pending
        for event_id in pending:
            event = s.get(Event, event_id)
            assert event is not None and event.payload != {"anonymised": True}


def test_the_audit_chain_still_verifies_after_old_entries_go(db: Database) -> None:
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    with db.write() as s:
        for day in range(5):
            audit.record(s, "admin:t", "customer.view", "customer", f"cus_{day}", now=t0 + timedelta(days=day * 100))
    purge(db, POLICY, t0 + timedelta(days=1250))
    with db.read() as s:
        result = audit.verify(s)
    assert result.ok and result.checked == 2


def test_anonymous_triage_keeps_facts_only() -> None:
    triage = {
        "language": "nl",
        "intent": {"name": "card_lost", "confidence": 0.9, "alternatives": [{"name": "x"}]},
        "entities": [{"type": "IBAN", "text": IBAN}],
        "special_categories": [{"type": "health", "text": "kanker"}],
        "reasons": [{"factor": "f", "weight": 0.5, "evidence": "kanker", "axis": "emotional"}],
        "route": "human",
    }
    out = anonymous_triage(triage)
    assert out["entities"] == ["IBAN"] and out["special_categories"] == ["health"]
    assert IBAN not in json.dumps(out) and "kanker" not in json.dumps(out)
    assert out["route"] == "human" and out["intent"] == {"name": "card_lost", "confidence": 0.9}


def test_purge_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUMANTOUCH_CONFIG", raising=False)
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    assert main(["purge", "--json", "--database-url", url]) == 0
    assert json.loads(capsys.readouterr().out)["messages"] == 0
    assert main(["purge", "--database-url", url]) == 0
    assert "nothing was due" in capsys.readouterr().out


def test_purge_runs_over_the_demo_history(svc: Service) -> None:
    """The seeded history bulk-inserts bot and agent messages without an analysis (a JSON null):
    the purge skips those and anonymises the rest (it crashed on them once, under serve --demo)."""
    from humantouch.service.history import generate
    from humantouch.storage.tables import Message

    generate(svc, seed=3, conversations=60)
    counts = purge(svc.db, RetentionPolicy(), svc.clock() + timedelta(days=120))
    assert counts["analyses"] > 0
    with svc.db.read() as s:
        kept = [t for t in s.scalars(select(Message.triage)) if isinstance(t, dict)]
    assert kept and all(t.get("anonymised") for t in kept)
