"""Outbound delivery through channels: queued with the event, claimed, retried, skipped, threaded."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from humantouch.channels import Inbound, Thread, handoff
from humantouch.channels.memory import MemoryChannel
from humantouch.channels.threads import accept
from humantouch.channels.worker import DeliveryWorker
from humantouch.errors import DeliveryError
from humantouch.service import Service, conversations
from humantouch.service.inbound import InboundMessage
from humantouch.storage import utcnow
from humantouch.storage.tables import ChannelDelivery, ChannelThread, Event
from humantouch.webhooks import WorkerConfig
from tests.support.fixtures import ADMIN

CONFIG = WorkerConfig(secret="", max_attempts=3, backoff=timedelta(seconds=10))


def inbound(
    text: str, sender: str = "klant@example.nl", thread: str | None = "t-1", replies: tuple[str, ...] = ()
) -> Inbound:
    message = InboundMessage(channel="memory", sender_kind="email", sender_value=sender, text=text)
    return Inbound(message, Thread(thread, {"address": sender}), replies)


def deliveries(svc: Service, after: int = 0) -> list[ChannelDelivery]:
    with svc.db.read() as s:
        return list(s.scalars(select(ChannelDelivery).where(ChannelDelivery.id > after).order_by(ChannelDelivery.id)))


def settle(svc: Service) -> int:
    """Deliver what is queued so far (the bot's own replies); returns the last delivery id."""
    DeliveryWorker(svc.db, {"memory": MemoryChannel()}, CONFIG).run_once()
    rows = deliveries(svc)
    assert all(r.status == "sent" for r in rows)
    return rows[-1].id if rows else 0


def test_agent_reply_is_recorded_as_outbound_and_delivered_through_the_thread_channel(
    svc: Service, agent_id: str
) -> None:
    cid = accept(svc, "memory", inbound("Waar blijft mijn pakket?")).response["conversation"]["id"]
    mark = settle(svc)
    reply = conversations.reply(svc, ADMIN, cid, "Het komt morgen.", agent_id)
    with svc.db.read() as s:
        outbound = [e.payload for e in s.scalars(select(Event).where(Event.type == "message.outbound"))]
    assert {"message_id": reply["message"]["id"], "author": "agent"} in outbound
    (row,) = deliveries(svc, mark)
    assert row.kind == "message" and row.status == "pending" and row.message_id == reply["message"]["id"]
    assert row.customer_id

    channel = MemoryChannel()
    stats = DeliveryWorker(svc.db, {"memory": channel}, CONFIG).run_once()
    assert stats.sent == stats.claimed == 1
    (item,) = channel.sent
    assert item.kind == "message" and item.message is not None and item.message["text"] == "Het komt morgen."
    assert item.message["author"] == "agent"
    assert item.thread == {"address": "klant@example.nl"} and item.thread_key == "t-1"
    assert item.customer_email == "klant@example.nl"
    (row,) = deliveries(svc, mark)
    assert row.status == "sent" and row.channel == "memory" and row.external_id and row.sent_at


def test_failures_are_retried_with_backoff_then_dead_and_progress_is_kept(svc: Service, agent_id: str) -> None:
    cid = accept(svc, "memory", inbound("Waar blijft mijn pakket?")).response["conversation"]["id"]
    mark = settle(svc)
    conversations.reply(svc, ADMIN, cid, "Het komt morgen.", agent_id)
    now = [utcnow()]
    channel = MemoryChannel(failures=[DeliveryError("timeout", done=("note",)), DeliveryError("timeout")])
    worker = DeliveryWorker(svc.db, {"memory": channel}, CONFIG, clock=lambda: now[0])
    assert worker.run_once().retried == 1
    (row,) = deliveries(svc, mark)
    assert row.status == "pending" and row.attempts == 1 and row.last_error and "timeout" in row.last_error
    assert row.progress == ["note"]
    assert worker.run_once().claimed == 0  # not due yet
    now[0] += timedelta(seconds=11)
    assert worker.run_once().retried == 1
    now[0] += timedelta(seconds=21)
    assert worker.run_once().sent == 1
    assert channel.sent[0].done == ("note",)

    conversations.reply(svc, ADMIN, cid, "Nog iets.", agent_id)
    channel.failures = [DeliveryError("address refused", permanent=True)]
    assert worker.run_once().dead == 1
    assert deliveries(svc)[-1].status == "dead"


def test_unconfigured_channels_are_skipped_with_the_reason(svc: Service, agent_id: str) -> None:
    cid = accept(svc, "memory", inbound("Waar blijft mijn pakket?")).response["conversation"]["id"]
    mark = settle(svc)
    conversations.reply(svc, ADMIN, cid, "Het komt morgen.", agent_id)
    stats = DeliveryWorker(svc.db, {}, CONFIG).run_once()
    assert stats.claimed == 1
    (row,) = deliveries(svc, mark)
    assert row.status == "skipped" and "memory" in (row.last_error or "")


def test_handoff_is_delivered_with_a_note_from_the_briefing_or_the_reasons(svc: Service) -> None:
    cid = accept(svc, "memory", inbound("Ik wil nu een mens spreken, dit is belachelijk")).response["conversation"][
        "id"
    ]
    (row,) = [d for d in deliveries(svc) if d.kind == "handoff"]
    assert row.conversation_id == cid
    channel = MemoryChannel()
    DeliveryWorker(svc.db, {"memory": channel}, CONFIG, agent_language="en").run_once()
    (item,) = [i for i in channel.sent if i.kind == "handoff"]
    assert item.note is not None
    assert item.note.startswith("Handoff from humantouch") and "Why a person" in item.note
    assert "Ik wil nu een mens spreken" in item.note

    accept(svc, "memory", inbound("Nog steeds niemand?", thread="t-2", replies=("t-1",)))
    note = handoff.note("Wie: Jan\nWaarom: boos", {"id": cid}, [], None)
    assert note.endswith("Wie: Jan\nWaarom: boos") and "Overdracht" in note


def test_a_reply_in_a_known_thread_joins_its_conversation(svc: Service) -> None:
    first = accept(svc, "memory", inbound("Waar blijft mijn pakket?", thread="<a@x>")).response
    again = accept(svc, "memory", inbound("En?", thread="<b@x>", replies=("<zz@x>", "<a@x>"))).response
    assert again["conversation"]["id"] == first["conversation"]["id"]
    # another sender answering in the same thread gets a conversation of their own
    other = accept(svc, "memory", inbound("Ik ook", sender="collega@example.nl", thread="<c@x>", replies=("<a@x>",)))
    assert other.response["conversation"]["id"] != first["conversation"]["id"]
    with svc.db.read() as s:
        rows = {r.key: r.conversation_id for r in s.scalars(select(ChannelThread))}
    assert rows["<b@x>"] == first["conversation"]["id"] and rows["<c@x>"] == other.response["conversation"]["id"]


def test_memory_channel_parses_its_json() -> None:
    (item,) = MemoryChannel().parse(json.dumps({"from": "a@b.nl", "text": "hoi", "thread": "k"}).encode(), {})
    assert item.message.text == "hoi" and item.thread.key == "k"


def test_a_merge_moves_thread_and_delivery_rows_so_erasure_by_customer_id_finds_them(
    svc: Service, agent_id: str
) -> None:
    from humantouch.service import customers

    keep = accept(svc, "memory", inbound("Waar blijft mijn pakket?")).response
    other = accept(svc, "memory", inbound("Nog een vraag", sender="tweede@example.nl", thread="t-9")).response
    conversations.reply(svc, ADMIN, other["conversation"]["id"], "Antwoord", agent_id)
    customers.merge(svc, ADMIN, keep["customer"]["id"], other["customer"]["id"])
    with svc.db.read() as s:
        assert {r.customer_id for r in s.scalars(select(ChannelThread))} == {keep["customer"]["id"]}
        assert {d.customer_id for d in s.scalars(select(ChannelDelivery))} == {keep["customer"]["id"]}


def test_the_handoff_note_carries_the_stored_briefing(svc: Service) -> None:
    from humantouch.service import briefing

    cid = accept(svc, "memory", inbound("Ik wil nu een mens spreken")).response["conversation"]["id"]
    stored = briefing.for_conversation(svc, cid)
    assert stored is not None and stored["text"]
    channel = MemoryChannel()
    DeliveryWorker(svc.db, {"memory": channel}, CONFIG, briefing=handoff.briefing_source(svc)).run_once()
    notes = [item.note for item in channel.sent if item.note is not None]
    assert len(notes) == 1 and notes[0].endswith(stored["text"])
    # The note's words follow agent_language, and so does the briefing inside it.
    english = briefing.for_conversation(svc, cid, language="en")
    assert english is not None and english["text"] != stored["text"]
    assert handoff.briefing_source(svc, "en")(cid) == english["text"]


def test_a_delivery_whose_message_was_erased_is_skipped(svc: Service, agent_id: str) -> None:
    from sqlalchemy import delete

    from humantouch.storage.tables import Message

    cid = accept(svc, "memory", inbound("Waar blijft mijn pakket?")).response["conversation"]["id"]
    mark = settle(svc)
    reply = conversations.reply(svc, ADMIN, cid, "Het komt morgen.", agent_id)
    with svc.db.write() as s:
        s.execute(delete(Message).where(Message.id == reply["message"]["id"]))
    channel = MemoryChannel()
    DeliveryWorker(svc.db, {"memory": channel}, CONFIG).run_once()
    assert channel.sent == []
    (row,) = deliveries(svc, mark)
    assert row.status == "skipped" and "no longer exists" in (row.last_error or "")
