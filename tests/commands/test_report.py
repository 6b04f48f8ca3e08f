"""`humantouch report`: one self-contained HTML file, plotly.js inlined, never a CDN."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from humantouch.cli import main
from humantouch.migrations import upgrade
from humantouch.service import Service
from humantouch.service.history import generate
from humantouch.storage import Database

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_report_is_self_contained(
    svc: Service, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(svc, seed=3, conversations=800, now=NOW)
    out = tmp_path / "scorecard.html"
    code = main(
        ["report", "--from", "2026-09-01", "--to", "2026-11-25", "--out", str(out), "--database-url", database_url]
    )
    assert code == 0
    assert "conversations" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I), "the report loads a script from elsewhere"
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']https?:", html, re.I)
    assert "cdn.plot.ly" not in html.split("</script>", 1)[1]
    assert html.count("Plotly.newPlot(") >= 6
    for fig in ("fig-volume", "fig-nps", "fig-mix", "fig-split-handler", "fig-sla"):
        assert f'id="{fig}"' in html
    assert "Scorecard 2026-09-01" in html and "Bot versus person" in html
    assert "Top reasons for detraction" in html


def test_report_refuses_a_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(db.engine)
    db.dispose()
    url = f"sqlite:///{tmp_path / 'h.db'}"
    code = main(
        ["report", "--from", "1 sept", "--to", "2026-11-25", "--out", str(tmp_path / "x.html"), "--database-url", url]
    )
    assert code == 2 and "HT-IN-PERIOD" in capsys.readouterr().err
