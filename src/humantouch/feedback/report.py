"""The scorecard as one self-contained HTML file with plotly charts.

plotly.js is inlined from the installed plotly package (`plotly.offline.get_plotlyjs()`), never
loaded from a CDN, so the file opens offline and sends nothing anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from humantouch.feedback.web import environment

PALETTE = ("#0b5cad", "#d9822b", "#2e8540", "#8a3ffc", "#c0392b", "#6c757d")


def _figure(fig_id: str, data: list[dict[str, Any]], title: str, layout: dict[str, Any] | None = None) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(data=data)
    figure.update_layout(
        title=title,
        template="none",
        height=340,
        margin={"l": 50, "r": 20, "t": 50, "b": 50},
        colorway=list(PALETTE),
        **(layout or {}),
    )
    html: str = figure.to_html(full_html=False, include_plotlyjs=False, div_id=fig_id, config={"displayModeBar": False})
    return html


def figures(card: dict[str, Any], splits: dict[str, list[dict[str, Any]]]) -> list[str]:
    days = card["series"]["by_day"]
    x = [d["day"] for d in days]
    out = [
        _figure(
            "fig-volume",
            [
                {"type": "bar", "x": x, "y": [d["conversations"] for d in days], "name": "conversations"},
                {
                    "type": "scatter",
                    "x": x,
                    "y": [d["automation_rate"] for d in days],
                    "name": "automation rate",
                    "yaxis": "y2",
                    "mode": "lines",
                },
            ],
            "Conversations per day and automation rate",
            {"yaxis2": {"overlaying": "y", "side": "right", "range": [0, 1], "tickformat": ".0%"}},
        ),
        _figure(
            "fig-nps",
            [
                {"type": "scatter", "x": x, "y": [d["nps"] for d in days], "name": "NPS", "mode": "markers"},
                {
                    "type": "scatter",
                    "x": x,
                    "y": [d["sentiment"] for d in days],
                    "name": "sentiment",
                    "yaxis": "y2",
                    "mode": "lines",
                },
            ],
            "NPS and customer sentiment per day",
            {"yaxis": {"range": [-100, 100]}, "yaxis2": {"overlaying": "y", "side": "right", "range": [-1, 1]}},
        ),
    ]
    counts = card["counts"]
    out.append(
        _figure(
            "fig-mix",
            [
                {"type": "bar", "x": list(counts[key]), "y": list(counts[key].values()), "name": label}
                for key, label in (("by_route", "route"), ("by_quadrant", "quadrant"), ("by_channel", "channel"))
            ],
            "Conversations by route, quadrant and channel",
        )
    )
    for by, title in (("handler", "Bot versus person"), ("channel", "By channel"), ("language", "By language")):
        items = splits.get(by, [])
        seg = [s["segment"] for s in items]
        out.append(
            _figure(
                f"fig-split-{by}",
                [
                    {"type": "bar", "x": seg, "y": [s["nps"] for s in items], "name": "NPS"},
                    {
                        "type": "bar",
                        "x": seg,
                        "y": [None if s["csat"] is None else 100 * s["csat"] for s in items],
                        "name": "CSAT %",
                    },
                    {
                        "type": "bar",
                        "x": seg,
                        "y": [None if s["fcr"] is None else 100 * s["fcr"] for s in items],
                        "name": "FCR %",
                    },
                ],
                f"{title}: NPS, CSAT and first-contact resolution",
                {"barmode": "group"},
            )
        )
    sla = card["response"]["sla"]
    out.append(
        _figure(
            "fig-sla",
            [
                {
                    "type": "bar",
                    "x": [f"{s['channel']} {s['priority']}" for s in sla],
                    "y": [s["hit_rate"] for s in sla],
                    "name": "SLA hit rate",
                }
            ],
            "SLA hit rate per channel and priority",
            {"yaxis": {"range": [0, 1], "tickformat": ".0%"}},
        )
    )
    return out


def render(
    card: dict[str, Any],
    splits: dict[str, list[dict[str, Any]]],
    comparison: dict[str, Any],
    survey_counts: dict[str, Any],
) -> str:
    """The whole report as one HTML string (pure apart from reading plotly's JavaScript)."""
    from plotly.offline import get_plotlyjs

    first = card["period"]["from"][:10]
    last = (datetime.fromisoformat(card["period"]["to"]) - timedelta(microseconds=1)).date().isoformat()
    return (
        environment()
        .get_template("report.html")
        .render(
            first_day=first,
            last_day=last,
            card=card,
            splits=splits,
            comparison=comparison,
            surveys=survey_counts,
            figures=figures(card, splits),
            plotly_js=get_plotlyjs(),
            pct=_pct,
            num=_num,
        )
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
