"""What every service function gets: the database, the engine, webhook targets, a clock, the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from humantouch.feedback.config import FeedbackConfig
from humantouch.privacy.crypto import KeyRing
from humantouch.service.ports import Triager
from humantouch.storage import Database, utcnow

if TYPE_CHECKING:
    from humantouch.knowledge import KnowledgeIndex


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: an API key's role and, for agent keys, the agent it belongs to."""

    key_id: str
    role: str
    agent_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role}:{self.agent_id or self.key_id}"


SYSTEM = Actor(key_id="system", role="admin")


@dataclass(slots=True)
class Service:
    db: Database
    engine: Triager
    # Where outgoing webhooks go; each event of WEBHOOK_EVENTS gets one outbox row per target.
    webhook_targets: tuple[str, ...] = ()
    clock: Callable[[], datetime] = field(default=utcnow)
    # Survey links, sampling, follow-up due times and contact costs (humantouch.feedback).
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    # Encrypts the originals of masked messages; None keeps no originals (humantouch.privacy).
    data_keys: KeyRing | None = None
    # The knowledge articles the bot answers from and agents get suggested; None: the bot never answers.
    knowledge: KnowledgeIndex | None = None
    # The language of the readable handoff briefing for agents (nl or en).
    briefing_language: str = "nl"

    def sla_minutes(self, channel: str, priority: str) -> int:
        return int(self.engine.playbook.sla_minutes(channel, priority))


WEBHOOK_EVENTS = frozenset({"contact.routed", "contact.handoff", "contact.resolved"})
