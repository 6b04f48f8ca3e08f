"""The log-scan plugin fails a run whose log output holds a registered canary, and passes a clean one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TEST = """
import logging
from tests.support.logscan import canaries

SECRET = canaries.add("NL44RABO0123456789")[0]

def test_logs() -> None:
    logging.getLogger("humantouch.something").info("handled a message %s", {leak})
"""


def _run(tmp_path: Path, leak: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.support.logscan"]\n', encoding="utf-8")
    (tmp_path / "test_it.py").write_text(TEST.format(leak=leak), encoding="utf-8")
    env = os.environ | {"PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_a_leak_fails_the_run(tmp_path: Path) -> None:
    result = _run(tmp_path, "SECRET")
    assert result.returncode != 0, result.stdout
    assert "personal data in the log output" in result.stdout


def test_a_clean_run_passes(tmp_path: Path) -> None:
    result = _run(tmp_path, "'message 7'")
    assert result.returncode == 0, result.stdout + result.stderr
