"""Many parallel inbound messages for one customer: each stored exactly once, one consistent conversation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from humantouch.service import Service
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage.tables import Conversation, Customer, Event, IdempotencyKey, Identity, Message

THREADS = 8
MESSAGES = 48


def test_parallel_messages_for_one_customer(svc: Service) -> None:
    texts = [f"Bericht {i}: mijn bestelling {1000 + i} is nog niet binnen" for i in range(MESSAGES)]
    # Every message is sent twice, from different threads, with the same idempotency key.
    jobs = [(i, t) for i, t in enumerate(texts)] * 2

    def send(job: tuple[int, str]) -> tuple[int, int, bool]:
        i, text = job
        got = receive(
            svc,
            InboundMessage(
                channel="whatsapp",
                sender_kind="whatsapp",
                sender_value="+31 6 55 44 33 22",
                text=text,
                idempotency_key=f"burst-{i}",
            ),
        )
        return i, int(got.response["message"]["id"]), got.replayed

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(send, jobs))

    ids_by_key: dict[int, set[int]] = {}
    for i, message_id, _ in results:
        ids_by_key.setdefault(i, set()).add(message_id)
    assert all(len(ids) == 1 for ids in ids_by_key.values()), "a retry got a different message"
    assert sum(1 for *_, replayed in results if not replayed) == MESSAGES

    with svc.db.read() as s:

        def n(model: type) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        assert n(Customer) == 1
        assert n(Identity) == 1
        customer_texts = s.scalars(select(Message.text).where(Message.author == "customer")).all()
        assert len(customer_texts) == MESSAGES
        assert n(IdempotencyKey) == MESSAGES
        assert sorted(customer_texts) == sorted(texts)
        conversation = s.scalars(select(Conversation)).one()
        assert conversation.message_count == n(Message)  # the customer's messages and the bot's replies
        received = s.scalar(select(func.count()).select_from(Event).where(Event.type == "message.received"))
        assert received == MESSAGES


def test_an_inbound_message_waits_for_a_concurrent_change_of_its_conversation(svc: Service) -> None:
    """An agent's reply (or any change under the conversation's row lock) that commits while an inbound
    message of the same conversation is being stored is not overwritten by the message's update: the
    inbound write reads the conversation under a row lock too. (SQLite serialises whole write
    transactions, so the race exists on PostgreSQL only.)"""
    import threading
    import time

    import pytest
    from sqlalchemy import text

    if svc.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time; the row lock matters on PostgreSQL")

    def message(body: str) -> InboundMessage:
        return InboundMessage(channel="whatsapp", sender_kind="whatsapp", sender_value="+31612345678", text=body)

    first = receive(svc, message("Ik wil een medewerker spreken over mijn factuur")).response
    cid, count = first["conversation"]["id"], first["conversation"]["message_count"]
    with svc.db.engine.connect() as other:
        other.execute(text("SELECT 1 FROM conversations WHERE id = :c FOR UPDATE"), {"c": cid})
        other.execute(text("UPDATE conversations SET message_count = message_count + 1 WHERE id = :c"), {"c": cid})
        worker = threading.Thread(target=receive, args=(svc, message("Is er al nieuws over mijn factuur?")))
        worker.start()
        time.sleep(1.0)  # the inbound message is now waiting for the row
        other.commit()
        worker.join(30)
    assert not worker.is_alive()
    with svc.db.read() as session:
        stored = session.scalar(select(Conversation.message_count).where(Conversation.id == cid))
    assert stored == count + 2
