from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import TypeAdapter

from humantouch.api.auth import ServiceDep, WritesMessages
from humantouch.api.schemas import MessageIn
from humantouch.service.inbound import InboundMessage, receive

router = APIRouter(tags=["messages"])


@cache
def _json() -> TypeAdapter[dict[str, Any]]:
    return TypeAdapter(dict[str, Any])


@router.post("/messages", status_code=201, response_model=dict[str, Any])
def post_message(
    body: MessageIn,
    actor: WritesMessages,
    svc: ServiceDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
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
    # Serialised here, in the request's worker thread, as FastAPI would with the response model: a
    # returned dict is validated against it in one more thread-pool hop (FastAPI does that for every
    # sync endpoint), the busiest endpoint's third.
    response = Response(_json().dump_json(result.response), status_code=201, media_type="application/json")
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
