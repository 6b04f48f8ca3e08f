"""The one place where errors become HTTP responses: `{"error": {"code", "message", "hint", ...}}`."""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from humantouch import errors, logredact

log = logging.getLogger("humantouch.api")

# First match wins, so subclasses come before their parents.
STATUS: tuple[tuple[type[errors.HumantouchError], int], ...] = (
    (errors.NotMigratedError, 503),
    (errors.UnavailableError, 503),
    (errors.StorageError, 500),
    (errors.InputError, 422),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.AuthError, 401),
    (errors.ForbiddenError, 403),
    (errors.PlaybookError, 500),
    (errors.ConfigError, 500),
    (errors.ModelError, 500),
    (errors.RateLimitError, 429),
    (errors.DeliveryError, 502),
)


def status_for(exc: errors.HumantouchError) -> int:
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 500)


def error_body(code: str, message: str, hint: str = "", **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "hint": hint, **extra}}


def install(app: FastAPI) -> None:
    logredact.install()
    app.add_exception_handler(errors.HumantouchError, _humantouch)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]


async def _humantouch(request: Request, exc: errors.HumantouchError) -> JSONResponse:
    status = status_for(exc)
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = "5"
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    elif status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(exc, errors.RateLimitError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    elif status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)  # messages withheld: logredact
    return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=status, headers=headers)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ())),
            "problem": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    names = ", ".join(f["field"] for f in fields)
    return JSONResponse(
        error_body(
            "HT-IN-VALIDATION",
            f"the request has invalid fields: {names}",
            "see /docs for the expected shape",
            fields=fields,
        ),
        status_code=422,
    )


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        error_body(f"HT-HTTP-{exc.status_code}", str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )
