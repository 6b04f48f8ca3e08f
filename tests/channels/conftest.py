"""An app with the channels under test, plus one key per role (as tests/support/fixtures.Api)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from humantouch.api import create_app
from humantouch.channels import Channel
from humantouch.service import Service, keys
from tests.support.fixtures import Api


def channel_api(svc: Service, channels: dict[str, Channel], path_limits: dict[str, int] | None = None) -> Api:
    made = {role: keys.create(svc.db, role, f"test {role}").plaintext for role in ("integration", "admin")}
    app = create_app(svc, max_request_bytes=8192, channels=channels, path_limits=path_limits)
    return Api(app, TestClient(app), made, svc)


@pytest.fixture
def make_api(svc: Service) -> Iterator[object]:
    opened: list[TestClient] = []

    def make(channels: dict[str, Channel], path_limits: dict[str, int] | None = None) -> Api:
        api = channel_api(svc, channels, path_limits)
        api.client.__enter__()
        opened.append(api.client)
        return api

    yield make
    for client in opened:
        client.__exit__(None, None, None)
