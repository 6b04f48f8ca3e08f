"""`humantouch serve --demo` as a real process: migrates, seeds, answers with the demo key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode in (0, -15)  # uvicorn re-raises SIGTERM after a graceful shutdown
