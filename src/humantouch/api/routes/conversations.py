from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from humantouch.api.auth import ActsOnConversations, OverridesRoutes, ReadsConversations, ServiceDep
from humantouch.api.schemas import AgentRef, OverrideIn, ReplyIn, ResolveIn
from humantouch.errors import NotFoundError
from humantouch.records import Priority, Route
from humantouch.service import briefing
from humantouch.service import conversations as conv
from humantouch.service.lifecycle import Status

# A conversation's language is what the detector can answer (language.DETECTABLE; a test keeps the two
# equal) or "unknown"; any other value in ?language= is a typo, answered 422 rather than an empty queue.
QueueLanguage = Literal[
    "nl", "en", "de", "fr", "es", "it", "pt", "pl", "tr", "ro",
    "ar", "ru", "uk", "bg", "el", "he", "fa", "hi", "th", "zh", "ja", "ko", "unknown",
]  # fmt: skip

router = APIRouter(tags=["conversations"])


@router.get("/queue")
def get_queue(
    actor: ReadsConversations,
    svc: ServiceDep,
    status: Annotated[list[Status] | None, Query(description="default: waiting_for_agent")] = None,
    route: Annotated[list[Route] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    intent: Annotated[list[str] | None, Query()] = None,
    language: Annotated[list[QueueLanguage] | None, Query()] = None,
    skills_of: Annotated[str | None, Query(description="only what this agent has the skills for")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # unbounded, a huge offset overflowed the driver
) -> dict[str, Any]:
    """Conversations waiting for people, most urgent SLA first."""
    items = conv.queue(
        svc,
        conv.QueueFilter(
            statuses=tuple(status or ("waiting_for_agent",)),
            routes=tuple(route or ()),
            priorities=tuple(priority or ()),
            intents=tuple(intent or ()),
            languages=tuple(language or ()),
            skills_of=skills_of,
            limit=limit,
            offset=offset,
        ),
    )
    return {"items": items, "count": len(items)}


@router.get("/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str,
    actor: ReadsConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.timeline(svc, conversation_id, actor)


@router.post("/conversations/{conversation_id}/reply", status_code=201)
def post_reply(
    conversation_id: str,
    body: ReplyIn,
    actor: ActsOnConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.reply(svc, actor, conversation_id, body.text, body.agent_id)


@router.post("/conversations/{conversation_id}/take-over")
def post_take_over(
    conversation_id: str,
    body: AgentRef,
    actor: ActsOnConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.take_over(svc, actor, conversation_id, body.agent_id)


@router.post("/conversations/{conversation_id}/hand-back")
def post_hand_back(
    conversation_id: str,
    actor: ActsOnConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.hand_back(svc, actor, conversation_id)


@router.post("/conversations/{conversation_id}/override")
def post_override(
    conversation_id: str,
    body: OverrideIn,
    actor: OverridesRoutes,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.override(svc, actor, conversation_id, body.route, body.reason)


@router.post("/conversations/{conversation_id}/resolve")
def post_resolve(
    conversation_id: str,
    body: ResolveIn,
    actor: ActsOnConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.resolve(svc, actor, conversation_id, body.resolution_code)


@router.post("/conversations/{conversation_id}/close")
def post_close(
    conversation_id: str,
    actor: ActsOnConversations,
    svc: ServiceDep,
) -> dict[str, Any]:
    return conv.close(svc, actor, conversation_id)


@router.get("/conversations/{conversation_id}/briefing")
def get_briefing(
    conversation_id: str,
    actor: ActsOnConversations,
    svc: ServiceDep,
    language: Annotated[
        Literal["nl", "en"] | None, Query(description="language of the readable text (default: the setting)")
    ] = None,
) -> dict[str, Any]:
    """The latest handoff briefing: what the agent needs to take over without asking again."""
    brief = briefing.for_conversation(svc, conversation_id, language=language)
    if brief is None:
        raise NotFoundError(
            f"conversation {conversation_id} has no briefing yet",
            hint="a briefing is written when the conversation is handed to a person",
            code="HT-NOTFOUND-BRIEFING",
        )
    return brief
