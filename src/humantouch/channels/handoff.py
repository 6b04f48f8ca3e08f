"""The note an agent finds on a handed-over conversation in another inbox (Chatwoot's private note).

The briefing text of the bot stream (`humantouch.service.briefing.for_conversation`) is used when
that module is there; otherwise the note says what the triage knew: intent, route, priority and
the strongest reasons, with the customer's last words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from humantouch.errors import ConfigError, HumantouchError
from humantouch.records import Contact, Triage
from humantouch.service.context import Service
from humantouch.service.ports import SlaTable

log = logging.getLogger("humantouch.channels")

BriefingSource = Callable[[str], str | None]
MAX_REASONS = 5
MAX_QUOTE = 500

LABELS = {
    "nl": {
        "title": "Overdracht door humantouch",
        "intent": "Onderwerp",
        "route": "Route",
        "priority": "Prioriteit",
        "reasons": "Waarom een mens",
        "said": "Laatste bericht van de klant",
    },
    "en": {
        "title": "Handoff from humantouch",
        "intent": "Topic",
        "route": "Route",
        "priority": "Priority",
        "reasons": "Why a person",
        "said": "Customer's last message",
    },
}


def note(
    briefing: str | None,
    conversation: dict[str, Any],
    reasons: list[dict[str, Any]],
    last_text: str | None,
    language: str = "nl",
) -> str:
    labels = LABELS.get(language, LABELS["en"])
    head = f"{labels['title']} ({conversation.get('id')})"
    if briefing and briefing.strip():
        return f"{head}\n\n{briefing.strip()}"
    lines = [
        head,
        "",
        f"{labels['intent']}: {conversation.get('intent') or 'unknown'}",
        f"{labels['route']}: {conversation.get('route')} (quadrant {conversation.get('quadrant')})",
        f"{labels['priority']}: {conversation.get('priority')}",
    ]
    strongest = sorted(reasons, key=lambda r: -abs(float(r.get("weight") or 0)))[:MAX_REASONS]
    if strongest:
        lines += ["", f"{labels['reasons']}:"]
        for reason in strongest:
            evidence = reason.get("evidence")
            lines.append(f"- {reason.get('factor', '?')}" + (f": {evidence}" if evidence else ""))
    if last_text:
        quote = last_text if len(last_text) <= MAX_QUOTE else last_text[: MAX_QUOTE - 1] + "…"
        lines += ["", f"{labels['said']}:", quote]
    return "\n".join(lines)


def no_briefing(conversation_id: str) -> str | None:
    return None


def briefing_source(svc: Service, language: str | None = None) -> BriefingSource:
    """The stored handoff briefing's readable text (humantouch.service.briefing), in `language` when
    given (the note's own words follow agent_language too); None before a handoff."""
    from humantouch.service import briefing

    def text(conversation_id: str) -> str | None:
        try:
            found = briefing.for_conversation(svc, conversation_id, language=language)
        except HumantouchError as exc:  # the note falls back to the triage reasons; say why
            log.warning("no briefing for %s: %s", conversation_id, exc.code)
            return None
        return str(found["text"]) if found and found.get("text") else None

    return text


class NoTriage:
    """The engine slot of a Service in the worker, which only reads stored data and never triages."""

    @property
    def playbook(self) -> SlaTable:
        raise ConfigError("the delivery worker has no triage engine", code="HT-CFG-WORKER")

    def triage(self, contact: Contact) -> Triage:
        raise ConfigError("the delivery worker has no triage engine", code="HT-CFG-WORKER")
