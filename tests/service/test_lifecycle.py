"""The pure life-cycle rules."""

from __future__ import annotations

import pytest

from humantouch.service.lifecycle import (
    higher_priority,
    higher_route,
    status_after_customer_message,
    status_after_override,
)


@pytest.mark.parametrize(
    "current, route, expected",
    [
        (None, "automate", "bot"),
        (None, "assist", "intake"),
        (None, "human", "waiting_for_agent"),
        ("bot", "automate", "bot"),
        ("bot", "human", "waiting_for_agent"),
        ("intake", "assist", "intake"),  # the bot decides when the intake is done
        ("intake", "human", "waiting_for_agent"),
        ("bot", "assist", "bot"),
        ("waiting_for_agent", "automate", "waiting_for_agent"),
        ("with_agent", "automate", "with_agent"),
        ("resolved", "automate", "bot"),
        ("resolved", "human", "waiting_for_agent"),
    ],
)
def test_status_after_customer_message(current: str | None, route: str, expected: str) -> None:
    assert status_after_customer_message(current, route) == expected


def test_routes_and_priorities_only_go_up() -> None:
    assert higher_route("automate", "human") == "human"
    assert higher_route("human", "assist") == "human"
    assert higher_priority("P3", "P1") == "P1"
    assert higher_priority("P2", "P4") == "P2"


def test_override_keeps_an_agent_on_the_conversation() -> None:
    assert status_after_override("with_agent", "automate") == "with_agent"
    assert status_after_override("waiting_for_agent", "automate") == "bot"
    assert status_after_override("bot", "human") == "waiting_for_agent"
    assert status_after_override("bot", "assist") == "intake"
    assert status_after_override("waiting_for_agent", "assist") == "waiting_for_agent"
