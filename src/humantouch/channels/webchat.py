"""The web-chat channel: a widget on the organisation's site posts and polls over public endpoints.

`POST /v1/webchat/{session}/messages` takes the visitor's text and answers with the bot's reply;
`GET /v1/webchat/{session}/messages?after=ID` returns the bot's and agents' messages since ID.
No API key: the session id, made by the widget (at least 20 random characters, e.g.
crypto.randomUUID()), is the visitor's only credential, so it is never shown to anyone else and
answers reveal nothing but that session's own conversation. Posting and polling are rate-limited
per session and per client address, and bodies are size-limited (docs/channels.md).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from humantouch.channels import Delivered, Ignored, Inbound, Outbound, Thread
from humantouch.channels.webhook import read_json
from humantouch.errors import InputError, RateLimitError
from humantouch.service import views
from humantouch.service.context import Service
from humantouch.service.identities import normalize
from humantouch.service.inbound import InboundMessage
from humantouch.settings import Settings
from humantouch.storage import repository as repo
from humantouch.storage.tables import Conversation, Message

SESSION = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
POLL_LIMIT = 100


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    name: str | None = Field(default=None, max_length=200)


class SlidingWindow:
    """At most `limit` events per key in any 60 seconds; in memory, per process."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, what: str) -> None:
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.limit:
                wait = max(1, math.ceil(seen[0] + 60 - now))
                raise RateLimitError(
                    f"too many {what}: at most {self.limit} a minute", retry_after=wait, code="HT-RATE-WEBCHAT"
                )
            seen.append(now)
            if len(self._seen) > 50_000:  # forget idle keys so the table cannot grow without bound
                for stale in [k for k, q in self._seen.items() if not q or q[-1] <= now - 60]:
                    del self._seen[stale]


def check_session(session: str) -> str:
    if not SESSION.match(session):
        raise InputError(
            "the web-chat session id must be 20 to 64 letters, digits, '-' or '_'",
            hint="let the widget create one random id per visitor, e.g. crypto.randomUUID()",
            code="HT-IN-SESSION",
        )
    return session


def identity(session: str) -> tuple[str, str]:
    return normalize("social", f"webchat:{session}")


@dataclass
class WebchatChannel:
    max_chars: int = 2000
    per_session: SlidingWindow = field(default_factory=lambda: SlidingWindow(10))
    per_address: SlidingWindow = field(default_factory=lambda: SlidingWindow(30))
    polls: SlidingWindow = field(default_factory=lambda: SlidingWindow(60))
    name: str = "webchat"

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        session = check_session(meta.get("session", ""))
        self.per_session.hit(session, "messages in this chat")
        self.per_address.hit(meta.get("client", "?"), "chat messages from this address")
        doc = read_json(body, ChatIn, "POST /v1/webchat/{session}/messages")
        assert isinstance(doc, ChatIn)
        if len(doc.text) > self.max_chars:
            raise InputError(
                f"the chat message has {len(doc.text)} characters, more than {self.max_chars}",
                hint="send a shorter message",
                code="HT-IN-TOO-LONG",
            )
        kind, value = identity(session)
        message = InboundMessage(
            channel="webchat", sender_kind=kind, sender_value=value, sender_name=doc.name, text=doc.text
        )
        return [Inbound(message, Thread(value, {}), (value,))]

    def deliver(self, item: Outbound) -> Delivered:
        return Delivered(skipped="the web-chat widget polls for new messages")

    def poll(self, svc: Service, session: str, after: int, client: str) -> dict[str, Any]:
        check_session(session)
        self.polls.hit(session, "polls of this chat")
        self.polls.hit(f"address:{client}", "polls from this address")  # a separate budget per address
        kind, value = identity(session)
        with svc.db.read() as s:
            found = repo.find_identity(s, kind, value)
            if found is None:
                return {"messages": [], "last_id": after}
            ids = select(Conversation.id).where(
                Conversation.customer_id == found.customer_id, Conversation.channel == "webchat"
            )
            rows = s.scalars(
                select(Message)
                .where(Message.conversation_id.in_(ids), Message.author.in_(("bot", "agent")), Message.id > after)
                .order_by(Message.id)
                .limit(POLL_LIMIT)
            ).all()
        messages = [
            {"id": m.id, "author": m.author, "text": m.text, "created_at": views.iso(m.created_at)} for m in rows
        ]
        return {"messages": messages, "last_id": messages[-1]["id"] if messages else after}


def public_answer(response: dict[str, Any]) -> dict[str, Any]:
    """What the visitor may see of the inbound response: no triage, no reasons, no customer record."""
    message, conversation = response["message"], response["conversation"]
    return {
        "conversation_id": conversation["id"],
        "status": conversation["status"],
        "message": {"id": message["id"], "text": message["text"], "created_at": message["created_at"]},
        "reply": response.get("reply"),
    }


def from_settings(settings: Settings) -> WebchatChannel | None:
    if not settings.webchat_enabled:
        return None
    return WebchatChannel(
        max_chars=settings.webchat_max_chars,
        per_session=SlidingWindow(settings.webchat_messages_per_minute),
        per_address=SlidingWindow(settings.webchat_ip_messages_per_minute),
        polls=SlidingWindow(settings.webchat_polls_per_minute),
    )
