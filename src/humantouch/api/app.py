"""The FastAPI application factory. Nothing is built at import time: call `create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from humantouch import __version__
from humantouch.api import errors
from humantouch.api.limits import BodySizeLimit
from humantouch.api.ratelimit import DEFAULT_LIMIT, Limit
from humantouch.api.routes import agents, conversations, customers, health, messages, privacy
from humantouch.api.security import SecurityHeaders
from humantouch.service import Service

DEFAULT_MAX_REQUEST_BYTES = 65_536


def create_app(
    svc: Service,
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    on_shutdown: Sequence[Callable[[], None]] = (),
    rate_limit: Limit = DEFAULT_LIMIT,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for hook in on_shutdown:
            hook()

    app = FastAPI(
        lifespan=lifespan,
        title="humantouch",
        version=__version__,
        description="Routes every customer contact to the bot or to the person who should take it.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.service = svc
    app.state.rate_limit = rate_limit
    errors.install(app)
    v1 = APIRouter(prefix="/v1")
    for module in (messages, conversations, customers, agents, health, privacy):
        v1.include_router(module.router)
    app.include_router(v1)
    app.add_middleware(BodySizeLimit, max_bytes=max_request_bytes)
    app.add_middleware(SecurityHeaders)
    return app
