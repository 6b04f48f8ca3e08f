"""Updating agents: skills, capacity, and an inactive agent getting no new work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from humantouch.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from humantouch.service import Actor, Service, agents
from humantouch.service import conversations as conv
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage.tables import Agent, Event

SUPERVISOR = Actor(key_id="k_sup", role="supervisor")
URGENT = "Ik ruik gas in huis en mijn kinderen zijn hier"


def waiting(svc: Service, sender: str) -> str:
    got = receive(svc, InboundMessage(channel="whatsapp", sender_kind="phone", sender_value=sender, text=URGENT))
    return str(got.response["conversation"]["id"])


def updates(svc: Service) -> list[dict[str, object]]:
    with svc.db.read() as s:
        return [e.payload for e in s.scalars(select(Event).where(Event.type == "agent.updated").order_by(Event.id))]


def test_update_changes_skills_and_capacity_and_logs_what_changed(svc: Service) -> None:
    made = agents.create(svc, SUPERVISOR, "Bo", languages=["nl"], intents=[], capacity=2)
    got = agents.update(
        svc, SUPERVISOR, made["id"], {"languages": ["en", "nl", "en"], "intents": ["fraud_report"], "capacity": 4}
    )
    assert (got["languages"], got["intents"], got["capacity"], got["name"]) == (["en", "nl"], ["fraud_report"], 4, "Bo")
    assert got["load"] == 0
    assert agents.get(svc, made["id"]) | {"load": 0} == got  # stored, not only answered
    assert updates(svc) == [
        {
            "agent_id": made["id"],
            "changed": ["capacity", "intents", "languages"],
            "capacity": 4,
            "intents": ["fraud_report"],
            "languages": ["en", "nl"],
        }
    ]
    agents.update(svc, SUPERVISOR, made["id"], {"capacity": 4})  # no change: no event
    assert len(updates(svc)) == 1


def test_an_inactive_agent_gets_no_new_conversations(svc: Service) -> None:
    made = agents.create(svc, SUPERVISOR, "Bo", languages=["nl"], intents=[], capacity=3)
    mine, other = waiting(svc, "+31611111111"), waiting(svc, "+31622222222")
    conv.take_over(svc, SUPERVISOR, mine, made["id"])
    assert agents.update(svc, SUPERVISOR, made["id"], {"active": False})["active"] is False
    with pytest.raises(ConflictError) as exc:
        conv.take_over(svc, SUPERVISOR, other, made["id"])
    assert exc.value.code == "HT-CONFLICT-AGENT"
    with pytest.raises(ConflictError):
        conv.reply(svc, SUPERVISOR, other, "Ik kijk ernaar", made["id"])
    # what was already theirs stays theirs until handed back
    assert agents.get(svc, made["id"])["load"] == 1
    agents.update(svc, SUPERVISOR, made["id"], {"active": True})
    assert conv.take_over(svc, SUPERVISOR, other, made["id"])["assigned_agent_id"] == made["id"]


def test_capacity_below_the_load_stops_new_work_and_keeps_the_old(svc: Service) -> None:
    made = agents.create(svc, SUPERVISOR, "Bo", languages=["nl"], intents=[], capacity=3)
    first, second = waiting(svc, "+31611111111"), waiting(svc, "+31622222222")
    conv.take_over(svc, SUPERVISOR, first, made["id"])
    assert agents.update(svc, SUPERVISOR, made["id"], {"capacity": 1})["load"] == 1
    with pytest.raises(ConflictError) as exc:
        conv.take_over(svc, SUPERVISOR, second, made["id"])
    assert exc.value.code == "HT-CONFLICT-CAPACITY"


def test_update_refuses_unknown_agents_fields_and_empty_changes(svc: Service) -> None:
    made = agents.create(svc, SUPERVISOR, "Bo", languages=["nl"], intents=[])
    with pytest.raises(NotFoundError):
        agents.update(svc, SUPERVISOR, "agt_nope", {"capacity": 2})
    with pytest.raises(InputError) as exc:
        agents.update(svc, SUPERVISOR, made["id"], {"email": "bo@example.nl"})
    assert exc.value.code == "HT-IN-AGENT-FIELD" and "email" in str(exc.value)
    with pytest.raises(InputError) as exc:
        agents.update(svc, SUPERVISOR, made["id"], {})
    assert exc.value.code == "HT-IN-EMPTY"
    assert updates(svc) == []


def test_only_an_admin_changes_an_admins_account(svc: Service) -> None:
    made = agents.create(svc, SUPERVISOR, "Ada", languages=["nl"], intents=[], capacity=2)
    with svc.db.write() as s:
        agent = s.get(Agent, made["id"])
        assert agent is not None
        agent.role = "admin"
    with pytest.raises(ForbiddenError, match="only an admin"):
        agents.update(svc, SUPERVISOR, made["id"], {"active": False})
    assert agents.get(svc, made["id"])["active"] is True
    admin = Actor(key_id="k_adm", role="admin")
    assert agents.update(svc, admin, made["id"], {"active": False})["active"] is False
