"""End-to-end: a real uvicorn server in a thread on a seeded SQLite file, driven by Debian's
chromium through Playwright. No browser is ever downloaded: without /usr/bin/chromium (or
HUMANTOUCH_TEST_CHROMIUM) these tests skip and say how to install it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from humantouch.api import create_app
from humantouch.engine import Engine
from humantouch.knowledge import KnowledgeIndex
from humantouch.migrations import upgrade
from humantouch.service import Service
from humantouch.storage import Database
from tests.support.console import seed

CHROMIUM = os.environ.get("HUMANTOUCH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@dataclass
class Server:
    base: str
    svc: Service
    agent_id: str
    lead_id: str
    conversations: list[str]
    console_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, engine: Engine, knowledge: KnowledgeIndex) -> Iterator[Server]:
    import uvicorn

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}", pool_size=5)
    upgrade(db.engine)
    svc = Service(db=db, engine=engine, knowledge=knowledge)
    agent_id, lead_id, ids = seed(svc)
    port = _free_port()
    config = uvicorn.Config(create_app(svc), host="127.0.0.1", port=port, log_level="warning", ws="none")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the console server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", svc, agent_id, lead_id, ids)
    uv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: `apt-get install chromium` (or set HUMANTOUCH_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context (no cookies) in English, 1366x900 like a laptop."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    # Script errors and CSP refusals fail the test; a 401/403/404 answer the test asked for does not.
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"errors in the browser console: {errors}"


def shoot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_accessibility(page: Any) -> None:
    """axe-core in the page; serious and critical violations fail the test."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    summary = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(summary)


def sign_in(page: Any, server: Server, email: str, password: str, path: str = "/console/") -> None:
    page.goto(server.url(path))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
