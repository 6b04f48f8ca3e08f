"""A console app on the test database: an agent and a supervisor with passwords, and customer
messages that went through the real inbound flow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from humantouch.api import create_app
from humantouch.console import accounts
from humantouch.service import Service, agents
from humantouch.service.inbound import InboundMessage, receive
from tests.support.fixtures import ADMIN

AGENT = ("agent@example.test", "agent-password-1")
LEAD = ("lead@example.test", "lead-password-1")
MESSAGES = (
    ("email", "email", "w.devries@example.nl", "Mijn vader is overleden, wat gebeurt er met zijn verzekering?"),
    ("whatsapp", "phone", "+31612345678", "Ik wil een mens spreken, dit is de derde keer dat ik bel!"),
    ("chat", "email", "sam@example.com", "I was charged twice for my order and I am furious"),
)


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


def seed(svc: Service) -> tuple[str, str, list[str]]:
    agent_id = agents.create(svc, ADMIN, "Anna Agent", languages=["nl", "en"], intents=[], capacity=5)["id"]
    lead_id = agents.create(svc, ADMIN, "Lotte Lead", languages=["nl", "en"], intents=[], capacity=5)["id"]
    accounts.set_password(svc, ADMIN, agent_id, AGENT[1], email=AGENT[0], role="agent")
    accounts.set_password(svc, ADMIN, lead_id, LEAD[1], email=LEAD[0], role="supervisor")
    ids = []
    for channel, kind, value, text in MESSAGES:
        got = receive(svc, InboundMessage(channel=channel, sender_kind=kind, sender_value=value, text=text))
        ids.append(got.response["conversation"]["id"])
    return agent_id, lead_id, ids


@pytest.fixture
def site(svc: Service) -> Iterator[Site]:
    agent_id, lead_id, ids = seed(svc)
    with TestClient(create_app(svc), follow_redirects=False) as client:
        yield Site(client, svc, agent_id, lead_id, ids)
