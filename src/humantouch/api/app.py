"""The FastAPI application factory. Nothing is built at import time: call `create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from humantouch import __version__, console
from humantouch.api import errors
from humantouch.api.limits import BodySizeLimit
from humantouch.api.ratelimit import DEFAULT_LIMIT, Limit
from humantouch.api.routes import agents, conversations, customers, health, messages, privacy
from humantouch.api.routes import channels as channel_routes
from humantouch.api.security import SecurityHeaders
from humantouch.channels import Channel
from humantouch.console.accounts import SignInPolicy
from humantouch.service import Service, keys

DEFAULT_MAX_REQUEST_BYTES = 65_536


def create_app(
    svc: Service,
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    on_shutdown: Sequence[Callable[[], None]] = (),
    channels: Mapping[str, Channel] | None = None,
    path_limits: Mapping[str, int] | None = None,
    rate_limit: Limit = DEFAULT_LIMIT,
    sign_in: SignInPolicy | None = None,
    console_timezone: str = "Europe/Amsterdam",
    key_cache_seconds: float = 10.0,
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
    app.state.channels = dict(channels or {})
    app.state.rate_limit = rate_limit
    app.state.key_cache = keys.KeyCache(svc.db, key_cache_seconds)
    errors.install(app)
    v1 = APIRouter(prefix="/v1")
    for module in (messages, conversations, customers, agents, health, channel_routes, privacy):
        v1.include_router(module.router)
    from humantouch.api.routes import feedback

    v1.include_router(feedback.router)
    app.include_router(v1)
    console.install(app, svc, sign_in, console_timezone)
    from humantouch.feedback import web as survey_page

    app.include_router(survey_page.router)
    app.add_middleware(BodySizeLimit, max_bytes=max_request_bytes, path_limits=path_limits)
    app.add_middleware(SecurityHeaders)
    return app
