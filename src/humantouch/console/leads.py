"""The team leads' pages: the dashboard over `feedback.scorecard.compute`, its CSV export, and
the playbook in force beside the overrides people made. Supervisors and admins only.

Only the scorecard shape of the contract is used; every measure may be None ("no data yet").
Charts are plotly figures sent as JSON and drawn by console.js with plotly's own bundle, so the
page needs no inline script and no CDN.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from humantouch.console import queries
from humantouch.console.i18n import Translator
from humantouch.console.web import SECURITY_HEADERS, console, language, lead, render
from humantouch.feedback.scorecard import ScoreFilter, compute
from humantouch.playbook import Playbook
from humantouch.service import agents
from humantouch.service.context import Service

router = APIRouter()

DEFAULT_DAYS = 30
FOUR_E = ("experience", "effortless", "efficiency", "effectivity")


def score_filter(request: Request, today: date) -> ScoreFilter:
    q = request.query_params
    start = _day(q.get("from")) or today - timedelta(days=DEFAULT_DAYS - 1)
    end = _day(q.get("to")) or today
    if end < start:
        start, end = end, start
    return ScoreFilter(
        start=datetime.combine(start, time.min, tzinfo=UTC),
        end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        channel=q.get("channel") or None,
        language=q.get("language") or None,
        intent=q.get("intent") or None,
        route=None,
        quadrant=None,
        agent_id=None,
    )


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    person = await lead(request)
    svc = console(request).svc
    flt = score_filter(request, svc.clock().date())
    card = await run_in_threadpool(compute, svc, flt)
    live = await run_in_threadpool(queries.live_counts, svc)
    people = await run_in_threadpool(_agents, svc, card)
    t = Translator(language(request))
    return render(
        request,
        "dashboard.html",
        person,
        card=card,
        live=live,
        people=people,
        flt=flt,
        day_to=(flt.end - timedelta(days=1)).date().isoformat(),
        day_from=flt.start.date().isoformat(),
        charts=charts(card, live, t),
        four_e=FOUR_E,
        intents=_intents(svc),
        query=request.url.query,
    )


@router.get("/dashboard.csv")
async def dashboard_csv(request: Request) -> Response:
    await lead(request)
    svc = console(request).svc
    flt = score_filter(request, svc.clock().date())
    card = await run_in_threadpool(compute, svc, flt)
    name = f"humantouch-scorecard-{flt.start.date()}-{(flt.end - timedelta(days=1)).date()}.csv"
    headers = SECURITY_HEADERS | {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(to_csv(card), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/playbook")
async def playbook_page(request: Request) -> Response:
    person = await lead(request)
    svc = console(request).svc
    groups = await run_in_threadpool(queries.overrides_by_intent, svc)
    book = svc.engine.playbook
    return render(
        request,
        "playbook.html",
        person,
        book=book if isinstance(book, Playbook) else None,
        book_name=book.name,
        groups=groups,
        agents=await run_in_threadpool(queries.agent_names, svc),
    )


def to_csv(card: dict[str, Any]) -> str:
    """The scorecard flattened to `section,metric,value` rows, then the per-day series."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "metric", "value"])
    for key, value in flatten(card, ()):
        writer.writerow([key[0], ".".join(key[1:]), "" if value is None else value])
    return out.getvalue()


def flatten(value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in flatten(v, (*path, str(k)))]
    if isinstance(value, list):
        return [row for i, v in enumerate(value) for row in flatten(v, (*path, str(i)))]
    return [(path if len(path) > 1 else (*path, ""), value)]


def charts(card: dict[str, Any], live: dict[str, dict[str, int]], t: Translator) -> list[dict[str, Any]]:
    """Plotly figures as JSON strings, each with a title and a table of the same numbers."""
    import plotly.graph_objects as go

    layout = {"margin": {"l": 48, "r": 16, "t": 24, "b": 40}, "height": 280, "font": {"size": 13}}
    out: list[dict[str, Any]] = []
    days = card.get("series", {}).get("by_day") or []
    if days:
        x = [d["day"] for d in days]
        fig = go.Figure(
            go.Bar(
                x=x, y=[d.get("conversations") or 0 for d in days], name=t("dash.conversations"), marker_color="#1f5f8b"
            )
        )
        fig.update_xaxes(type="category")
        sentiment = [d.get("sentiment") for d in days]
        if any(v is not None for v in sentiment):
            fig.add_trace(go.Scatter(x=x, y=sentiment, name=t("dash.sentiment"), yaxis="y2", mode="lines+markers"))
            fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [-1, 1]})
        fig.update_layout(**layout)
        rows = [[d["day"], d.get("conversations"), d.get("sentiment"), d.get("nps")] for d in days]
        out.append(
            _chart(
                "per_day",
                t("dash.chart_per_day"),
                fig,
                [t("dash.day"), t("dash.conversations"), t("dash.sentiment"), "NPS"],
                rows,
            )
        )
    for key, title in (("by_route", t("dash.chart_route")), ("by_quadrant", t("dash.chart_quadrant"))):
        counts = live.get(key) or {}
        if counts:
            labels = sorted(counts)
            names = [t.label("route" if key == "by_route" else "quadrant", k) for k in labels]
            fig = go.Figure(go.Bar(x=names, y=[counts[k] for k in labels], marker_color="#1f5f8b"))
            fig.update_layout(**layout)
            out.append(
                _chart(
                    key,
                    title,
                    fig,
                    [title, t("dash.open")],
                    [[n, counts[k]] for n, k in zip(names, labels, strict=True)],
                )
            )
    return out


def _chart(key: str, title: str, fig: Any, header: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"id": f"chart-{key}", "title": title, "json": fig.to_json(), "header": header, "rows": rows}


def _agents(svc: Service, card: dict[str, Any]) -> list[dict[str, Any]]:
    """The scorecard's agents (load, pulse) when it has them, else today's load from the queue."""
    listed = (card.get("employees") or {}).get("agents") or []
    if listed:
        return list(listed)
    return [
        {"agent_id": a["id"], "name": a["name"], "load": a["load"], "pulse": None, "capacity": a["capacity"]}
        for a in agents.list_all(svc)
    ]


def _intents(svc: Service) -> list[str]:
    book = svc.engine.playbook
    return sorted(book.intents) if isinstance(book, Playbook) else []


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
