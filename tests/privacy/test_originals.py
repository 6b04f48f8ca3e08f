"""Inbound stores masked text and analysis; the original only encrypted, readable by allowed roles, audited;
special categories are flagged on the conversation and kept out of webhooks."""

from __future__ import annotations

import json

from sqlalchemy import select

from humantouch.engine import Engine
from humantouch.privacy import audit
from humantouch.service import Service
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import Database
from humantouch.storage.tables import AuditEntry, Briefing, Conversation, Event, Message, MessageOriginal
from tests.support.fixtures import Api
from tests.support.logscan import canaries

IBAN, PHONE, EMAIL = canaries.add("NL91ABNA0417164300", "0687654321", "fenna.quist@voorbeeld.nl")
TEXT = f"Mijn rekening {IBAN} is geblokkeerd, bel mij op {PHONE} of mail {EMAIL}. Ik heb kanker."


def _send(svc: Service, text: str = TEXT) -> dict[str, object]:
    msg = InboundMessage(channel="email", sender_kind="email", sender_value="fq@voorbeeld.nl", text=text)
    return receive(svc, msg).response


def test_stored_text_and_analysis_are_masked_and_the_original_is_encrypted(svc: Service) -> None:
    response = _send(svc)
    dumped = json.dumps(response)
    for secret in (IBAN, PHONE, EMAIL):
        assert secret not in dumped
    with svc.db.read() as s:
        message = s.scalars(select(Message).where(Message.author == "customer")).one()
        original = s.get(MessageOriginal, message.id)
        conversation = s.scalars(select(Conversation)).one()
        payloads = json.dumps([e.payload for e in s.scalars(select(Event))])
        # The bot answers too; its reply is stored, but never with the customer's data in it.
        bot = s.scalars(select(Message).where(Message.author == "bot")).one()
        bot_original = s.get(MessageOriginal, bot.id)
        briefings = json.dumps([b.data for b in s.scalars(select(Briefing))])
    assert bot_original is None and bot.triage is None
    for secret in (IBAN, PHONE, EMAIL):
        assert secret not in bot.text and secret not in briefings
    assert '"value": "[IBAN]"' in briefings  # the fact was collected, and is shown masked
    assert "kanker" not in bot.text
    assert "[IBAN]" in message.text and "[TELEFOON]" in message.text and "[E-MAIL]" in message.text
    assert IBAN not in json.dumps(message.triage)
    assert original is not None and IBAN.encode() not in original.ciphertext and original.key_id == "t1"
    assert conversation.special_categories == ["health"]
    assert IBAN not in payloads
    routed = json.loads(payloads)
    assert any(p.get("message", {}).get("text_withheld") == "special_category" for p in routed)
    assert "kanker" not in payloads


def test_no_key_no_original(db: Database, engine: Engine) -> None:
    plain = Service(db=db, engine=engine)
    _send(plain)
    with db.read() as s:
        assert s.scalars(select(MessageOriginal)).first() is None
        texts = s.scalars(select(Message.text)).all()
        customer_text = s.scalars(select(Message.text).where(Message.author == "customer")).one()
    assert len(texts) == 2  # the customer's message and the bot's reply
    assert "[IBAN]" in customer_text
    assert not any(IBAN in t or PHONE in t or EMAIL in t for t in texts)


def test_nothing_masked_nothing_kept(svc: Service) -> None:
    _send(svc, "Waar blijft mijn pakketje?")
    with svc.db.read() as s:
        assert s.scalars(select(MessageOriginal)).first() is None


def test_originals_are_for_allowed_roles_only_and_every_read_is_audited(api: Api) -> None:
    message_id = _send(api.svc)["message"]["id"]  # type: ignore[index]
    for role in ("agent", "integration"):
        assert api.get(f"/v1/messages/{message_id}/original", role=role).status_code == 403
    r = api.get(f"/v1/messages/{message_id}/original", role="supervisor")
    assert r.status_code == 200
    assert r.json()["text"] == TEXT
    assert api.get("/v1/messages/999999/original").json()["error"]["code"] == "HT-NOTFOUND-ORIGINAL"
    with api.svc.db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "original.view")).all()
        assert [e.target_id for e in entries] == [str(message_id)]
        assert entries[0].actor.startswith("supervisor:")
        assert entries[0].details["special_categories"] == ["health"]
        assert audit.verify(s).ok
