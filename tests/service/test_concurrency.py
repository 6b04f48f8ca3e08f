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
