"""The agents' pages: sign-in, home (own conversations, follow-ups, call-backs), the queue and
one conversation with its actions. Every action is a POSTed form with the session's CSRF token;
success redirects back (post/redirect/get), a refused action shows the page again with why."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from humantouch import bot
from humantouch.api.errors import status_for
from humantouch.api.ratelimit import Limit, client_key, limiter_for
from humantouch.console import accounts, queries
from humantouch.console.accounts import Person
from humantouch.console.web import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    Console,
    PageExit,
    console,
    local_to_utc,
    posted,
    redirect,
    render,
    safe_next,
    secure,
    signed_in,
)
from humantouch.errors import AuthError, HumantouchError, InputError, NotFoundError
from humantouch.feedback import followups
from humantouch.service import briefing, conversations, customers, keys, lifecycle
from humantouch.service.context import Service

router = APIRouter()

CHANNELS = ("chat", "email", "whatsapp", "phone", "sms", "social", "webchat", "webhook")
RESOLUTION_CODES = ("answered", "solved", "refund", "replacement", "escalated", "no_reply", "duplicate")


# -- sign-in ---------------------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, safe_next(next))


def _login_page(request: Request, target: str, error: str = "", status: int = 200) -> Response:
    """The sign-in form with a fresh double-submit token (there is no session to hold one yet)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status=status, next=target, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request), path=PREFIX + "/login"
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    target = safe_next(form.get("next"))
    if not accounts.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf")):
        return _login_page(request, target, "login.expired", 400)
    policy = console(request).sign_in
    wait = limiter_for(request, "console_sign_in", Limit(policy.per_minute, policy.burst)).check(client_key(request))
    if wait > 0:
        response = _login_page(request, target, "login.throttled", 429)
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    try:
        token = await run_in_threadpool(
            accounts.sign_in, console(request).svc, form.get("email", ""), form.get("password", ""), policy
        )
    except accounts.SignInLockedError as locked:
        response = _login_page(request, target, "login.locked", 429)
        response.headers["Retry-After"] = str(locked.minutes * 60)
        return response
    except AuthError:
        return _login_page(request, target, "login.wrong", 401)
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path=PREFIX,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX + "/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted(request)
    await run_in_threadpool(accounts.sign_out, console(request).svc, request.cookies.get(SESSION_COOKIE))
    response = redirect(f"{PREFIX}/login")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/language/{code}")
async def switch_language(request: Request, code: str, next: str = "") -> Response:
    response = redirect(safe_next(next))
    if code in ("nl", "en"):
        response.set_cookie("ht_lang", code, max_age=365 * 86400, samesite="lax", secure=secure(request), path=PREFIX)
    return response


# -- home and queue --------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    person = await signed_in(request)
    return await _home(request, person, done=request.query_params.get("done", ""))


async def _home(request: Request, person: Person, *, done: str = "", error: HumantouchError | None = None) -> Response:
    svc = console(request).svc
    mine = await run_in_threadpool(queries.queue, svc, person.agent_id, queries.QueueView(mine=True), svc.clock())
    tasks = await run_in_threadpool(followups.for_agent, svc, person.agent_id)
    calls = await run_in_threadpool(queries.callbacks, svc, agent_id=person.agent_id)
    status = status_for(error) if error is not None else 200
    return render(
        request, "home.html", person, status=status, mine=mine, followups=tasks, callbacks=calls, done=done, error=error
    )


def _queue_view(request: Request) -> queries.QueueView:
    q = request.query_params
    route = q.get("route", "")
    channel = q.get("channel", "")
    return queries.QueueView(
        mine=q.get("mine") == "1",
        skills=q.get("skills") == "1",
        route=route if route in lifecycle.ROUTES else "",
        channel=channel if channel in CHANNELS else "",
    )


@router.get("/queue")
async def queue_page(request: Request) -> Response:
    person = await signed_in(request)
    svc = console(request).svc
    view = _queue_view(request)
    rows = await run_in_threadpool(queries.queue, svc, person.agent_id, view, svc.clock())
    return render(
        request,
        "queue.html",
        person,
        rows=rows,
        view=view,
        routes=lifecycle.ROUTES,
        channels=CHANNELS,
        query=request.url.query,
        now=svc.clock(),
    )


@router.get("/queue/rows")
async def queue_rows(request: Request) -> Response:
    """The table body alone, fetched by the page every few seconds."""
    person = await signed_in(request)
    svc = console(request).svc
    rows = await run_in_threadpool(queries.queue, svc, person.agent_id, _queue_view(request), svc.clock())
    return render(request, "queue_rows.html", person, rows=rows, now=svc.clock())


# -- one conversation ------------------------------------------------------------------------------


@router.get("/conversations/{conversation_id}")
async def conversation_page(request: Request, conversation_id: str) -> Response:
    person = await signed_in(request)
    return await _conversation(request, person, conversation_id, done=request.query_params.get("done", ""))


