"""Receiving through a channel: the message and the channel's thread id commit in one transaction.

A message that answers a known thread (an e-mail's In-Reply-To or References, a Chatwoot
conversation, a web-chat session) joins that thread's conversation; the thread row then points
at the conversation the message landed in, so answers go back the way the customer came.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from humantouch.channels import Inbound
from humantouch.errors import ConflictError
from humantouch.service import outbound
from humantouch.service.context import Service
from humantouch.service.inbound import Received, receive


def accept(svc: Service, channel: str, item: Inbound) -> Received:
    with svc.db.read() as session:
        found = outbound.find_conversation(session, channel, item.replies_to)
    message = item.message
    if found is not None and message.conversation_id is None:
        message = replace(message, conversation_id=found)

    def link(session: Session, response: dict[str, Any]) -> None:
        conversation = response["conversation"]
        key = item.thread.key or f"conversation:{conversation['id']}"
        outbound.remember(session, channel, key, conversation["id"], conversation["customer_id"], item.thread.data)

    try:
        return receive(svc, message, after_store=link)
    except ConflictError as exc:
        retry = exc.code in ("HT-CONFLICT-CONVERSATION", "HT-CONFLICT-IDEMPOTENCY")
        if not retry or message is item.message:
            raise
        # HT-CONFLICT-CONVERSATION: someone else answered in the thread (a colleague in Cc); they get
        # a conversation of their own. HT-CONFLICT-IDEMPOTENCY: a resend of the thread's first
        # message, stored before the thread existed, so without a conversation id: replay it.
        return receive(svc, item.message, after_store=link)
