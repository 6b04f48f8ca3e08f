"""STUB from the console stream (issue 7); the bot stream's package replaces it on merge.

`suggest` gives knowledge articles for an agent ({"id","title","snippet","score"}), and
`suggest_reply` a draft reply in the customer's language and form of address.
"""

from __future__ import annotations

from typing import Any

from humantouch.service.context import Service


def suggest(svc: Service, conversation_id: str, limit: int = 3) -> list[dict[str, Any]]:
    return []


def suggest_reply(svc: Service, conversation_id: str) -> str:
    return ""
