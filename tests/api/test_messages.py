"""POST /v1/messages in-process: the response contract, idempotency, validation and size limits."""

from __future__ import annotations

from tests.support.fixtures import Api

MESSAGE = {
    "channel": "whatsapp",
    "sender": {"kind": "whatsapp", "value": "+31612345678", "name": "Jan"},
    "text": "Mijn pakket is beschadigd aangekomen, ik wil mijn geld terug",
}


def test_post_message_returns_analysis_decision_and_conversation(api: Api) -> None:
    r = api.post("/v1/messages", MESSAGE, role="integration")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"message", "triage", "conversation", "customer", "reply"}
    assert set(body["reply"]) == {"message_id", "text", "kind"}
    for key in ("language", "intent", "sentiment", "route", "quadrant", "priority", "reasons"):
        assert key in body["triage"]
    assert body["conversation"]["status"] in ("bot", "intake", "waiting_for_agent")
    assert body["conversation"]["sla_due_at"].endswith("Z")
    customer = api.get(f"/v1/customers/{body['customer']['id']}").json()
    assert customer["name"] == "Jan"
    assert customer["identities"] == [{"kind": "phone", "value": "+31612345678"}]


def test_idempotency_key_header_replays_the_first_answer(api: Api) -> None:
    first = api.post("/v1/messages", MESSAGE, role="integration", headers={"Idempotency-Key": "abc-1"})
    again = api.post("/v1/messages", MESSAGE, role="integration", headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    other = dict(MESSAGE, text="iets anders")
    clash = api.post("/v1/messages", other, role="integration", headers={"Idempotency-Key": "abc-1"})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "HT-CONFLICT-IDEMPOTENCY"
    contacts = api.get(f"/v1/customers/{first.json()['customer']['id']}/contacts").json()
    assert contacts["items"][0]["message_count"] == 2  # the message and the bot's reply, once


def test_422_names_every_wrong_field(api: Api) -> None:
    bad = {"channel": "Whats App!", "sender": {"kind": "pigeon", "value": ""}, "txt": "hoi"}
    r = api.post("/v1/messages", bad, role="integration")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "HT-IN-VALIDATION"
    fields = {f["field"] for f in error["fields"]}
    assert {"body.channel", "body.sender.kind", "body.sender.value", "body.text", "body.txt"} <= fields
    assert all(f["problem"] for f in error["fields"])


def test_422_for_an_invalid_identity_value(api: Api) -> None:
    r = api.post("/v1/messages", dict(MESSAGE, sender={"kind": "email", "value": "nope"}), role="integration")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "HT-IN-IDENTITY"


def test_413_above_the_request_size_limit(api: Api) -> None:
    r = api.post("/v1/messages", dict(MESSAGE, text="x" * 9000), role="integration")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "HT-IN-TOO-LARGE"
    chunked = api.client.post(
        "/v1/messages",
        content=iter([b"{" + b" " * 5000, b" " * 5000 + b"}"]),
        headers=api.headers("integration") | {"content-type": "application/json"},
    )
    assert chunked.status_code == 413


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "/v1/messages" in spec["paths"]
    assert api.client.get("/docs").status_code == 200
    assert api.client.get("/v1/health").json()["status"] == "ok"
