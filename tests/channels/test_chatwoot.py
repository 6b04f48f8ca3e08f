"""humantouch as a Chatwoot Agent Bot: Chatwoot's webhook payloads in, Chatwoot's REST API calls out,
recorded by a local HTTP server exactly as Chatwoot would receive them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from humantouch.channels.chatwoot import ChatwootChannel
from humantouch.channels.worker import DeliveryWorker
from humantouch.service import Service, conversations
from humantouch.storage.tables import ChannelDelivery, Conversation, Message
from humantouch.webhooks import WorkerConfig, sign
from tests.support.fixtures import ADMIN, Api
from tests.support.receiver import Receiver, receiver

MakeApi = Callable[..., Api]
SECRET = "chatwoot-webhook-secret-0123456789"
TOKEN = "bot-access-token-abc"
URL = "/v1/channels/chatwoot/webhook"


def message_created(
    content: str, *, message_id: int = 118, message_type: Any = "incoming", **extra: Any
) -> dict[str, Any]:
    """The shape of Chatwoot's message_created webhook (docs: product/others/webhook-events)."""
    doc: dict[str, Any] = {
        "id": message_id,
        "content": content,
        "created_at": "2021-07-23T18:02:48.000Z",
        "message_type": message_type,
        "content_type": "text",
        "private": False,
        "content_attributes": {},
        "source_id": None,
        "sender": {"id": 14, "name": "Sanne Bakker", "avatar": "", "type": "contact"},
        "inbox": {"id": 1, "name": "Acme Support"},
        "conversation": {
            "can_reply": True,
            "channel": "Channel::WebWidget",
            "id": 10,
            "inbox_id": 1,
            "contact_inbox": {"id": 12, "contact_id": 14, "inbox_id": 1, "source_id": "405f1d30"},
            "meta": {
                "sender": {
                    "email": "sanne@example.nl",
                    "id": 14,
                    "name": "Sanne Bakker",
                    "phone_number": None,
                    "type": "contact",
                },
                "assignee": None,
            },
            "status": "pending",
            "unread_count": 1,
            "timestamp": 1627063369,
        },
        "account": {"id": 1, "name": "Acme Inc"},
        "event": "message_created",
    }
    doc.update(extra)
    return doc


def status_changed(status: str) -> dict[str, Any]:
    return {
        "can_reply": True,
        "channel": "Channel::WebWidget",
        "id": 10,
        "inbox_id": 1,
        "messages": [{"id": 120, "content": "x", "account_id": 1, "inbox_id": 1, "conversation_id": 10}],
        "meta": {"sender": {"id": 14, "email": "sanne@example.nl", "type": "contact"}},
        "status": status,
        "event": "conversation_status_changed",
    }


def post(api: Api, doc: dict[str, Any], secret: str | None = None, ts: int | None = None) -> Any:
    body = json.dumps(doc).encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        stamp = str(int(time.time()) if ts is None else ts)
        headers |= {"X-Chatwoot-Timestamp": stamp, "X-Chatwoot-Signature": sign(secret, stamp, body)}
    return api.client.post(URL, content=body, headers=headers)


def channel_for(hook: Receiver, secret: str | None = None) -> ChatwootChannel:
    return ChatwootChannel(base_url=hook.url.removesuffix("/hook"), api_token=TOKEN, webhook_secret=secret)


def calls(hook: Receiver) -> list[tuple[str, dict[str, Any]]]:
    for call in hook.calls:
        assert call.headers["api_access_token"] == TOKEN
        assert call.headers["content-type"] == "application/json"
    return [(c.path, json.loads(c.body)) for c in hook.calls]


def test_not_configured_is_404(make_api: MakeApi) -> None:
    r = post(make_api({}), message_created("hoi"))
    assert r.status_code == 404 and "CHATWOOT_URL" in r.json()["error"]["hint"]


