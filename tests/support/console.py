"""Console test data shared by the in-process and the browser tests: an agent and a supervisor
with passwords, and customer messages that went through the real inbound flow."""

from __future__ import annotations

from humantouch.console import accounts
from humantouch.service import Service, agents
from humantouch.service.inbound import InboundMessage, receive
from tests.support.fixtures import ADMIN

AGENT = ("agent@example.test", "agent-password-1")
LEAD = ("lead@example.test", "lead-password-1")
MESSAGES = (
    (
        "email",
        "email",
        "w.devries@example.nl",
        "Wim de Vries",
        "Mijn vader is overleden, wat gebeurt er met zijn verzekering?",
    ),
    ("whatsapp", "phone", "+31612345678", "Fatima", "Ik wil een mens spreken, dit is de derde keer dat ik bel!"),
    ("chat", "email", "sam@example.com", "Sam Taylor", "I was charged twice for my order and I am furious"),
    ("email", "email", "sam@example.com", "Sam Taylor", "Following up by e-mail: still two charges on my card."),
)


def seed(svc: Service) -> tuple[str, str, list[str]]:
    agent_id = agents.create(svc, ADMIN, "Anna Agent", languages=["nl", "en"], intents=[], capacity=5)["id"]
    lead_id = agents.create(svc, ADMIN, "Lotte Lead", languages=["nl", "en"], intents=[], capacity=5)["id"]
    accounts.set_password(svc, ADMIN, agent_id, AGENT[1], email=AGENT[0], role="agent")
    accounts.set_password(svc, ADMIN, lead_id, LEAD[1], email=LEAD[0], role="supervisor")
    ids = []
    for channel, kind, value, name, text in MESSAGES:
        msg = InboundMessage(channel=channel, sender_kind=kind, sender_value=value, sender_name=name, text=text)
        got = receive(svc, msg)
        ids.append(got.response["conversation"]["id"])
    return agent_id, lead_id, ids
