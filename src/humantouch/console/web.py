"""The console's plumbing: templates, the signed-in person, CSRF, language, security headers.

Pages leave early by raising `PageExit` with the response to send (a redirect to the sign-in
page, a 403 page); one exception handler turns it into that response.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from humantouch.console import accounts, i18n
from humantouch.console.accounts import Person, SignInPolicy
from humantouch.service.context import Service

SESSION_COOKIE = "ht_session"
LANGUAGE_COOKIE = "ht_lang"
LOGIN_CSRF_COOKIE = "ht_login_csrf"
PREFIX = "/console"
DEFAULT_ZONE = "Europe/Amsterdam"

SECURITY_HEADERS = {
    # Scripts only from our own origin: the page scripts and plotly are files, chart data is JSON.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class PageExit(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("page exit")
        self.response = response


@dataclass(slots=True)
class Console:
    svc: Service
    templates: jinja2.Environment
    sign_in: SignInPolicy = field(default_factory=SignInPolicy)
    # Times are shown, and call-back times read, in the contact centre's zone (setting console_timezone).
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))


def environment(zone: ZoneInfo | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("humantouch.console", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = functools.partial(_when, zone=zone or ZoneInfo(DEFAULT_ZONE))
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    return env


def console(request: Request) -> Console:
    state: Console = request.app.state.console
    return state


def language(request: Request) -> str:
    return i18n.choose(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


def render(request: Request, name: str, person: Person | None, *, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    template = console(request).templates.get_template(name)
    html = template.render(
        t=i18n.Translator(lang),
        lang=lang,
        person=person,
        csrf=person.csrf_token if person else "",
        path=request.url.path,
        here=_here(request),
        prefix=PREFIX,
        zone=console(request).zone.key,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


async def signed_in(request: Request) -> Person:
    """The person of the session cookie; no session sends the browser to the sign-in page."""
    svc = console(request).svc
    person = await run_in_threadpool(accounts.person, svc, request.cookies.get(SESSION_COOKIE))
    if person is None:
        raise PageExit(redirect(f"{PREFIX}/login?next={quote(_here(request), safe='')}"))
    return person


async def lead(request: Request) -> Person:
    """Supervisors and admins only."""
    person = await signed_in(request)
    if not person.leads:
        raise PageExit(render(request, "forbidden.html", person, status=403))
    return person


async def posted(request: Request) -> tuple[Person, dict[str, str]]:
    """A signed-in person's form, after its CSRF token is checked against the session's."""
    person = await signed_in(request)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not accounts.csrf_ok(person.csrf_token, fields.get("csrf")):
        raise PageExit(render(request, "forbidden.html", person, status=403, reason="csrf"))
    return person, fields


def safe_next(value: str | None) -> str:
    """Only ever redirect inside the console (no open redirect via ?next=)."""
    if value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _when(value: str | None, zone: ZoneInfo) -> str:
    """A stored moment (an ISO string with its offset) as the contact centre reads it: '2026-11-25 10:30 CET'."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def local_to_utc(text: str, zone: ZoneInfo) -> datetime:
    """A time typed in the console (an <input type=datetime-local>, no offset) as a UTC moment.

    Raises ValueError when `text` is no date and time. A time with its own offset keeps it.
    """
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def static_file(name: str) -> tuple[bytes, str] | None:
    """The console's own CSS and JS, and plotly's bundle from the installed plotly package."""
    if name == "plotly.min.js":
        return resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes(), "text/javascript"
    types = {"console.css": "text/css", "console.js": "text/javascript"}
    if name not in types:
        return None
    return resources.files("humantouch.console").joinpath(f"static/{name}").read_bytes(), types[name]