def test_incoming_message_is_taken_in_and_the_rest_ignored(make_api: MakeApi, svc: Service) -> None:
    with receiver() as hook:
        api = make_api({"chatwoot": channel_for(hook)})
        r = post(api, message_created("Waar blijft mijn bestelling 12345?"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["accepted"] is True and body["conversation_id"].startswith("con_")
        customer = api.get(f"/v1/conversations/{body['conversation_id']}").json()["customer"]
        assert customer["name"] == "Sanne Bakker"
        assert customer["identities"] == [{"kind": "email", "value": "sanne@example.nl"}]
        again = post(api, message_created("Hallo?", message_id=119)).json()
        assert again["conversation_id"] == body["conversation_id"]
        assert post(api, message_created("Hallo?", message_id=119)).json()["replayed"] is True
        for doc in (
            message_created("Ons antwoord", message_type="outgoing", sender={"id": 1, "type": "user"}),
            message_created("notitie", private=True),
            message_created("bot", message_type="incoming", sender={"id": 3, "type": "agent_bot"}),
            message_created("", message_id=200),
            message_created("x", event="conversation_updated"),
            message_created("x", event="conversation_created"),
        ):
            answer = post(api, doc).json()
            assert answer["accepted"] is False and answer["reason"]
        assert hook.calls == []  # nothing answered by itself


def test_signature_is_checked_where_configured(make_api: MakeApi) -> None:
    with receiver() as hook:
        api = make_api({"chatwoot": channel_for(hook, SECRET)})
        doc = message_created("Waar blijft mijn bestelling?")
        unsigned = post(api, doc)
        assert unsigned.status_code == 401 and "X-Chatwoot-Signature" in unsigned.json()["error"]["message"]
        assert post(api, doc, secret="wrong-secret-0123456789abc").status_code == 401
        assert post(api, doc, secret=SECRET, ts=int(time.time()) - 3600).status_code == 401
        assert post(api, doc, secret=SECRET).status_code == 200


def test_bad_payloads_are_refused_with_the_field(make_api: MakeApi) -> None:
    with receiver() as hook:
        api = make_api({"chatwoot": channel_for(hook)})
        r = api.client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "HT-IN-CHATWOOT"
        r = post(api, {"hello": 1})
        assert r.status_code == 422 and "'event'" in r.json()["error"]["message"]
        r = post(api, message_created("hoi", account={"name": "no id"}))
        assert r.status_code == 422 and "account.id" in r.json()["error"]["message"]


def test_handoff_posts_a_private_note_opens_and_sets_priority(make_api: MakeApi, svc: Service, agent_id: str) -> None:
    with receiver() as hook:
        channel = channel_for(hook)
        api = make_api({"chatwoot": channel})
        cid = post(api, message_created("Ik wil nu een mens spreken, dit is belachelijk!")).json()["conversation_id"]
        with svc.db.read() as s:
            conversation = s.get(Conversation, cid)
            assert conversation is not None and conversation.status == "waiting_for_agent"
            priority = conversation.priority
            bot = s.scalars(select(Message).where(Message.conversation_id == cid, Message.author == "bot")).one()
        hook.bodies = [json.dumps({"id": 501, "private": True}).encode()]
        worker = DeliveryWorker(svc.db, {"chatwoot": channel}, WorkerConfig(secret=""), agent_language="en")
        assert worker.run_once().sent == 2  # the handoff, then the bot's reply to the customer
        base = "/api/v1/accounts/1/conversations/10"
        (note, opened, prioritised, told) = calls(hook)
        assert note[0] == f"{base}/messages"
        assert note[1]["private"] is True and note[1]["message_type"] == "outgoing"
        assert note[1]["content"].startswith("Handoff from humantouch") and "dit is belachelijk" in note[1]["content"]
        assert opened == (f"{base}/toggle_status", {"status": "open"})
        expected = {"P1": "urgent", "P2": "high", "P3": "medium", "P4": "low"}[priority]
        assert prioritised == (f"{base}/toggle_priority", {"priority": expected})
        assert told == (
            f"{base}/messages",
            {"content": bot.text, "message_type": "outgoing", "private": False, "content_type": "text"},
        )
        with svc.db.read() as s:
            rows = {d.kind: d for d in s.scalars(select(ChannelDelivery))}
        assert len(rows) == 2 and rows["message"].message_id == bot.id and rows["message"].status == "sent"
        assert rows["handoff"].status == "sent" and rows["handoff"].external_id == "chatwoot:501"

        hook.calls.clear()
        conversations.reply(svc, ADMIN, cid, "Hallo Sanne, ik help je nu.", agent_id)
        worker.run_once()
        assert calls(hook) == [
            (
                f"{base}/messages",
                {
                    "content": "Hallo Sanne, ik help je nu.",
                    "message_type": "outgoing",
                    "private": False,
                    "content_type": "text",
                },
            )
        ]


def test_a_failed_step_is_retried_without_repeating_the_note(make_api: MakeApi, svc: Service, agent_id: str) -> None:
    with receiver() as hook:
        channel = channel_for(hook)
        api = make_api({"chatwoot": channel})
        post(api, message_created("Ik wil een mens spreken, nu meteen"))
        hook.statuses = [200, 502]
        now = [svc.clock()]
        worker = DeliveryWorker(svc.db, {"chatwoot": channel}, WorkerConfig(secret=""), clock=lambda: now[0])
        first = worker.run_once()
        assert first.retried == 1 and first.sent == 1  # the handoff failed half-way; the bot's reply went out
        with svc.db.read() as s:
            row = s.scalars(select(ChannelDelivery).where(ChannelDelivery.kind == "handoff")).one()
        assert row.progress == ["note"] and "502" in (row.last_error or "")
        now[0] += timedelta(minutes=5)
        assert worker.run_once().sent == 1
        paths = [c.path.rsplit("/", 1)[1] for c in hook.calls]
        assert paths == ["messages", "toggle_status", "messages", "toggle_status", "toggle_priority"]
        private = [c for c in calls(hook) if c[1].get("private")]
        assert len(private) == 1  # the note was posted once

        hook.statuses = [401]  # a wrong token is not retried
        cid = post(api, message_created("En nu?", message_id=300)).json()["conversation_id"]
        reply = conversations.reply(svc, ADMIN, cid, "Ik kijk ernaar.", agent_id)
        # the bot keeps quiet while the conversation waits for a person: only the agent's reply is due
        assert worker.run_once().dead == 1
        with svc.db.read() as s:
            dead = s.scalars(select(ChannelDelivery).where(ChannelDelivery.status == "dead")).one()
        assert dead.message_id == reply["message"]["id"] and "access token" in (dead.last_error or "")


def test_resolved_in_chatwoot_resolves_here(make_api: MakeApi, svc: Service) -> None:
    with receiver() as hook:
        api = make_api({"chatwoot": channel_for(hook)})
        cid = post(api, message_created("Waar blijft mijn bestelling 12345?")).json()["conversation_id"]
        assert post(api, status_changed("open")).json()["accepted"] is False
        done = post(api, status_changed("resolved")).json()
        assert done == {
            "accepted": True,
            "event": "conversation_status_changed",
            "conversation_id": cid,
            "status": "resolved",
        }
        with svc.db.read() as s:
            conversation = s.get(Conversation, cid)
            assert conversation is not None and conversation.status == "resolved"
            assert conversation.resolution_code == "resolved_in_chatwoot"
        assert post(api, status_changed("resolved")).json()["accepted"] is False  # already resolved


def test_a_chatwoot_agent_answering_silences_the_bot(make_api: MakeApi, svc: Service) -> None:
    with receiver() as hook:
        api = make_api({"chatwoot": channel_for(hook)})
        first = post(api, message_created("Hoe laat zijn jullie open op zaterdag?")).json()
        cid = first["conversation_id"]
        with svc.db.read() as s:
            assert s.scalars(select(Message.author).where(Message.conversation_id == cid)).all() == ["customer", "bot"]
        # Our own bot's message coming back as a webhook event changes nothing.
        echo = message_created("bot", message_id=130, message_type="outgoing", sender={"id": 3, "type": "agent_bot"})
        assert post(api, echo).json()["accepted"] is False
        assert api.get(f"/v1/conversations/{cid}").json()["conversation"]["status"] != "with_agent"
        # A person answers inside Chatwoot: the conversation is with a person now ...
        person = message_created(
            "Hoi Sanne, ik help je verder.",
            message_id=131,
            message_type="outgoing",
            sender={"id": 1, "name": "Joris", "type": "user"},
        )
        taken = post(api, person).json()
        assert taken["conversation_id"] == cid and taken["status"] == "with_agent"
        # ... and the customer's next message gets no bot reply.
        post(api, message_created("Dank je, en op zondag?", message_id=132))
        with svc.db.read() as s:
            authors = s.scalars(select(Message.author).where(Message.conversation_id == cid).order_by(Message.id))
            assert list(authors) == ["customer", "bot", "customer"]
