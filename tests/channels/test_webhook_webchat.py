"""The generic JSON webhook channel and the public web chat, in-process, with a real reply receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from humantouch.channels.webchat import SlidingWindow, WebchatChannel
from humantouch.channels.webhook import WebhookChannel
from humantouch.channels.worker import DeliveryWorker
from humantouch.errors import RateLimitError
from humantouch.service import Service, conversations
from humantouch.storage.tables import ChannelDelivery, Message
from humantouch.webhooks import WorkerConfig, sign, verify
from tests.support.fixtures import ADMIN, Api
from tests.support.receiver import receiver

SECRET = "channel-secret-for-tests-0123456789"
MakeApi = Callable[..., Api]
SESSION = "0f8c2b9e-5d7a-4c1e-9b3a-2e6f4d8a1c70"


def signed(body: bytes, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    return {
        "X-Humantouch-Timestamp": stamp,
        "X-Humantouch-Signature": sign(secret, stamp, body),
        "Content-Type": "application/json",
    }


def post_raw(api: Api, path: str, body: bytes, headers: dict[str, str], role: str | None = "integration") -> Any:
    auth = api.headers(role) if role else {}
    return api.client.post(path, content=body, headers=auth | headers)


MESSAGE = {
    "channel": "whatsapp",
    "sender": {"kind": "whatsapp", "value": "+31612345678", "name": "Jan"},
    "text": "Ik wil nu een mens spreken over mijn factuur",
    "thread_id": "wa-chat-77",
    "message_id": "wamid.1",
}


def test_webhook_inbound_unsigned_without_a_secret(make_api: MakeApi) -> None:
    api = make_api({"webhook": WebhookChannel()})
    r = api.post("/v1/channels/webhook/inbound", MESSAGE, role="integration")
    assert r.status_code == 201, r.text
    body = r.json()
    reply = body["reply"]  # the bot's answer, in the response: the customer asked for a person
    assert reply["kind"] == "handoff" and reply["text"] and reply["message_id"] > body["message"]["id"]
    assert body["conversation"]["channel"] == "whatsapp" and body["message"]["external_id"] == "wamid.1"
    again = api.post("/v1/channels/webhook/inbound", MESSAGE, role="integration")
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == body
    follow = api.post("/v1/channels/webhook/inbound", dict(MESSAGE, message_id="wamid.2", text="Hallo?"), "integration")
    assert follow.json()["conversation"]["id"] == body["conversation"]["id"]
    assert api.client.post("/v1/channels/webhook/inbound", json=MESSAGE).status_code == 401


def test_webhook_signature_is_required_and_checked_where_a_secret_is_set(make_api: MakeApi) -> None:
    api = make_api({"webhook": WebhookChannel(secret=SECRET)})
    body = json.dumps(MESSAGE).encode()
    missing = post_raw(api, "/v1/channels/webhook/inbound", body, {"Content-Type": "application/json"})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "HT-AUTH-SIGNATURE"
    assert "X-Humantouch-Signature" in missing.json()["error"]["message"]
    wrong = post_raw(api, "/v1/channels/webhook/inbound", body, signed(body, secret="another-secret-0123456789"))
    assert wrong.status_code == 401
    stale = post_raw(api, "/v1/channels/webhook/inbound", body, signed(body, ts=int(time.time()) - 3600))
    assert stale.status_code == 401
    tampered = post_raw(api, "/v1/channels/webhook/inbound", body + b" ", signed(body))
    assert tampered.status_code == 401
    ok = post_raw(api, "/v1/channels/webhook/inbound", body, signed(body))
    assert ok.status_code == 201, ok.text


def test_webhook_bad_body_names_the_fields_and_stores_nothing(make_api: MakeApi, svc: Service) -> None:
    api = make_api({"webhook": WebhookChannel()})
    r = post_raw(api, "/v1/channels/webhook/inbound", b'{"sender": {"kind": "pigeon"}, "txt": 1}', {})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "HT-IN-VALIDATION"
    for field in ("sender.kind", "sender.value", "text", "txt"):
        assert field in error["message"]
    assert post_raw(api, "/v1/channels/webhook/inbound", b"not json", {}).status_code == 422
    with svc.db.read() as s:
        assert s.scalars(select(Message)).first() is None


def test_agent_replies_go_to_the_reply_url_signed_and_bot_replies_are_not_sent_twice(
    make_api: MakeApi, svc: Service, agent_id: str
) -> None:
    with receiver() as hook:
        ch = WebhookChannel(secret=SECRET, reply_url=hook.url)
        api = make_api({"webhook": ch})
        body = json.dumps(MESSAGE).encode()
        cid = post_raw(api, "/v1/channels/webhook/inbound", body, signed(body)).json()["conversation"]["id"]
        reply = conversations.reply(svc, ADMIN, cid, "Ik bel u zo.", agent_id)
        worker = DeliveryWorker(svc.db, {"webhook": ch}, WorkerConfig(secret=""))
        worker.run_once()
        (call,) = hook.calls
        assert verify(SECRET, call.headers["x-humantouch-timestamp"], call.body, call.headers["x-humantouch-signature"])
        doc = json.loads(call.body)
        assert doc["thread_id"] == "wa-chat-77" and doc["channel"] == "whatsapp" and doc["conversation_id"] == cid
        assert doc["message"]["id"] == reply["message"]["id"] and doc["message"]["text"] == "Ik bel u zo."
        with svc.db.read() as s:
            rows = {d.kind: d for d in s.scalars(select(ChannelDelivery))}
        assert rows["message"].status == "sent"
        assert rows["handoff"].status == "skipped"  # integrations get contact.handoff as a webhook
        hook.statuses = [500]
        conversations.reply(svc, ADMIN, cid, "Nog één ding.", agent_id)
        assert worker.run_once().retried == 1


def test_webchat_is_off_unless_enabled(make_api: MakeApi) -> None:
    api = make_api({})
    r = api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "hoi"})
    assert r.status_code == 404 and "WEBCHAT_ENABLED" in r.json()["error"]["hint"]


def test_webchat_post_and_poll(make_api: MakeApi, svc: Service, agent_id: str) -> None:
    api = make_api({"webchat": WebchatChannel()}, {"/v1/webchat/": 2048})
    r = api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "Ik wil een mens spreken", "name": "Eva"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"conversation_id", "status", "message", "reply"}  # no triage, no customer record
    cid, reply = body["conversation_id"], body["reply"]
    assert body["status"] == "waiting_for_agent" and reply["kind"] == "handoff"
    # the poll holds the bot's reply too; the widget, which has it already, polls after its id
    everything = api.client.get(f"/v1/webchat/{SESSION}/messages").json()
    assert [(m["id"], m["author"], m["text"]) for m in everything["messages"]] == [
        (reply["message_id"], "bot", reply["text"])
    ]
    after_reply = {"after": reply["message_id"]}
    assert api.client.get(f"/v1/webchat/{SESSION}/messages", params=after_reply).json() == {
        "messages": [],
        "last_id": reply["message_id"],
    }
    conversations.reply(svc, ADMIN, cid, "Hallo Eva, ik help u.", agent_id)
    polled = api.client.get(f"/v1/webchat/{SESSION}/messages", params=after_reply).json()
    assert [m["text"] for m in polled["messages"]] == ["Hallo Eva, ik help u."]
    assert polled["messages"][0]["author"] == "agent"
    last = polled["last_id"]
    assert api.client.get(f"/v1/webchat/{SESSION}/messages", params={"after": last}).json()["messages"] == []
    other = "a" * 30
    assert api.client.get(f"/v1/webchat/{other}/messages").json()["messages"] == []  # another session sees nothing
    second = api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "Nog iets"}).json()
    assert second["conversation_id"] == cid
    # delivery for web chat is the poll: the worker marks it skipped, not dead
    worker = DeliveryWorker(svc.db, {"webchat": WebchatChannel()}, WorkerConfig(secret=""))
    worker.run_once()
    with svc.db.read() as s:
        assert {d.status for d in s.scalars(select(ChannelDelivery))} == {"skipped"}


@pytest.mark.parametrize(
    ("session", "body", "status", "code"),
    [
        ("short", {"text": "hoi"}, 422, "HT-IN-SESSION"),
        (SESSION, {"text": ""}, 422, "HT-IN-VALIDATION"),
        (SESSION, {"text": "   "}, 422, "HT-IN-EMPTY"),
        (SESSION, {"text": "x" * 1900}, 413, "HT-IN-TOO-LARGE"),
        (SESSION, {"text": "x" * 300}, 422, "HT-IN-TOO-LONG"),
        (SESSION, {"text": "hoi", "extra": 1}, 422, "HT-IN-VALIDATION"),
    ],
)
def test_webchat_bad_input(make_api: MakeApi, session: str, body: dict[str, object], status: int, code: str) -> None:
    api = make_api({"webchat": WebchatChannel(max_chars=200)}, {"/v1/webchat/": 1024})
    r = api.client.post(f"/v1/webchat/{session}/messages", json=body)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_webchat_is_rate_limited_per_session_and_address(make_api: MakeApi) -> None:
    ch = WebchatChannel(per_session=SlidingWindow(2), per_address=SlidingWindow(3))
    api = make_api({"webchat": ch})
    for _ in range(2):
        assert api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "hoi"}).status_code == 201
    r = api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "hoi"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "HT-RATE-WEBCHAT"
    assert api.client.post(f"/v1/webchat/{'b' * 24}/messages", json={"text": "hoi"}).status_code == 201
    assert api.client.post(f"/v1/webchat/{'c' * 24}/messages", json={"text": "hoi"}).status_code == 429  # the address


def test_sliding_window_forgets_after_a_minute() -> None:
    now = [1000.0]
    window = SlidingWindow(2, clock=lambda: now[0])
    window.hit("k", "x")
    window.hit("k", "x")
    with pytest.raises(RateLimitError) as info:
        window.hit("k", "x")
    assert info.value.retry_after == 60
    now[0] += 60.5
    window.hit("k", "x")


def test_the_bots_reply_comes_back_synchronously_and_is_not_delivered_again(make_api: MakeApi, svc: Service) -> None:
    with receiver() as hook:
        webhook = WebhookChannel(secret=SECRET, reply_url=hook.url)
        api = make_api({"webhook": webhook, "webchat": WebchatChannel()})
        body = json.dumps(dict(MESSAGE, text="Waar blijft mijn pakket?")).encode()
        answer = post_raw(api, "/v1/channels/webhook/inbound", body, signed(body)).json()
        assert answer["reply"]["kind"] == "answer" and answer["reply"]["text"]
        chat = api.client.post(f"/v1/webchat/{SESSION}/messages", json={"text": "Waar blijft mijn pakket?"}).json()
        assert chat["reply"]["kind"] == "answer" and chat["reply"]["text"]
        polled = api.client.get(f"/v1/webchat/{SESSION}/messages").json()["messages"]
        assert [(m["id"], m["author"], m["text"]) for m in polled] == [
            (chat["reply"]["message_id"], "bot", chat["reply"]["text"])
        ]
        with svc.db.read() as s:
            stored = s.scalars(select(Message).where(Message.author == "bot").order_by(Message.id)).all()
        assert [(m.id, m.text) for m in stored] == [
            (answer["reply"]["message_id"], answer["reply"]["text"]),
            (chat["reply"]["message_id"], chat["reply"]["text"]),
        ]
        worker = DeliveryWorker(svc.db, {"webhook": webhook, "webchat": WebchatChannel()}, WorkerConfig(secret=""))
        worker.run_once()
        assert hook.calls == []  # neither reply is posted to the reply URL: both went back in the response
        with svc.db.read() as s:
            rows = list(s.scalars(select(ChannelDelivery).order_by(ChannelDelivery.id)))
        assert [(r.kind, r.message_id, r.status) for r in rows] == [
            ("message", answer["reply"]["message_id"], "skipped"),
            ("message", chat["reply"]["message_id"], "skipped"),
        ]
