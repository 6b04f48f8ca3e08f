"""The closed loop: due dates in working days, who gets the task, completing it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from humantouch.errors import ForbiddenError, InputError, NotFoundError
from humantouch.feedback import followups, surveys
from humantouch.feedback.config import FeedbackConfig
from humantouch.feedback.followups import Candidate, due_after, needs_followup, pick_agent
from humantouch.service import Actor, Service, agents, conversations
from humantouch.service.inbound import InboundMessage, receive
from tests.support.fixtures import ADMIN


def at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)  # 2026-11-23 is a Monday


@pytest.mark.parametrize(
    "start, days, due",
    [
        (at(23), 1, at(24)),  # Monday -> Tuesday
        (at(27), 1, at(30)),  # Friday -> Monday
        (at(28), 1, at(30)),  # Saturday -> Monday (the weekend does not count)
        (at(29), 0, at(30)),  # Sunday, 0 days -> Monday
        (at(25), 0, at(25)),  # Wednesday, 0 days -> at once
        (at(26), 3, datetime(2026, 12, 1, 15, tzinfo=UTC)),  # Thursday + 3 -> Fri, Mon, Tue
    ],
)
def test_due_after_skips_weekends(start: datetime, days: int, due: datetime) -> None:
    assert due_after(start, days) == due


def test_needs_followup() -> None:
    assert needs_followup(6, True) == "detractor"
    assert needs_followup(7, False) == "not_resolved"
    assert needs_followup(None, False) == "not_resolved"
    assert needs_followup(9, None) is None
    assert needs_followup(None, None) is None


def test_pick_agent_by_skill_then_language_then_load() -> None:
    team = [
        Candidate("a_en_orders", ("en",), ("order_status",), 0),
        Candidate("b_nl_orders", ("nl",), ("order_status",), 2),
        Candidate("c_nl_orders", ("nl", "en"), ("order_status",), 1),
        Candidate("d_nl_any", ("nl",), (), 0),
    ]
    assert pick_agent(team, "order_status", "nl") == "c_nl_orders"  # skill and language, least busy
    assert pick_agent(team, "refund_status", "nl") == "d_nl_any"  # no skill match: the generalist
    assert pick_agent(team, "refund_status", "en") == "a_en_orders"  # anyone with the language
    assert pick_agent(team, "order_status", "de") is None


def test_for_agent_and_complete(svc: Service, agent_id: str) -> None:
    svc = dataclasses.replace(svc, feedback=FeedbackConfig(secret="k" * 32))
    other = str(agents.create(svc, ADMIN, "Bram", languages=["en"], intents=["order_status"])["id"])
    got = receive(svc, InboundMessage("chat", "email", "x@example.org", "waar blijft mijn pakket? order 12345"))
    cid = str(got.response["conversation"]["id"])
    conversations.resolve(svc, ADMIN, cid, "answered")
    token = surveys.link(svc, _survey(svc, cid)).rsplit("/", 1)[1]
    surveys.submit(svc, token, surveys.Answers(resolved=False, comment="nog steeds niets ontvangen"))
    mine = followups.for_agent(svc, agent_id)
    assert len(mine) == 1 and followups.for_agent(svc, other) == []
    task = mine[0]
    assert {"id", "conversation_id", "customer_id", "reason", "comment", "due_at", "status", "outcome"} <= set(task)
    assert task["reason"] == "not_resolved" and task["status"] == "open" and task["outcome"] is None
    assert task["comment"] == "nog steeds niets ontvangen"
    with pytest.raises(ForbiddenError):
        followups.complete(svc, Actor("k", "agent", other), task["id"], "called")
    with pytest.raises(InputError):
        followups.complete(svc, ADMIN, task["id"], " ")
    with pytest.raises(NotFoundError):
        followups.complete(svc, ADMIN, "fup_nope", "called")
    done = followups.complete(svc, Actor("k", "agent", agent_id), task["id"], "called back, parcel resent")
    assert done["status"] == "done" and done["outcome"] == "called back, parcel resent"
    assert followups.list_all(svc, status="open") == []
    assert [f["id"] for f in followups.list_all(svc, status="done")] == [task["id"]]


def _survey(svc: Service, conversation_id: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from humantouch.storage.tables import Survey

    with svc.db.read() as session:
        return session.scalars(select(Survey).where(Survey.conversation_id == conversation_id)).one()
