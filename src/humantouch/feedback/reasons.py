"""Why a customer was unhappy: a reason label for a survey comment, from the engine's reading of
the comment (asked for a person, came back again) and a small word list per reason (nl, en).

Pure: takes the comment and the engine's triage dict, returns a label from REASONS.
"""

from __future__ import annotations

from typing import Any

REASONS: dict[str, str] = {
    "waiting": "had to wait too long",
    "not_resolved": "question not resolved",
    "bot": "the bot did not understand",
    "repeat": "had to explain or ask again",
    "wanted_person": "wanted a person",
    "unfriendly": "unfriendly or no empathy",
    "cost": "costs or money",
    "other": "other",
}

# Checked in this order; the first reason with a matching word wins.
WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bot", ("bot", "robot", "computer", "automatisch", "begreep", "snapte", "understand", "automated")),
    ("waiting", ("wacht", "lang", "duurde", "traag", "dagen", "wait", "slow", "took", "long", "hold")),
    ("repeat", ("opnieuw", "nog een keer", "weer ", "herhalen", "again", "repeat", "twice", "derde keer")),
    ("not_resolved", ("niet opgelost", "nog steeds", "geen oplossing", "not solved", "not resolved", "still")),
    ("unfriendly", ("onvriendelijk", "onbeleefd", "kortaf", "rude", "unfriendly", "empathy", "empathie")),
    ("cost", ("kosten", "geld", "betalen", "duur", "refund", "money", "cost", "expensive", "terugbetaling")),
)


def reason_for(comment: str, triage: dict[str, Any] | None) -> str:
    """The bot's words go first (a complaint about the bot is the clearest signal), then the
    engine's signals, then the word lists in order."""
    text = f" {comment.lower()} "
    words = dict(WORDS)
    if any(w in text for w in words["bot"]):
        return "bot"
    if triage is not None and triage.get("wants_human"):
        return "wanted_person"
    if triage is not None and triage.get("repeat_contact"):
        return "repeat"
    return next((reason for reason, ws in WORDS if any(w in text for w in ws)), "other")


def analyse(comment: str, triage: dict[str, Any]) -> dict[str, Any]:
    """What is kept of the engine's reading of a comment: the intent it saw, sentiment, reason."""
    return {
        "intent": triage.get("intent", {}).get("name"),
        "sentiment": triage.get("sentiment", {}).get("score"),
        "sentiment_label": triage.get("sentiment", {}).get("label"),
        "reason": reason_for(comment, triage),
    }