async def _conversation(
    request: Request,
    person: Person,
    conversation_id: str,
    *,
    done: str = "",
    error: HumantouchError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    svc = console(request).svc
    try:
        data = await run_in_threadpool(_conversation_data, svc, conversation_id)
    except NotFoundError:
        return render(request, "not_found.html", person, status=404)
    status = status_for(error) if error is not None else 200
    return render(
        request,
        "conversation.html",
        person,
        status=status,
        done=done,
        error=error,
        form=form or {},
        routes=lifecycle.ROUTES,
        resolution_codes=RESOLUTION_CODES,
        allowed={action: data["conversation"]["status"] in s for action, s in lifecycle.ALLOWED.items()},
        **data,
    )


def _conversation_data(svc: Service, conversation_id: str) -> dict[str, Any]:
    timeline = conversations.timeline(svc, conversation_id)
    conversation = timeline["conversation"]
    return timeline | {
        "briefing": briefing.for_conversation(svc, conversation_id),
        "triage": queries.last_triage(timeline["messages"]),
        "contacts": [c for c in customers.contacts(svc, conversation["customer_id"]) if c["id"] != conversation_id],
        "draft": bot.suggest_reply(svc, conversation_id),
        "suggestions": bot.suggest(svc, conversation_id, limit=3),
        "callbacks": queries.callbacks(svc, conversation_id=conversation_id),
        "agents": queries.agent_names(svc),
    }


# An action gets the console (the service, and the time zone typed times are read in).
Action = Callable[[Console, Person, str, dict[str, str]], object]


def _reply(c: Console, p: Person, cid: str, f: dict[str, str]) -> object:
    return conversations.reply(c.svc, p.actor, cid, f.get("text", ""), suggested=f.get("draft") or None)


def _override(c: Console, p: Person, cid: str, f: dict[str, str]) -> object:
    keys.require(p.actor, "conversations:override")
    return conversations.override(c.svc, p.actor, cid, f.get("route", ""), f.get("reason", ""))


def _resolve(c: Console, p: Person, cid: str, f: dict[str, str]) -> object:
    code = f.get("resolution_code", "")
    if code not in RESOLUTION_CODES:
        raise InputError("choose a resolution code", code="HT-IN-RESOLUTION")
    return conversations.resolve(c.svc, p.actor, cid, code)


def _callback(c: Console, p: Person, cid: str, f: dict[str, str]) -> object:
    """A call-back at the time typed in the form, read in the contact centre's zone (console_timezone)."""
    try:
        due = local_to_utc(f.get("due_at", ""), c.zone)
    except ValueError:
        raise InputError("the call-back time is not a date and time", code="HT-IN-CALLBACK") from None
    return queries.schedule_callback(c.svc, p.actor, cid, due, f.get("note", ""))


ACTIONS: dict[str, Action] = {
    "take-over": lambda c, p, cid, f: conversations.take_over(c.svc, p.actor, cid),
    "hand-back": lambda c, p, cid, f: conversations.hand_back(c.svc, p.actor, cid),
    "reply": _reply,
    "override": _override,
    "resolve": _resolve,
    "callback": _callback,
}


@router.post("/conversations/{conversation_id}/{action}")
async def conversation_action(request: Request, conversation_id: str, action: str) -> Response:
    person, form = await posted(request)
    if action not in ACTIONS:
        raise PageExit(render(request, "not_found.html", person, status=404))
    try:
        keys.require(person.actor, "conversations:act")
        await run_in_threadpool(ACTIONS[action], console(request), person, conversation_id, form)
    except HumantouchError as exc:
        return await _conversation(request, person, conversation_id, error=exc, form=form)
    return redirect(f"{PREFIX}/conversations/{conversation_id}?done={action}")


# -- follow-ups and call-backs ---------------------------------------------------------------------


@router.post("/followups/{followup_id}/complete")
async def complete_followup(request: Request, followup_id: str) -> Response:
    person, form = await posted(request)
    svc = console(request).svc
    try:
        if not form.get("outcome", "").strip():
            raise InputError("say what came of it", code="HT-IN-OUTCOME")
        await run_in_threadpool(followups.complete, svc, person.actor, followup_id, form["outcome"].strip())
    except HumantouchError as exc:
        return await _home(request, person, error=exc)
    return redirect(f"{PREFIX}/?done=followup")


@router.post("/callbacks/{callback_id}/done")
async def finish_callback(request: Request, callback_id: int) -> Response:
    person, _ = await posted(request)
    try:
        await run_in_threadpool(queries.finish_callback, console(request).svc, person.actor, callback_id)
    except NotFoundError:
        return render(request, "not_found.html", person, status=404)
    return redirect(f"{PREFIX}/?done=callback")
