"""Channel endpoints: the generic JSON webhook, raw e-mail, Chatwoot's Agent Bot webhook, web chat.

Each reads the raw body (signatures are over the exact bytes), lets the channel parse it, and
takes the message in through channels.threads.accept. The channels come from app.state.channels
(built from the settings at start-up); a channel that is not configured answers 404 with the
settings that switch it on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from humantouch.api.auth import ServiceDep, WritesMessages
from humantouch.api.ratelimit import PublicRateLimit, rate_limited
from humantouch.channels import Channel, Ignored, Inbound
from humantouch.channels.threads import accept
from humantouch.channels.webchat import ChatIn, WebchatChannel, public_answer
from humantouch.channels.webhook import WebhookIn
from humantouch.errors import NotFoundError
from humantouch.service import Service

# Per client address, on top of the web chat's own per-session limits (settings webchat_*).
WebchatRateLimit = Annotated[None, Depends(rate_limited("webchat"))]

router = APIRouter(tags=["channels"])

SWITCH_ON = {
    "webchat": "set HUMANTOUCH_WEBCHAT_ENABLED=true",
    "chatwoot": "set HUMANTOUCH_CHATWOOT_URL and HUMANTOUCH_CHATWOOT_API_TOKEN",
    "email": "the e-mail channel is built in; check the server's channel set-up",
    "webhook": "the webhook channel is built in; check the server's channel set-up",
}


def channel(request: Request, name: str) -> Channel:
    found: Channel | None = request.app.state.channels.get(name)
    if found is None:
        raise NotFoundError(
            f"the {name} channel is not configured on this server",
            hint=SWITCH_ON.get(name, "see docs/channels.md"),
            code="HT-NOTFOUND-CHANNEL",
        )
    return found


def meta(request: Request) -> dict[str, str]:
    out = {k.lower(): v for k, v in request.headers.items()}
    out.update({k: str(v) for k, v in request.path_params.items()})
    out["client"] = request.client.host if request.client else "?"
    return out


async def take_in(svc: Service, ch: Channel, request: Request) -> list[dict[str, Any]]:
    body = await request.body()
    parsed = await run_in_threadpool(ch.parse, body, meta(request))
    results: list[dict[str, Any]] = []
    for item in parsed:
        if isinstance(item, Ignored):
            results.append({"accepted": False, "reason": item.reason})
            continue
        assert isinstance(item, Inbound)
        received = await run_in_threadpool(accept, svc, ch.name, item)
        results.append({**received.response, "reply": received.response.get("reply"), "replayed": received.replayed})
    return results


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post(
    "/channels/webhook/inbound",
    status_code=201,
    openapi_extra=_json_body(WebhookIn.model_json_schema(ref_template="#/components/schemas/{model}")),
)
async def post_webhook_inbound(
    request: Request, response: Response, actor: WritesMessages, svc: ServiceDep
) -> dict[str, Any]:
    """A customer message from any gateway, as JSON; the bot's reply comes back in `reply`.

    Where channel_webhook_secret is set, X-Humantouch-Timestamp and X-Humantouch-Signature are required.
    """
    (result,) = await take_in(svc, channel(request, "webhook"), request)
    if result.pop("replayed", False):
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.post(
    "/channels/email/inbound",
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": {"message/rfc822": {"schema": {"type": "string"}}}}},
)
async def post_email_inbound(
    request: Request, response: Response, actor: WritesMessages, svc: ServiceDep
) -> dict[str, Any]:
    """One raw RFC 822 e-mail (as an MTA or a mail-fetching job received it); quoted replies and
    signatures are stripped before analysis, and replies thread onto the same conversation."""
    (result,) = await take_in(svc, channel(request, "email"), request)
    replayed = result.pop("replayed", False)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if not result.get("accepted", True):
        response.status_code = 200
    return result


@router.post("/channels/chatwoot/webhook")
async def post_chatwoot_webhook(request: Request, svc: ServiceDep, _: PublicRateLimit) -> dict[str, Any]:
    """Chatwoot's Agent Bot webhook (message_created, conversation_created, conversation_status_changed,
    conversation_updated). No API key: signed with chatwoot_webhook_secret where configured."""
    from humantouch.channels.chatwoot import ChatwootChannel

    ch = channel(request, "chatwoot")
    assert isinstance(ch, ChatwootChannel)
    body = await request.body()
    return await run_in_threadpool(ch.handle, svc, body, meta(request))


@router.post(
    "/webchat/{session}/messages",
    status_code=201,
    openapi_extra=_json_body(ChatIn.model_json_schema()),
)
async def post_webchat_message(session: str, request: Request, svc: ServiceDep, _: WebchatRateLimit) -> dict[str, Any]:
    """A visitor's chat message (public, rate-limited); answers with the bot's reply, if any."""
    ch = channel(request, "webchat")
    body = await request.body()
    (item,) = await run_in_threadpool(ch.parse, body, meta(request))
    assert isinstance(item, Inbound)
    received = await run_in_threadpool(accept, svc, ch.name, item)
    return public_answer(received.response)


@router.get("/webchat/{session}/messages")
async def get_webchat_messages(
    session: str,
    request: Request,
    svc: ServiceDep,
    _: WebchatRateLimit,
    after: Annotated[int, Query(ge=0, description="the last message id the widget has")] = 0,
) -> dict[str, Any]:
    """The bot's and agents' messages in this chat after `after`, oldest first (at most 100)."""
    ch = channel(request, "webchat")
    assert isinstance(ch, WebchatChannel)
    client = request.client.host if request.client else "?"
    return await run_in_threadpool(ch.poll, svc, session, after, client)
