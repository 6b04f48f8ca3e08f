"""The in-memory double of a channel: parses a tiny JSON shape, collects what it is asked to deliver."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from humantouch.channels import Delivered, Ignored, Inbound, Outbound, Thread
from humantouch.errors import DeliveryError
from humantouch.service.inbound import InboundMessage


@dataclass
class MemoryChannel:
    name: str = "memory"
    sent: list[Outbound] = field(default_factory=list)
    # Errors to raise on the next deliveries, in order; when used up, deliveries succeed.
    failures: list[DeliveryError] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def parse(self, body: bytes, meta: Mapping[str, str]) -> list[Inbound | Ignored]:
        doc = json.loads(body)
        return [
            Inbound(
                InboundMessage(channel=self.name, sender_kind="email", sender_value=doc["from"], text=doc["text"]),
                Thread(doc.get("thread")),
                tuple(doc.get("replies_to", ())),
            )
        ]

    def deliver(self, item: Outbound) -> Delivered:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(item)
            return Delivered(external_id=f"memory-{len(self.sent)}")
