"""The queue and what people do with a conversation, over HTTP."""

from __future__ import annotations

from typing import Any, get_args

from humantouch.api.routes.conversations import QueueLanguage
from humantouch.language import DETECTABLE
from tests.support.fixtures import Api

URGENT = "Ik ruik gas in huis en mijn kinderen zijn hier"


def inbound(api: Api, text: str, sender: str = "+31612345678", channel: str = "whatsapp") -> dict[str, Any]:
    r = api.post(
        "/v1/messages",
        {"channel": channel, "sender": {"kind": "phone", "value": sender}, "text": text},
        role="integration",
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def queue_ids(api: Api, **params: object) -> list[str]:
    r = api.get("/v1/queue", params=params)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_queue_lists_waiting_conversations_by_sla_and_filters(api: Api) -> None:
    # One conversation per route, status, priority and language that the filters tell apart (test profile).
    def cid(text: str, sender: str, channel: str = "whatsapp") -> str:
        return str(inbound(api, text, sender=sender, channel=channel)["conversation"]["id"])

    calm = cid("Ik wil een mens spreken over mijn factuur", "+31611111111", "email")  # human, P2, nl
    urgent = cid(URGENT, "+31622222222")  # human, P1, nl
    english = cid("I want to talk to a human about my invoice", "+31633333333")  # human, P2, en
    fraud = cid("Er is fraude gepleegd met mijn pas", "+31644444444")  # assist, waiting_for_agent, P2
    hello = cid("hoi", "+31655555555")  # automate, bot, P4: not waiting for a person
    intake = cid("Mijn factuur klopt niet", "+31666666666")  # assist, intake, P4
    items = api.get("/v1/queue", role="agent").json()["items"]
    assert items[0]["id"] == urgent
    assert {c["id"] for c in items} == {calm, urgent, english, fraud}
    assert all(c["status"] == "waiting_for_agent" for c in items)
    dues = [c["sla_due_at"] for c in items]
    assert dues == sorted(dues)

    assert queue_ids(api, priority="P1") == [urgent]
    assert set(queue_ids(api, priority="P2")) == {calm, english, fraud}
    assert set(queue_ids(api, priority=["P1", "P2"])) == {calm, urgent, english, fraud}
    assert set(queue_ids(api, route="human")) == {calm, urgent, english}
    assert queue_ids(api, route="assist") == [fraud]
    assert queue_ids(api, route="automate") == []
    assert set(queue_ids(api, route=["human"], language=["nl"])) == {calm, urgent}
    assert queue_ids(api, language="en") == [english]
    assert queue_ids(api, status="bot") == [hello]
    assert queue_ids(api, status="intake") == [intake]
    assert set(queue_ids(api, status=["bot", "intake"], priority="P4")) == {hello, intake}
    assert queue_ids(api, status=["bot", "intake"], route="automate") == [hello]
    assert queue_ids(api, status="waiting_for_agent", route="assist", priority="P2") == [fraud]


def test_queue_refuses_unknown_filter_values(api: Api) -> None:
    inbound(api, URGENT)
    for field, value in (("priority", "P9"), ("route", "robot"), ("language", "xx"), ("status", "bogus")):
        r = api.get("/v1/queue", params={field: value})
        assert r.status_code == 422, (field, r.text)
        error = r.json()["error"]
        assert error["code"] == "HT-IN-VALIDATION"
        assert [f["field"] for f in error["fields"]] == [f"query.{field}.0"]  # the first value of ?{field}=
        assert f"query.{field}" in error["message"]
        assert error["fields"][0]["problem"].startswith("Input should be")  # and lists the allowed values
    # one bad value among good ones is still refused
    assert api.get("/v1/queue", params={"priority": ["P1", "p1"]}).status_code == 422
    # every language the detector can answer is a filter value
    assert api.get("/v1/queue", params={"language": ["es", "ar", "unknown"]}).json()["items"] == []


def test_queue_languages_are_the_detectable_ones() -> None:
    assert set(get_args(QueueLanguage)) == {*DETECTABLE, "unknown"}


def test_take_over_reply_hand_back_override_resolve_close(api: Api) -> None:
    conv = inbound(api, URGENT)["conversation"]
    cid = conv["id"]
    r = api.post(f"/v1/conversations/{cid}/take-over", {}, role="agent")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "with_agent"
    r = api.post(f"/v1/conversations/{cid}/reply", {"text": "Verlaat het huis, we sturen iemand."}, role="agent")
    assert r.status_code == 201
    assert r.json()["message"]["author"] == "agent"
    r = api.post(
        f"/v1/conversations/{cid}/override", {"route": "assist", "reason": "geen gas, wel stroomstoring"}, role="agent"
    )
    assert r.status_code == 200
    assert r.json()["override"]["machine_route"] == "human"
    assert r.json()["conversation"]["route"] == "assist"
    assert api.post(f"/v1/conversations/{cid}/hand-back", {}, role="agent").json()["status"] == "bot"
    r = api.post(f"/v1/conversations/{cid}/resolve", {"resolution_code": "advice_given"}, role="agent")
    assert r.json()["status"] == "resolved" and r.json()["resolution_code"] == "advice_given"
    assert api.post(f"/v1/conversations/{cid}/resolve", {"resolution_code": "x"}, role="agent").status_code == 409
    assert api.post(f"/v1/conversations/{cid}/close", {}, role="agent").json()["status"] == "closed"

    timeline = api.get(f"/v1/conversations/{cid}", role="agent").json()
    assert [m["author"] for m in timeline["messages"]] == ["customer", "bot", "agent"]
    assert timeline["messages"][0]["triage"]["route"] == "human"  # the machine's decision stays
    assert timeline["overrides"][0]["reason"] == "geen gas, wel stroomstoring"
    types = [e["type"] for e in timeline["events"]]
    for t in (
        "contact.routed",
        "contact.handoff",
        "contact.taken_over",
        "contact.replied",
        "contact.overridden",
        "contact.handed_back",
        "contact.resolved",
        "contact.closed",
    ):
        assert t in types
    # A new message after closing starts a new conversation.
    again = inbound(api, "Nog een vraag")
    assert again["conversation"]["id"] != cid


def test_a_new_message_reopens_a_resolved_conversation_it_references(api: Api) -> None:
    cid = inbound(api, URGENT)["conversation"]["id"]
    api.post(f"/v1/conversations/{cid}/resolve", {"resolution_code": "done"}, role="agent")
    r = api.post(
        "/v1/messages",
        {
            "channel": "whatsapp",
            "sender": {"kind": "phone", "value": "+31612345678"},
            "text": "Het ruikt weer naar gas",
            "conversation_id": cid,
        },
        role="integration",
    )
    assert r.json()["conversation"]["id"] == cid
    assert r.json()["conversation"]["status"] == "waiting_for_agent"


def test_timeline_spans_channels(api: Api) -> None:
    inbound(api, "Mijn factuur klopt niet", channel="email")
    cid = inbound(api, "Heeft u mijn mail gezien?")["conversation"]["id"]
    timeline = api.get(f"/v1/conversations/{cid}").json()
    assert {m["channel"] for m in timeline["customer_timeline"]} == {"email", "whatsapp"}
    assert [m["author"] for m in timeline["messages"]] == ["customer", "bot"]


def test_supervisor_names_the_agent_and_capacity_is_kept(api: Api) -> None:
    agent = api.post(
        "/v1/agents", {"name": "Bo", "languages": ["nl"], "intents": [], "capacity": 1}, role="supervisor"
    ).json()
    first = inbound(api, URGENT, sender="+31644444444")["conversation"]["id"]
    second = inbound(api, URGENT, sender="+31655555555")["conversation"]["id"]
    r = api.post(f"/v1/conversations/{first}/take-over", {}, role="supervisor")
    assert r.status_code == 422 and r.json()["error"]["code"] == "HT-IN-AGENT"
    assert (
        api.post(f"/v1/conversations/{first}/take-over", {"agent_id": agent["id"]}, role="supervisor").status_code
        == 200
    )
    r = api.post(f"/v1/conversations/{second}/take-over", {"agent_id": agent["id"]}, role="supervisor")
    assert r.status_code == 409 and r.json()["error"]["code"] == "HT-CONFLICT-CAPACITY"
    r = api.post(f"/v1/conversations/{first}/take-over", {}, role="agent")
    assert r.status_code == 409 and r.json()["error"]["code"] == "HT-CONFLICT-ASSIGNED"
    assert api.get(f"/v1/agents/{agent['id']}").json()["load"] == 1
    assert api.post("/v1/conversations/con_nope/take-over", {}, role="agent").status_code == 404


def test_skills_filter(api: Api) -> None:
    agent = api.post("/v1/agents", {"name": "En", "languages": ["en"], "intents": []}).json()
    inbound(api, URGENT)
    assert api.get("/v1/queue", params={"skills_of": agent["id"]}).json()["items"] == []


def test_skills_filter_shows_an_agent_what_matches_their_skills(api: Api) -> None:
    fraud = inbound(api, "Er is fraude gepleegd met mijn pas", sender="+31611111111")["conversation"]
    english = inbound(api, "I want to talk to a human about my invoice", sender="+31622222222")["conversation"]
    inbound(api, URGENT, sender="+31633333333")  # nl, intent unknown: neither agent's
    assert (fraud["intent"], fraud["language"]) == ("fraud_report", "nl")
    assert (english["intent"], english["language"]) == ("request_human", "en")
    nl_fraud = api.post("/v1/agents", {"name": "Fien", "languages": ["nl"], "intents": ["fraud_report"]}).json()
    en_human = api.post("/v1/agents", {"name": "Ed", "languages": ["en"], "intents": ["request_human"]}).json()
    assert queue_ids(api, skills_of=nl_fraud["id"]) == [fraud["id"]]
    assert queue_ids(api, skills_of=en_human["id"]) == [english["id"]]
    # a filter the agent has no skill for narrows to nothing instead of widening
    assert queue_ids(api, skills_of=nl_fraud["id"], language="en") == []
    assert queue_ids(api, skills_of=nl_fraud["id"], intent="fraud_report") == [fraud["id"]]
