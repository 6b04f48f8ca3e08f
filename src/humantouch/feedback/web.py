"""The survey page `GET/POST /s/{token}`: server-rendered HTML that works without JavaScript.

No API key: the signed token in the link is the credential (feedback/tokens.py). Kept outside
/v1 because it is a page for customers, not an API.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from humantouch.api.ratelimit import rate_limited
from humantouch.errors import ConflictError, InputError, NotFoundError
from humantouch.feedback import surveys
from humantouch.service import Service

router = APIRouter(tags=["surveys"], include_in_schema=False)
# The survey page needs no key (the signed token is the credential): limited per client address.
SurveyRateLimit = Annotated[None, Depends(rate_limited("survey"))]

STATUS = {"open": 200, "expired": 410, "invalid": 404}


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("humantouch.feedback", "templates"), autoescape=select_autoescape())


def render(page: surveys.Page, *, saved: bool = False, error: bool = False) -> HTMLResponse:
    t = page.texts
    answers: dict[str, Any] = dict(page.survey or {})
    questions = [
        {"name": "nps", "values": list(range(11)), "low": t["nps_low"], "high": t["nps_high"]},
        {"name": "ces", "values": list(range(1, 8)), "low": t["ces_low"], "high": t["ces_high"]},
        {"name": "csat", "values": list(range(1, 6)), "low": t["csat_low"], "high": t["csat_high"]},
    ]
    until = (answers.get("expires_at") or "")[:10]
    html = (
        environment()
        .get_template("survey.html")
        .render(
            lang=answers.get("language") or "nl",
            t=t,
            state=page.state,
            answers=answers,
            questions=questions,
            saved=saved,
            followup=page.followup,
            error=error,
            until=until,
        )
    )
    status = 422 if error else STATUS[page.state]
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _int(value: object) -> int | None:
    if value in (None, ""):
        return None
    return int(str(value))


def answers_from(form: dict[str, Any]) -> surveys.Answers:
    """Form fields to answers; a field left out (or empty) is no answer, not a zero."""
    resolved = {"yes": True, "no": False, "": None, None: None}[form.get("resolved")]
    return surveys.Answers(
        nps=_int(form.get("nps")),
        ces=_int(form.get("ces")),
        csat=_int(form.get("csat")),
        resolved=resolved,
        comment=str(form["comment"]) if form.get("comment") else None,
    )


@router.get("/s/{token}", response_class=HTMLResponse)
def get_survey(token: str, request: Request, _: SurveyRateLimit) -> HTMLResponse:
    svc: Service = request.app.state.service
    return render(surveys.page(svc, token))


@router.post("/s/{token}", response_class=HTMLResponse)
async def post_survey(token: str, request: Request, _: SurveyRateLimit) -> HTMLResponse:
    svc: Service = request.app.state.service
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        answers = answers_from(form)
        answers.check()
    except (ValueError, KeyError, InputError):
        page = await run_in_threadpool(surveys.page, svc, token)
        return render(page, error=page.state == "open")
    try:
        page = await run_in_threadpool(surveys.submit, svc, token, answers)
    except (NotFoundError, ConflictError):
        return render(await run_in_threadpool(surveys.page, svc, token))
    return render(page, saved=True)
