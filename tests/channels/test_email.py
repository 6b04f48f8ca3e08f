"""E-mail in (RFC 822 through the API, threaded by Message-ID) and out (SMTP to a real local aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from humantouch.channels import Ignored, Inbound
from humantouch.channels.email import EmailChannel, SmtpConfig, read
from humantouch.channels.worker import DeliveryWorker
from humantouch.errors import InputError
from humantouch.service import Service, conversations
from humantouch.storage.tables import ChannelDelivery
from humantouch.webhooks import WorkerConfig
from tests.support.fixtures import ADMIN, Api

MakeApi = Callable[..., Api]

FIRST = b"""From: Jan de Vries <Jan@Example.nl>
To: service@shop.example
Subject: Pakket niet ontvangen
Message-ID: <first-1@example.nl>
Date: Tue, 3 Mar 2020 10:00:00 +0100
Content-Type: text/plain; charset=utf-8

Hallo,

Mijn pakket met ordernummer 12345 is nog steeds niet aangekomen.

Met vriendelijke groet,
Jan de Vries
"""

LATIN1_HTML_REPLY = b"""From: Jan de Vries <jan@example.nl>
To: service@shop.example
Subject: Re: Pakket niet ontvangen
Message-ID: <second-2@example.nl>
In-Reply-To: <ht-out-1@shop.example>
References: <first-1@example.nl> <ht-out-1@shop.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><body><p>Ik heb nog steeds niets ontvangen, dit is echt teleurstellend. Caf=E9 dicht.</p>
<div class=3D"gmail_quote">Op di 3 mrt. schreef service:<blockquote>oud</blockquote></div></body></html>
--b1--
"""


def smtp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collect:
    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtpd() -> Iterator[tuple[Collect, int]]:
    handler = Collect()
    port = smtp_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def mail_of(raw: bytes) -> EmailMessage:
    sent = message_from_bytes(raw, policy=policy.default)
    assert isinstance(sent, EmailMessage)
    return sent


def deliveries(svc: Service) -> list[ChannelDelivery]:
    with svc.db.read() as s:
        return list(s.scalars(select(ChannelDelivery).order_by(ChannelDelivery.id)))


def test_read_a_plain_mail() -> None:
    item = read(FIRST)
    assert isinstance(item, Inbound)
    msg = item.message
    assert msg.channel == "email" and msg.sender_value == "jan@example.nl" and msg.sender_name == "Jan de Vries"
    assert (
        msg.text
        == "Pakket niet ontvangen\n\nHallo,\n\nMijn pakket met ordernummer 12345 is nog steeds niet aangekomen."
    )
    assert msg.idempotency_key == "email:<first-1@example.nl>" and msg.external_id == "<first-1@example.nl>"
    assert item.thread.key == "<first-1@example.nl>" and item.replies_to == ()
    assert item.thread.data["subject"] == "Pakket niet ontvangen"


def test_read_an_html_only_latin1_reply() -> None:
    item = read(LATIN1_HTML_REPLY)
    assert isinstance(item, Inbound)
    assert item.message.text == "Ik heb nog steeds niets ontvangen, dit is echt teleurstellend. Café dicht."
    assert item.replies_to == ("<ht-out-1@shop.example>", "<ht-out-1@shop.example>", "<first-1@example.nl>")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (b"Auto-Submitted: auto-replied\n", "Auto-Submitted"),
        (b"Precedence: bulk\n", "Precedence"),
        (b"X-Autoreply: yes\n", "auto-reply"),
    ],
)
def test_automatic_mail_is_ignored(extra: bytes, reason: str) -> None:
    item = read(extra + FIRST)
    assert isinstance(item, Ignored) and reason in item.reason


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (b"", "HT-IN-EMAIL", "empty"),
        (b"Subject: hoi\n\nalleen tekst", "HT-IN-EMAIL", "From"),
        (b"From: nobody\nSubject: x\n\ntekst", "HT-IN-EMAIL", "From"),
        (b"From: a@b.nl\nIn-Reply-To: <x@y>\n\n> alleen een citaat\n", "HT-IN-EMPTY", "no text of its own"),
    ],
)
def test_bad_mail_is_refused_with_a_reason(raw: bytes, code: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        read(raw)
    assert info.value.code == code and words in info.value.message


def test_inbound_api_threads_replies_onto_the_conversation(
    make_api: MakeApi, svc: Service, agent_id: str, smtpd: tuple[Collect, int]
) -> None:
    collect, port = smtpd
    channel = EmailChannel(sender="Klantenservice <service@shop.example>", smtp=SmtpConfig("127.0.0.1", port, False))
    api = make_api({"email": channel}, {"/v1/channels/email/": 65536})
    auth = api.headers("integration") | {"Content-Type": "message/rfc822"}
    r = api.client.post("/v1/channels/email/inbound", content=FIRST, headers=auth)
    assert r.status_code == 201, r.text
    cid = r.json()["conversation"]["id"]
    assert r.json()["conversation"]["channel"] == "email"
    again = api.client.post("/v1/channels/email/inbound", content=FIRST, headers=auth)
    assert again.headers.get("idempotent-replayed") == "true"
    assert [d.message_id for d in deliveries(svc)] == [r.json()["reply"]["message_id"]]  # the replay queued nothing

    worker = DeliveryWorker(svc.db, {"email": channel}, WorkerConfig(secret=""))
    worker.run_once()  # the bot's reply goes out first, answering the customer's mail
    ((_, rcpts, raw),) = collect.mails
    bot_mail = mail_of(raw)
    assert rcpts == ["jan@example.nl"] and bot_mail["In-Reply-To"] == "<first-1@example.nl>"
    bot_id = str(bot_mail["Message-ID"])

    conversations.reply(svc, ADMIN, cid, "Beste Jan, uw pakket komt morgen.", agent_id)
    worker.run_once()
    assert len(collect.mails) == 2  # only the agent's reply: the bot's was not sent again
    mail_from, rcpts, raw = collect.mails[1]
    assert mail_from == "service@shop.example" and rcpts == ["jan@example.nl"]
    sent = mail_of(raw)
    assert sent["Subject"] == "Re: Pakket niet ontvangen"
    assert sent["In-Reply-To"] == bot_id  # the newest mail in the thread
    assert str(sent["References"]).split() == ["<first-1@example.nl>", bot_id]  # (folded: a long header)
    assert sent["Auto-Submitted"] is None  # a person wrote it
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "Beste Jan, uw pakket komt morgen."
    out_id = str(sent["Message-ID"])

    reply = LATIN1_HTML_REPLY.replace(b"<ht-out-1@shop.example>", out_id.encode())
    r2 = api.client.post("/v1/channels/email/inbound", content=reply, headers=auth)
    assert r2.status_code == 201, r2.text
    assert r2.json()["conversation"]["id"] == cid  # threaded by In-Reply-To on our own reply
    assert r2.json()["message"]["text"].startswith("Ik heb nog steeds niets ontvangen")

    ignored = api.client.post(
        "/v1/channels/email/inbound", content=b"Auto-Submitted: auto-replied\n" + FIRST, headers=auth
    )
    assert ignored.status_code == 200 and ignored.json()["accepted"] is False
    bad = api.client.post("/v1/channels/email/inbound", content=b"Subject: x\n\ny", headers=auth)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "HT-IN-EMAIL"
    assert "POST /v1/channels/email/inbound" in bad.json()["error"]["message"]


def test_bot_replies_are_marked_automatic(svc: Service, smtpd: tuple[Collect, int]) -> None:
    from humantouch.channels.threads import accept

    collect, port = smtpd
    item = read(FIRST)
    assert isinstance(item, Inbound)
    response = accept(svc, "email", item).response
    reply = response["reply"]
    assert reply is not None and reply["text"]
    channel = EmailChannel(sender="service@shop.example", smtp=SmtpConfig("127.0.0.1", port, False))
    assert DeliveryWorker(svc.db, {"email": channel}, WorkerConfig(secret="")).run_once().sent == 1
    ((_, rcpts, raw),) = collect.mails
    sent = mail_of(raw)
    assert rcpts == ["jan@example.nl"]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Content-Language"] == response["conversation"]["language"]
    assert sent["Subject"] == "Re: Pakket niet ontvangen" and sent["In-Reply-To"] == "<first-1@example.nl>"
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n").strip() == reply["text"].strip()


def test_smtp_failures_are_retried_or_given_up_with_the_reason(svc: Service, agent_id: str) -> None:
    from humantouch.channels.threads import accept

    item = read(FIRST)
    assert isinstance(item, Inbound)
    cid = accept(svc, "email", item).response["conversation"]["id"]
    conversations.reply(svc, ADMIN, cid, "Antwoord", agent_id)
    closed = smtp_port()  # nothing listens here
    channel = EmailChannel(
        sender="service@shop.example", smtp=SmtpConfig("127.0.0.1", closed, False, timeout_seconds=2)
    )
    stats = DeliveryWorker(svc.db, {"email": channel}, WorkerConfig(secret="")).run_once()
    assert stats.retried == stats.claimed == 2  # the bot's reply and the agent's
    rows = [d for d in deliveries(svc) if d.kind == "message"]
    assert len(rows) == 2
    for row in rows:
        assert row.status == "pending" and "unreachable" in (row.last_error or "")


def test_starttls_required_but_not_offered_is_a_permanent_failure(
    svc: Service, agent_id: str, smtpd: tuple[Collect, int]
) -> None:
    from humantouch.channels.threads import accept

    _, port = smtpd
    item = read(FIRST)
    assert isinstance(item, Inbound)
    cid = accept(svc, "email", item).response["conversation"]["id"]
    conversations.reply(svc, ADMIN, cid, "Antwoord", agent_id)
    channel = EmailChannel(sender="service@shop.example", smtp=SmtpConfig("127.0.0.1", port, True))
    stats = DeliveryWorker(svc.db, {"email": channel}, WorkerConfig(secret="")).run_once()
    assert stats.dead == stats.claimed == 2  # the bot's reply and the agent's, neither retried
    rows = [d for d in deliveries(svc) if d.kind == "message"]
    assert len(rows) == 2
    for row in rows:
        assert row.status == "dead" and "STARTTLS" in (row.last_error or "")
