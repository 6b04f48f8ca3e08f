"""The agents' weekly pulse and work preference."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from humantouch.errors import ForbiddenError, InputError, NotFoundError
from humantouch.feedback import pulse
from humantouch.service import Actor, Service, agents
from tests.support.fixtures import ADMIN


def test_one_pulse_per_week_and_only_ones_own(svc: Service, agent_id: str) -> None:
    me = Actor("k", "agent", agent_id)
    monday = dataclasses.replace(svc, clock=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
    friday = dataclasses.replace(svc, clock=lambda: datetime(2026, 11, 27, 16, tzinfo=UTC))
    next_week = dataclasses.replace(svc, clock=lambda: datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert pulse.record(monday, me, agent_id, 2, "office")["week"] == "2026-W48"
    again = pulse.record(friday, me, agent_id, 4, None)  # same week: replaces the score, keeps the preference
    assert (again["score"], again["work_preference"]) == (4, "office")
    pulse.record(next_week, me, agent_id, None, "home")
    seen = pulse.history(svc, ADMIN, agent_id)
    assert seen["work_preference"] == "home"
    assert [(i["week"], i["score"]) for i in seen["items"]] == [("2026-W49", None), ("2026-W48", 4)]
    other = str(agents.create(svc, ADMIN, "Bram", languages=["en"], intents=[])["id"])
    with pytest.raises(ForbiddenError):
        pulse.record(svc, me, other, 3, None)
    with pytest.raises(ForbiddenError):
        pulse.history(svc, me, other)
    for score, preference in ((0, None), (6, None), (None, "beach"), (None, None)):
        with pytest.raises(InputError):
            pulse.record(svc, me, agent_id, score, preference)
    with pytest.raises(NotFoundError):
        pulse.record(svc, ADMIN, "agt_nobody", 3, None)
