"""`humantouch serve --demo` as a real process: migrates, seeds, answers with the demo key."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from humantouch.commands.serve import server_parts
from humantouch.console.accounts import DEMO_ACCOUNTS
from humantouch.service.keys import DEMO_ADMIN_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMANTOUCH_")}
    env["HUMANTOUCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "humantouch.cli", "serve", "--demo", "--profile", "test", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {DEMO_ADMIN_KEY}"}
        queue = httpx.get(f"{base}/v1/queue", headers=auth).json()
        assert queue["count"] >= 2
        r = httpx.post(
            f"{base}/v1/messages",
            headers=auth,
            json={"channel": "chat", "sender": {"kind": "email", "value": "new@example.nl"}, "text": "Ik wil een mens"},
        )
        assert r.status_code == 201
        # The console is served too, and the printed demo sign-in works.
        with httpx.Client(base_url=base, follow_redirects=False) as browser:
            form = browser.get("/console/login")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert form.status_code == 200 and token
            email, password = DEMO_ACCOUNTS[0][1:3]
            signed = browser.post("/console/login", data={"email": email, "password": password, "csrf": token[1]})
            assert signed.status_code == 303
            assert browser.get("/console/queue").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode in (0, -15)  # uvicorn re-raises SIGTERM after a graceful shutdown


def test_serve_takes_httptools_and_uvloop_when_installed_else_h11_and_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    assert server_parts() == {"http": "httptools", "loop": "uvloop"}
    monkeypatch.setitem(sys.modules, "httptools", None)  # None in sys.modules: the import fails
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert server_parts() == {"http": "h11", "loop": "asyncio"}
