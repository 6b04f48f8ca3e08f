"""Channels: how customer messages arrive from outside and how answers go back out.

A channel is a small object with two methods: `parse` turns what the channel sent us into
`Inbound` records (an `InboundMessage` plus the channel's own thread id), and `deliver` sends one
`Outbound` record (a bot or agent message, or a handoff) back through the channel. Channels are
found through the `CHANNELS` table, name -> module, imported on first use; each module has
`from_settings(settings) -> Channel | None` (None: not configured). Add-ons go through the same
table. `MemoryChannel` (channels/memory.py) is the collecting double for tests and dry runs.

    inbound:  HTTP route / CLI -> channel.parse -> threads.accept (receive + thread row, one transaction)
    outbound: message.outbound / contact.handoff event -> channel_deliveries row (same transaction)
              -> worker claims it -> channel.deliver -> sent / retried / skipped / dead
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from humantouch.service.inbound import InboundMessage
    from humantouch.settings import Settings

CHANNELS: dict[str, str] = {
    "webhook": "humantouch.channels.webhook",
    "webchat": "humantouch.channels.webchat",
    "email": "humantouch.channels.email",
    "chatwoot": "humantouch.channels.chatwoot",
}


@dataclass(frozen=True, slots=True)
class Thread:
    """The channel's id for where a message lives, and what an answer there needs (address,
    subject, the ids to refer to). `key` None means: key the thread by the conversation id."""

    key: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Inbound:
    message: InboundMessage
    thread: Thread
    # Thread keys this message answers, most specific first (e-mail In-Reply-To, then References).
    replies_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ignored:
    """Something the channel sent that is not a customer message to take in, and why."""

    reason: str


@dataclass(frozen=True, slots=True)
class Outbound:
    delivery_id: int
    kind: Literal["message", "handoff"]
    conversation: dict[str, Any]  # views.conversation
    thread: dict[str, Any]  # the data of the conversation's newest thread row ({} when none)
    thread_key: str | None
    customer_email: str | None = None
    customer_name: str | None = None
    message: dict[str, Any] | None = None  # views.message, for kind "message"
    note: str | None = None  # the handoff note, for kind "handoff"
    done: tuple[str, ...] = ()  # steps an earlier attempt finished (see DeliveryError.done)


@dataclass(frozen=True, slots=True)
class Delivered:
    external_id: str | None = None
    skipped: str | None = None  # why nothing had to be sent (a polled channel, a reply already returned)
    thread: Thread | None = None  # a thread key to remember, e.g. the Message-ID of a sent e-mail


class Channel(Protocol):
    name: str

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        """`meta`: the request headers (lower-case names), path parameters and `client` (address)."""
        ...

    def deliver(self, item: Outbound) -> Delivered: ...


def load(name: str, settings: Settings) -> Channel | None:
    module = importlib.import_module(CHANNELS[name])
    channel: Channel | None = module.from_settings(settings)
    return channel


def from_settings(settings: Settings) -> dict[str, Channel]:
    """Every configured channel, by name."""
    built = {name: load(name, settings) for name in CHANNELS}
    return {name: channel for name, channel in built.items() if channel is not None}
