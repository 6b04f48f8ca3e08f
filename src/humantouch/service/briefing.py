"""STUB from the console stream (issue 7); the bot stream's file replaces it on merge.

`for_conversation(svc, conversation_id)` returns the latest stored briefing of a conversation
(keys: who, why_now, feelings, collected, tried, history, next_best_action, summary, text,
language; see /work/spec/contracts.md) or None when there is none. This stub has none.
"""

from __future__ import annotations

from typing import Any

from humantouch.service.context import Service


def for_conversation(svc: Service, conversation_id: str) -> dict[str, Any] | None:
    return None
