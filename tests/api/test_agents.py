"""Agents over HTTP: creating, reading and updating them, and who may."""

from __future__ import annotations

from tests.api.test_conversations import URGENT, inbound, queue_ids
from tests.support.fixtures import Api


def test_supervisors_update_an_agents_skills_capacity_and_active(api: Api) -> None:
    made = api.post("/v1/agents", {"name": "Sem", "languages": ["nl"], "intents": []}, role="supervisor").json()
    fraud = inbound(api, "Er is fraude gepleegd met mijn pas", sender="+31611111111")["conversation"]["id"]
    assert queue_ids(api, skills_of=made["id"], intent="fraud_report") == []
    r = api.patch(f"/v1/agents/{made['id']}", {"intents": ["fraud_report"], "capacity": 5}, role="supervisor")
    assert r.status_code == 200, r.text
    assert r.json() | {"created_at": None} == {
        "id": made["id"],
        "name": "Sem",
        "languages": ["nl"],
        "intents": ["fraud_report"],
        "capacity": 5,
        "active": True,
        "created_at": None,
        "load": 0,
    }
    assert queue_ids(api, skills_of=made["id"]) == [fraud]  # the queue uses the new skills
    assert api.get(f"/v1/agents/{made['id']}", role="agent").json()["intents"] == ["fraud_report"]

    assert api.patch(f"/v1/agents/{made['id']}", {"active": False}, role="admin").json()["active"] is False
    r = api.post(f"/v1/conversations/{fraud}/take-over", {"agent_id": made["id"]}, role="supervisor")
    assert r.status_code == 409 and r.json()["error"]["code"] == "HT-CONFLICT-AGENT"
    assert [a["active"] for a in api.get("/v1/agents").json()["items"] if a["id"] == made["id"]] == [False]
    assert api.patch(f"/v1/agents/{made['id']}", {"active": True, "name": "Sem B."}).json()["name"] == "Sem B."
    r = api.post(f"/v1/conversations/{fraud}/take-over", {"agent_id": made["id"]}, role="supervisor")
    assert r.status_code == 200, r.text


def test_a_deactivated_agent_takes_nothing_over(api: Api) -> None:
    """Their own key is refused outright (tests/api/test_auth.py); a supervisor acting for them gets 409."""
    cid = inbound(api, URGENT)["conversation"]["id"]
    (mine,) = api.get("/v1/agents", role="agent").json()["items"]  # the fixture's agent, its key's own
    me = mine["id"]
    api.patch(f"/v1/agents/{me}", {"active": False}, role="supervisor")
    r = api.post(f"/v1/conversations/{cid}/take-over", {}, role="agent")
    assert r.status_code == 401 and r.json()["error"]["code"] == "HT-AUTH-INACTIVE"
    r = api.post(f"/v1/conversations/{cid}/take-over", {"agent_id": me}, role="supervisor")
    assert r.status_code == 409 and r.json()["error"]["code"] == "HT-CONFLICT-AGENT"


def test_only_supervisors_and_admins_update_agents(api: Api) -> None:
    made = api.post("/v1/agents", {"name": "Sem", "languages": ["nl"], "intents": []}).json()
    for role in ("agent", "integration"):
        r = api.patch(f"/v1/agents/{made['id']}", {"active": False}, role=role)
        assert r.status_code == 403, (role, r.text)
    assert api.get(f"/v1/agents/{made['id']}").json()["active"] is True


def test_agent_updates_are_validated(api: Api) -> None:
    made = api.post("/v1/agents", {"name": "Sem", "languages": ["nl"], "intents": []}).json()
    path = f"/v1/agents/{made['id']}"
    for body, field in (
        ({"capacity": 0}, "body.capacity"),
        ({"capacity": None}, "body.capacity"),
        ({"active": None}, "body.active"),
        ({"name": ""}, "body.name"),
        ({"languages": "nl"}, "body.languages"),
        ({"email": "sem@example.nl"}, "body.email"),  # console sign-ins: `humantouch agents set-password`
    ):
        r = api.patch(path, body)
        assert r.status_code == 422, (body, r.text)
        assert field in [f["field"] for f in r.json()["error"]["fields"]], (body, r.text)
    r = api.patch(path, {})
    assert r.status_code == 422 and r.json()["error"]["code"] == "HT-IN-EMPTY"
    r = api.patch("/v1/agents/agt_nope", {"capacity": 2})
    assert r.status_code == 404 and r.json()["error"]["code"] == "HT-NOTFOUND-AGENT"
    assert api.get(path).json() | {"load": 0} == made | {"load": 0}  # nothing changed
