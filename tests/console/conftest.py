"""A console app in-process (TestClient) on the test database, seeded by tests/support/console.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from humantouch.api import create_app
from humantouch.service import Service
from tests.support.console import AGENT, LEAD, seed

__all__ = ["AGENT", "LEAD", "Site", "csrf_of"]


@dataclass
class Site:
    client: TestClient
    svc: Service
    agent_id: str
    lead_id: str
    conversations: list[str]

    def sign_in(self, who: tuple[str, str]) -> None:
        page = self.client.get("/console/login")
        token = csrf_of(page.text)
        r = self.client.post(
            "/console/login", data={"email": who[0], "password": who[1], "csrf": token, "next": "/console/"}
        )
        assert r.status_code == 303, r.text

    def csrf(self, path: str = "/console/") -> str:
        return csrf_of(self.client.get(path).text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def site(svc: Service) -> Iterator[Site]:
    agent_id, lead_id, ids = seed(svc)
    with TestClient(create_app(svc), follow_redirects=False) as client:
        yield Site(client, svc, agent_id, lead_id, ids)
