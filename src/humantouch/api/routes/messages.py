from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from humantouch.api.auth import ServiceDep, WritesMessages
from humantouch.api.schemas import MessageIn
from humantouch.service.inbound import InboundMessage, receive

router = APIRouter(tags=["messages"])


@router.post("/messages", status_code=201)
def post_message(
    body: MessageIn,
    response: Response,
    actor: WritesMessages,
    svc: ServiceDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """An inbound customer message from any channel: stored, analysed and routed in one transaction.

    The same `Idempotency-Key` header (or `idempotency_key` field) twice returns the first answer
    and stores nothing new; the replay carries `Idempotent-Replayed: true`.
    """
    result = receive(
        svc,
        InboundMessage(
            channel=body.channel,
            sender_kind=body.sender.kind,
            sender_value=body.sender.value,
            sender_name=body.sender.name,
            text=body.text,
            conversation_id=body.conversation_id,
            idempotency_key=idempotency_key or body.idempotency_key,
            external_id=body.external_id,
        ),
    )
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result.response
