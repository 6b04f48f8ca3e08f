"""The bot of issue 4: self-service answers, intake of facts, and the handoff to a person.

`dialogue.respond` is the pure core; `service/dialogue.py` runs it inside the inbound flow and
`service/briefing.py` writes what a person needs. `suggest` and `suggest_reply` help agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from humantouch.service.context import Service


def suggest(svc: Service, conversation_id: str, limit: int = 3) -> list[dict[str, Any]]:
    """Knowledge articles for the agent on this conversation: [{"id", "title", "snippet", "score"}]."""
    from humantouch.bot.suggestions import suggest as run

    return run(svc, conversation_id, limit)


def suggest_reply(svc: Service, conversation_id: str) -> str:
    """A draft reply for the agent, in the customer's language and form of address."""
    from humantouch.bot.suggestions import suggest_reply as run

    return run(svc, conversation_id)
