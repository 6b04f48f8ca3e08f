"""The generic JSON webhook channel, for any gateway that can POST JSON (WhatsApp, SMS, a form).

Inbound: `POST /v1/channels/webhook/inbound` with an integration key; where
`channel_webhook_secret` is set the body must also carry humantouch's signature headers
(X-Humantouch-Timestamp, X-Humantouch-Signature). The bot's answer comes back in the response.
Outbound: agent replies are POSTed, signed the same way, to `channel_webhook_reply_url`; bot
replies already went back in the response, so they are not sent twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from humantouch.api.schemas import Sender
from humantouch.channels import Delivered, Ignored, Inbound, Outbound, Thread, signatures
from humantouch.errors import DeliveryError, InputError
from humantouch.service.inbound import InboundMessage
from humantouch.settings import Settings
from humantouch.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(default="webhook", pattern=r"^[a-z][a-z0-9_-]{1,31}$", examples=["whatsapp"])
    sender: Sender
    text: str = Field(min_length=1, max_length=20_000)
    thread_id: str | None = Field(default=None, min_length=1, max_length=300)
    message_id: str | None = Field(default=None, min_length=1, max_length=200)


def read_json(body: bytes, model: type[BaseModel], where: str) -> BaseModel:
    """Parse and validate a JSON body; the error names every wrong field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors())
        raise InputError(
            f"{where}: invalid body: {problems}", hint="see docs/channels.md for the shape", code="HT-IN-VALIDATION"
        ) from exc


@dataclass
class WebhookChannel:
    secret: str | None = None
    reply_url: str | None = None
    timeout_seconds: float = 5.0
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5.0))
    name: str = "webhook"

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        if self.secret:
            signatures.check(
                self.secret, body, meta, signature=SIGNATURE_HEADER, timestamp=TIMESTAMP_HEADER, source="webhook"
            )
        doc = read_json(body, WebhookIn, "POST /v1/channels/webhook/inbound")
        assert isinstance(doc, WebhookIn)
        message = InboundMessage(
            channel=doc.channel,
            sender_kind=doc.sender.kind,
            sender_value=doc.sender.value,
            sender_name=doc.sender.name,
            text=doc.text,
            idempotency_key=f"webhook:{doc.message_id}" if doc.message_id else None,
            external_id=doc.message_id,
        )
        data = {"thread_id": doc.thread_id, "channel": doc.channel}
        replies = (doc.thread_id,) if doc.thread_id else ()
        return [Inbound(message, Thread(doc.thread_id, data), replies)]

    def deliver(self, item: Outbound) -> Delivered:
        if item.kind == "handoff":
            return Delivered(skipped="handoffs reach integrations as the contact.handoff webhook")
        assert item.message is not None
        if item.message["author"] == "bot":
            return Delivered(skipped="the bot's reply was returned in the inbound response")
        if not self.reply_url or not self.secret:
            return Delivered(skipped="no channel_webhook_reply_url: the integration reads replies from the API")
        body = json.dumps(
            {
                "type": "message.outbound",
                "conversation_id": item.conversation["id"],
                "customer_id": item.conversation["customer_id"],
                "thread_id": item.thread.get("thread_id"),
                "channel": item.thread.get("channel", item.conversation["channel"]),
                "message": {k: item.message[k] for k in ("id", "author", "agent_id", "text", "created_at")},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "humantouch-channels",
            "X-Humantouch-Delivery": f"channel-{item.delivery_id}",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        try:
            response = self.client.post(self.reply_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"reply URL unreachable: {type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"reply URL answered HTTP {response.status_code}")
        return Delivered(external_id=f"channel-{item.delivery_id}")


def from_settings(settings: Settings) -> WebhookChannel:
    return WebhookChannel(
        secret=settings.channel_webhook_secret,
        reply_url=settings.channel_webhook_reply_url,
        client=httpx.Client(timeout=settings.webhook_timeout_seconds),
    )
