"""The demo history: repeatable for a seed, fast, and every section of the scorecard has data."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from humantouch.feedback import scorecard
from humantouch.migrations import upgrade
from humantouch.service import Service
from humantouch.service.history import generate
from humantouch.storage import Database
from humantouch.storage.tables import Conversation, FollowUp, Message, Survey

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _fingerprint(svc: Service) -> tuple[object, ...]:
    with svc.db.read() as s:
        conversations = s.execute(
            select(Conversation.id, Conversation.status, Conversation.route, Conversation.created_at).order_by(
                Conversation.id
            )
        ).all()
        answers = s.execute(select(Survey.id, Survey.nps, Survey.comment).order_by(Survey.id)).all()
        messages = s.scalar(select(func.count()).select_from(Message))
        followups = s.execute(select(FollowUp.id, FollowUp.assigned_agent_id).order_by(FollowUp.id)).all()
    return tuple(conversations), tuple(answers), messages, tuple(followups)


def test_history_is_repeatable_for_a_seed(svc: Service, tmp_path: Path) -> None:
    started = time.perf_counter()
    stats = generate(svc, seed=11, conversations=600, now=NOW)
    assert time.perf_counter() - started < 30
    assert stats.conversations == 600 and stats.answered > 50 and stats.followups > 5
    other_db = Database(f"sqlite:///{tmp_path}/other.db")
    upgrade(other_db.engine)
    other = Service(db=other_db, engine=svc.engine)
    generate(other, seed=11, conversations=600, now=NOW)
    assert _fingerprint(svc) == _fingerprint(other)
    third_db = Database(f"sqlite:///{tmp_path}/third.db")
    upgrade(third_db.engine)
    third = Service(db=third_db, engine=svc.engine)
    generate(third, seed=12, conversations=600, now=NOW)
    assert _fingerprint(third) != _fingerprint(other)
    other_db.dispose()
    third_db.dispose()


def test_every_section_of_the_scorecard_has_data(svc: Service) -> None:
    generate(svc, seed=7, conversations=3000, now=NOW)
    card = scorecard.compute(svc, scorecard.ScoreFilter(NOW - timedelta(days=90), NOW))
    assert card["counts"]["conversations"] > 2900
    assert set(card["counts"]["by_route"]) == {"automate", "assist", "human"}
    assert set(card["counts"]["by_quadrant"]) == {"A", "B", "C", "D"}
    assert len(card["counts"]["by_channel"]) == 5

    def no_none(value: object, where: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                no_none(v, f"{where}.{k}")
        elif isinstance(value, list):
            assert value, f"{where} is empty"
            for i, v in enumerate(value):
                no_none(v, f"{where}.{i}")
        else:
            assert value is not None, f"{where} is None"

    for section in ("experience", "effortless", "efficiency", "effectivity", "response", "loops"):
        no_none(card[section], section)
    no_none({k: v for k, v in card["employees"].items() if k != "agents"}, "employees")
    assert card["employees"]["agents"] and all(a["pulse"] for a in card["employees"]["agents"])
    assert card["detraction_reasons"] and all(r["examples"] for r in card["detraction_reasons"])
    assert any(d["nps"] is not None for d in card["series"]["by_day"])
    nps = card["experience"]["nps"]
    assert nps["low"] < nps["value"] < nps["high"]
    assert card["loops"]["created"] > card["loops"]["open"] > 0
    ds = scorecard.dataset(svc, scorecard.ScoreFilter(NOW - timedelta(days=90), NOW))
    test = scorecard.compare(ds, "handler", "bot", "person")
    assert test["nps"]["p_value"] is not None and test["fcr"]["p_value"] is not None
    languages = {s["segment"] for s in scorecard.split(ds, "language")}
    assert languages == {"nl", "en"}
