"""Pure rules of the conversation life cycle: which status a route leads to, what may follow what.

    bot --> intake --> waiting_for_agent --> with_agent --> resolved --> closed
     ^         |              ^    |              |            |
     |         +--------------+    +--- hand back +            +--> (a new customer message reopens)
     +---------------------------------------------+

Kept apart from the database code. `assist` leads to `intake`, where the bot of issue 4 collects
the intent's facts; the bot's own outcome then moves the conversation on (service/dialogue.py):
a handoff to `waiting_for_agent`, a confirmed answer to `resolved`.
"""

from __future__ import annotations

from typing import Literal

Status = Literal["bot", "intake", "waiting_for_agent", "with_agent", "resolved", "closed"]
STATUSES: tuple[Status, ...] = ("bot", "intake", "waiting_for_agent", "with_agent", "resolved", "closed")
OPEN: frozenset[str] = frozenset({"bot", "intake", "waiting_for_agent", "with_agent"})
NEEDS_PERSON: frozenset[str] = frozenset({"waiting_for_agent", "with_agent"})
ROUTES = ("automate", "assist", "human")
PRIORITIES = ("P1", "P2", "P3", "P4")
AUTHORS = ("customer", "bot", "agent", "system")

# What a route asks for when a conversation starts or escalates. `assist` means "the bot does
# the intake, a person decides": the bot collects the intent's facts (`intake`) and then hands
# over to the queue (`waiting_for_agent`, service/dialogue.py); `human` goes to the queue at once.
STATUS_FOR_ROUTE: dict[str, Status] = {
    "automate": "bot",
    "assist": "intake",
    "human": "waiting_for_agent",
}

ALLOWED: dict[str, frozenset[str]] = {
    "take_over": frozenset({"bot", "intake", "waiting_for_agent", "with_agent"}),
    "hand_back": frozenset({"intake", "waiting_for_agent", "with_agent"}),
    "reply": frozenset({"bot", "intake", "waiting_for_agent", "with_agent"}),
    "override": frozenset({"bot", "intake", "waiting_for_agent", "with_agent"}),
    "resolve": frozenset({"bot", "intake", "waiting_for_agent", "with_agent"}),
    "close": frozenset({"resolved"}),
}


def higher_route(a: str, b: str) -> str:
    """The route with more human touch; a conversation never drops back on its own."""
    return a if ROUTES.index(a) >= ROUTES.index(b) else b


def higher_priority(a: str, b: str) -> str:
    return a if PRIORITIES.index(a) <= PRIORITIES.index(b) else b


def status_after_customer_message(current: str | None, route: str) -> str:
    """The status after an inbound customer message decided with `route`."""
    target = STATUS_FOR_ROUTE[route]
    if current is None or current in ("resolved", "closed"):
        return target
    if current in NEEDS_PERSON:
        return current
    return target if target in NEEDS_PERSON else current


def status_after_override(current: str, route: str) -> str:
    if current == "with_agent":
        return current
    target = STATUS_FOR_ROUTE[route]
    # A person who sets `assist` on a queued conversation keeps it in the queue: the intake would
    # only restart on the customer's next message.
    if target == "intake" and current == "waiting_for_agent":
        return current
    return target
