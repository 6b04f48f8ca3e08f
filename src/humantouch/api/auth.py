"""Every endpoint names the permission it needs; the key's role must grant it (service/keys.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from humantouch.service import Actor, Service, keys


async def service(request: Request) -> Service:
    """Async, though it awaits nothing: FastAPI runs a plain `def` dependency in the thread pool, a
    hop there and back for every request for one attribute read (docs/benchmarks.md)."""
    svc: Service = request.app.state.service
    return svc


ServiceDep = Annotated[Service, Depends(service)]


def _presented(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def require(permission: str) -> Callable[..., object]:
    async def dependency(request: Request, svc: ServiceDep) -> Actor:
        presented = _presented(request)
        cache: keys.KeyCache = request.app.state.key_cache
        # A key checked a moment ago is answered here, in the event loop, without a database read.
        actor = cache.lookup(presented)
        if actor is None:
            actor = await run_in_threadpool(cache.authenticate, presented)
        keys.require(actor, permission)
        return actor

    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    dependency.permission = permission  # type: ignore[attr-defined]  # read by the route-walking test
    return dependency


WritesMessages = Annotated[Actor, Depends(require("messages:write"))]
ReadsConversations = Annotated[Actor, Depends(require("conversations:read"))]
ActsOnConversations = Annotated[Actor, Depends(require("conversations:act"))]
OverridesRoutes = Annotated[Actor, Depends(require("conversations:override"))]
ReadsCustomers = Annotated[Actor, Depends(require("customers:read"))]
WritesCustomers = Annotated[Actor, Depends(require("customers:write"))]
MergesCustomers = Annotated[Actor, Depends(require("customers:merge"))]
ReadsAgents = Annotated[Actor, Depends(require("agents:read"))]
WritesAgents = Annotated[Actor, Depends(require("agents:write"))]
ReadsFeedback = Annotated[Actor, Depends(require("feedback:read"))]
ActsOnFollowups = Annotated[Actor, Depends(require("followups:act"))]
WritesPulse = Annotated[Actor, Depends(require("pulse:write"))]
ReadsOriginals = Annotated[Actor, Depends(require("originals:read"))]
ReadsAudit = Annotated[Actor, Depends(require("audit:read"))]
ExportsCustomers = Annotated[Actor, Depends(require("customers:export"))]
ErasesCustomers = Annotated[Actor, Depends(require("customers:erase"))]
