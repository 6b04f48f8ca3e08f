"""The demo seeding behind `serve --demo`: real conversations, a working key, and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from humantouch.service import Service, keys
from humantouch.service.demo import seed
from humantouch.storage.tables import Conversation, Customer


def test_demo_seed_is_complete_and_idempotent(svc: Service) -> None:
    first = seed(svc)
    assert first.created
    assert keys.authenticate(svc.db, first.admin_key).role == "admin"
    with svc.db.read() as s:
        customers = s.scalar(select(func.count()).select_from(Customer))
        waiting = s.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.status == "waiting_for_agent")
        )
    assert customers and customers >= 4
    assert waiting and waiting >= 2
    again = seed(svc)
    assert not again.created
    with svc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == customers
