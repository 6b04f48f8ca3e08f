"""Security headers on every response, as plain ASGI middleware.

The API and the console serve everything from this origin, so the policy is `default-src 'self'`.
FastAPI's interactive docs load Swagger UI / ReDoc from a CDN with inline scripts; only those two
pages get a policy that allows that (`POLICIES`). HSTS is sent only over https (it would pin a plain-http
development server to a scheme it does not speak).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; frame-ancestors 'none'"
)
# Path prefix -> policy, first match wins; everything else gets CSP. A part of humantouch whose pages
# need more (Plotly injects <style> elements: style-src 'unsafe-inline') adds its prefix here.
# The survey page (feedback/templates/survey.html) carries its small stylesheet inline, so one file
# serves a phone with no other request; it has no scripts.
SURVEY_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
POLICIES: dict[str, str] = {"/docs": DOCS_CSP, "/redoc": DOCS_CSP, "/s/": SURVEY_CSP}
HSTS = "max-age=31536000; includeSubDomains"

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = next((policy for prefix, policy in POLICIES.items() if path.startswith(prefix)), CSP)
        extra = [*BASE_HEADERS, (b"content-security-policy", csp.encode())]
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
