"""The agent console and the supervisor dashboard: server-rendered pages under /console.

`install(app, svc)` adds them to the API app. Templates, the word catalogue and the CSS/JS
live in this package; plotly's bundle comes from the installed plotly package. No CDN, no
build step: the pages work on the contact centre's own network, and without JavaScript.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from humantouch.console import leads, pages, web
from humantouch.console.accounts import SignInPolicy
from humantouch.service.context import Service


def install(app: FastAPI, svc: Service, sign_in: SignInPolicy | None = None, zone: str = web.DEFAULT_ZONE) -> None:
    tz = ZoneInfo(zone)
    app.state.console = web.Console(
        svc=svc, templates=web.environment(tz), sign_in=sign_in or SignInPolicy(), zone=tz
    )
    router = APIRouter(prefix=web.PREFIX, include_in_schema=False)
    router.add_api_route("/static/{name}", static, methods=["GET"])
    router.include_router(pages.router)
    router.include_router(leads.router)
    app.include_router(router)
    app.add_exception_handler(web.PageExit, _page_exit)  # type: ignore[arg-type]


async def static(name: str) -> Response:
    found = web.static_file(name)
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    body, media_type = found
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


async def _page_exit(request: Request, exc: web.PageExit) -> Response:
    return exc.response
