"""`humantouch serve --demo` as a real process: migrates, seeds, answers with the demo key."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from humantouch.api import create_app
from humantouch.api.ratelimit import Limit
from humantouch.commands.serve import server_parts, uvicorn_options
from humantouch.console.accounts import DEMO_ACCOUNTS
from humantouch.errors import ConfigError
from humantouch.service.keys import DEMO_ADMIN_KEY
from humantouch.settings import load_settings
from tests.support.fixtures import Api


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


def test_proxy_headers_are_off_unless_forwarded_allow_ips_names_the_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUMANTOUCH_FORWARDED_ALLOW_IPS", raising=False)
    parts = {"http": "h11", "loop": "asyncio"}
    off = uvicorn_options(load_settings(), parts)
    assert off["proxy_headers"] is False and off["forwarded_allow_ips"] is None
    monkeypatch.setenv("HUMANTOUCH_FORWARDED_ALLOW_IPS", "10.0.0.5, 10.1.0.0/16")
    on = uvicorn_options(load_settings(), parts)
    assert on["proxy_headers"] is True and on["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16"
    # uvicorn takes every option as it is (a misspelt one would be a TypeError) and wraps the app
    assert isinstance(uvicorn_config(on).loaded_app, ProxyHeadersMiddleware)
    assert not isinstance(uvicorn_config(off).loaded_app, ProxyHeadersMiddleware)


@pytest.mark.parametrize("value", ["", "10.0.0", "proxy.example.nl", "10.0.0.5/16", "10.0.0.0/16,*"])
def test_forwarded_allow_ips_must_be_addresses(value: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(forwarded_allow_ips=value)
    assert "forwarded_allow_ips" in str(exc.value)


def uvicorn_config(options: dict[str, Any], app: Any = None) -> uvicorn.Config:
    config = uvicorn.Config(app or FastAPI(), log_config=None, **options)
    config.load()
    return config


def test_the_rate_limiter_sees_the_forwarded_client_behind_a_trusted_proxy(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two visitors behind one load balancer: their own budgets when the balancer is trusted, one between
    them when it is not (every request then comes from the balancer's address)."""
    monkeypatch.delenv("HUMANTOUCH_FORWARDED_ALLOW_IPS", raising=False)
    parts = {"http": "h11", "loop": "asyncio"}

    def statuses(options: dict[str, Any]) -> list[int]:
        app = create_app(api.svc, rate_limit=Limit(per_minute=6, burst=1))
        with TestClient(uvicorn_config(options, app).loaded_app, client=("10.0.0.5", 40000)) as balancer:
            return [
                balancer.get("/v1/health", headers={"X-Forwarded-For": visitor}).status_code
                for visitor in ("203.0.113.7", "198.51.100.8")
            ]

    assert statuses(uvicorn_options(load_settings(forwarded_allow_ips="10.0.0.5"), parts)) == [200, 200]
    assert statuses(uvicorn_options(load_settings(), parts)) == [200, 429]
    # a balancer not in the list is not believed either
    assert statuses(uvicorn_options(load_settings(forwarded_allow_ips="10.9.9.9"), parts)) == [200, 429]
