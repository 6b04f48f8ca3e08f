"""A meta intent (how to be served) gives way to a topical intent (what about) the classifier also sees."""

from __future__ import annotations

import numpy as np

from humantouch.analysis import _intent
from humantouch.intents import IntentScores
from humantouch.playbook import load_playbook

BOOK = load_playbook()


def scores(**probs: float) -> IntentScores:
    labels = tuple(probs)
    return IntentScores(labels, np.array([list(probs.values())]), np.array([0.9], dtype=np.float32))


def test_the_topic_wins_over_request_human_above_the_threshold() -> None:
    assert BOOK.intents["request_human"].meta and BOOK.thresholds.topic_over_meta == 0.15
    result = _intent(scores(request_human=0.5, claim_status=0.4, unknown=0.1), 0, BOOK)
    assert (result.name, result.confidence) == ("claim_status", 0.4)
    assert ("request_human", 0.5) in result.alternatives


def test_request_human_stays_when_no_topic_is_likely_enough() -> None:
    result = _intent(scores(request_human=0.8, unknown=0.12, claim_status=0.08), 0, BOOK)
    assert result.name == "request_human"


def test_unknown_is_not_a_topic() -> None:
    result = _intent(scores(request_human=0.5, unknown=0.45, claim_status=0.05), 0, BOOK)
    assert result.name == "request_human"
