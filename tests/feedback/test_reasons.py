"""Reasons behind unhappy comments: a table of comment (and the engine's signals) -> reason."""

from __future__ import annotations

from typing import Any

import pytest

from humantouch.feedback.reasons import REASONS, analyse, reason_for

NO_SIGNALS: dict[str, Any] = {"wants_human": False, "repeat_contact": False}


@pytest.mark.parametrize(
    "comment, signals, reason",
    [
        ("De chatbot begreep mijn vraag niet", NO_SIGNALS, "bot"),
        ("the bot kept sending me in circles, I want a person", {"wants_human": True}, "bot"),
        ("Ik wil gewoon een mens spreken", {"wants_human": True}, "wanted_person"),
        ("Ik heb al drie keer gebeld", {"repeat_contact": True}, "repeat"),
        ("Ik moest veel te lang wachten", NO_SIGNALS, "waiting"),
        ("It took ages, so slow", NO_SIGNALS, "waiting"),
        ("Ik moest alles opnieuw uitleggen", NO_SIGNALS, "repeat"),
        ("Mijn probleem is nog steeds niet opgelost", NO_SIGNALS, "not_resolved"),
        ("The agent was rude", NO_SIGNALS, "unfriendly"),
        ("Veel te hoge kosten", NO_SIGNALS, "cost"),
        ("Meh", NO_SIGNALS, "other"),
        ("Meh", None, "other"),
    ],
)
def test_reason_for(comment: str, signals: dict[str, Any] | None, reason: str) -> None:
    assert reason_for(comment, signals) == reason
    assert reason in REASONS


def test_analyse_keeps_what_the_engine_saw() -> None:
    triage = {"intent": {"name": "complaint"}, "sentiment": {"score": -0.7, "label": "negative"}, **NO_SIGNALS}
    assert analyse("veel te lang gewacht", triage) == {
        "intent": "complaint",
        "sentiment": -0.7,
        "sentiment_label": "negative",
        "reason": "waiting",
    }
