"""The combined inbound queries answer exactly what the separate ones they replace answer."""

from __future__ import annotations

from datetime import timedelta

from humantouch.storage import Database
from humantouch.storage import repository as repo
from humantouch.storage.tables import Conversation, Customer, Identity, utcnow


def conversation(cid: str, customer: str, channel: str, status: str, age_days: float) -> Conversation:
    at = utcnow() - timedelta(days=age_days)
    return Conversation(
        id=cid,
        customer_id=customer,
        channel=channel,
        status=status,
        route="automate",
        quadrant="A",
        priority="P3",
        message_count=1,
        created_at=at,
        updated_at=at,
        last_message_at=at,
    )


def test_open_conversation_and_recent_match_the_separate_queries(db: Database) -> None:
    with db.write() as s:
        s.add(Customer(id="cus_a", consents={}, form_of_address="unknown"))
        s.add(Customer(id="cus_b", consents={}, form_of_address="unknown"))
        s.flush()
        s.add_all(
            [
                conversation("con_open_old", "cus_a", "whatsapp", "intake", 2),
                conversation("con_open_new", "cus_a", "whatsapp", "waiting_for_agent", 1),
                conversation("con_closed", "cus_a", "whatsapp", "closed", 3),
                conversation("con_mail", "cus_a", "email", "bot", 4),
                conversation("con_old", "cus_a", "whatsapp", "resolved", 30),
                conversation("con_other", "cus_b", "whatsapp", "intake", 1),
            ]
        )
    since = utcnow() - timedelta(days=7)
    with db.read() as s:
        for customer, channel in [("cus_a", "whatsapp"), ("cus_a", "email"), ("cus_a", "chat"), ("cus_c", "chat")]:
            found = repo.open_conversation(s, customer, channel)
            expected = (
                found.id if found else None,
                repo.recent_conversation_count(s, customer, since, exclude=found.id if found else None),
            )
            assert repo.open_conversation_and_recent(s, customer, channel, since) == expected
        assert repo.open_conversation_and_recent(s, "cus_a", "whatsapp", since) == ("con_open_new", 3)
        assert repo.open_conversation_and_recent(s, "cus_a", "chat", since) == (None, 4)


def test_the_read_before_the_triage_reports_a_merged_customer_for_the_caller_to_follow(db: Database) -> None:
    with db.write() as s:
        s.add(Customer(id="cus_live", consents={}, form_of_address="unknown"))
        s.flush()
        s.add(Customer(id="cus_gone", consents={}, form_of_address="unknown", merged_into="cus_live"))
        s.flush()
        s.add(Identity(customer_id="cus_gone", kind="phone", value="+31600000001"))
        s.add(Identity(customer_id="cus_live", kind="phone", value="+31600000002"))
    since = utcnow() - timedelta(days=7)
    with db.read() as s:
        assert repo.customer_with_open_conversation(s, "phone", "+31600000009", "chat", since) == (None, None)
        gone, _ = repo.customer_with_open_conversation(s, "phone", "+31600000001", "chat", since)
        assert gone is not None and not gone.complete and gone.customer.merged_into == "cus_live"
        assert repo.live_customer(s, gone.customer.id).id == "cus_live"
        live, _ = repo.customer_with_open_conversation(s, "phone", "+31600000002", "chat", since)
        assert live is not None and live.complete and live.customer.id == "cus_live"
