"""The outbox worker against a real local HTTP receiver: signatures, retries, leases, two workers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from humantouch.service import Actor, Service
from humantouch.service import conversations as conv
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import Database, utcnow
from humantouch.storage import repository as repo
from humantouch.storage.tables import OutboxItem
from humantouch.webhooks import Worker, WorkerConfig, backoff_delay, sign, verify
from tests.support.receiver import receiver

SECRET = "s3cret-for-tests-only-0123456789"


def config(**kw: object) -> WorkerConfig:
    return WorkerConfig(secret=SECRET, **kw)  # type: ignore[arg-type]


def send(svc: Service, text: str = "Ik wil een mens spreken", sender: str = "+31612345678") -> None:
    receive(svc, InboundMessage(channel="whatsapp", sender_kind="phone", sender_value=sender, text=text))


def outbox(db: Database) -> list[OutboxItem]:
    with db.read() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_sign_and_verify() -> None:
    body = b'{"a":1}'
    signature = sign(SECRET, "1700000000", body)
    # docs/api.md: "sha256=<hex>", the HMAC-SHA256 of "<timestamp>.<body>" with the secret
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert verify(SECRET, "1700000000", body, signature, now=1700000010)
    assert not verify(SECRET, "1700000000", body + b" ", signature, now=1700000010)
    assert not verify("another-secret-of-enough-length", "1700000000", body, signature, now=1700000010)
    assert not verify(SECRET, "1700000000", body, signature, now=1700009999)  # stale


def test_backoff_doubles_and_is_capped() -> None:
    cfg = config(backoff=timedelta(seconds=5), backoff_max=timedelta(seconds=30))
    assert [backoff_delay(n, cfg).total_seconds() for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]


def test_events_are_delivered_signed(svc: Service) -> None:
    with receiver() as hook:
        svc.webhook_targets = (hook.url,)
        send(svc)
        worker = Worker(svc.db, config())
        stats = worker.run_once()
        assert stats.sent == stats.claimed >= 2  # contact.routed and contact.handoff
        types = []
        for call in hook.calls:
            h = call.headers
            assert verify(SECRET, h["x-humantouch-timestamp"], call.body, h["x-humantouch-signature"])
            doc = json.loads(call.body)
            assert doc["type"] == h["x-humantouch-event"]
            assert str(doc["id"]) == h["x-humantouch-delivery"]
            types.append(doc["type"])
        assert set(types) >= {"contact.routed", "contact.handoff"}
        routed = next(json.loads(c.body) for c in hook.calls if json.loads(c.body)["type"] == "contact.routed")
        assert routed["data"]["triage"]["route"] == "human"
        assert all(item.status == "sent" for item in outbox(svc.db))
        assert worker.run_once().claimed == 0


def test_a_resolved_conversation_is_delivered_as_contact_resolved(svc: Service) -> None:
    with receiver() as hook:
        svc.webhook_targets = (hook.url,)
        send(svc)
        worker = Worker(svc.db, config())
        worker.run_once()  # contact.routed and contact.handoff, as above
        before = len(hook.calls)
        (conversation,) = {json.loads(c.body)["data"]["conversation"]["id"] for c in hook.calls}
        conv.resolve(svc, Actor(key_id="k", role="supervisor"), conversation, "card_blocked")
        pending = [item for item in outbox(svc.db) if item.status == "pending"]
        assert len(pending) == 1 and pending[0].target == hook.url  # resolving queued one webhook
        assert worker.run_once().sent == 1
        (call,) = hook.calls[before:]
        assert call.headers["x-humantouch-event"] == "contact.resolved"
        assert verify(SECRET, call.headers["x-humantouch-timestamp"], call.body, call.headers["x-humantouch-signature"])
        doc = json.loads(call.body)
        assert doc["type"] == "contact.resolved"
        assert doc["data"]["resolution_code"] == "card_blocked"
        assert doc["data"]["conversation"]["id"] == conversation
        assert doc["data"]["conversation"]["status"] == "resolved"
        assert all(item.status == "sent" for item in outbox(svc.db))


def test_failed_delivery_is_retried_with_backoff_then_given_up(svc: Service) -> None:
    with receiver() as hook:
        hook.statuses = [500, 503, 500]
        svc.webhook_targets = (hook.url,)
        send(svc, "hoi")  # automate: contact.routed only
        now = [utcnow()]
        worker = Worker(svc.db, config(max_attempts=3, backoff=timedelta(seconds=10)), clock=lambda: now[0])
        assert worker.run_once().retried == 1
        (item,) = outbox(svc.db)
        assert item.status == "pending" and item.attempts == 1 and "500" in (item.last_error or "")
        assert item.next_attempt_at >= now[0] + timedelta(seconds=10)
        assert worker.run_once().claimed == 0  # not due yet
        now[0] += timedelta(seconds=11)
        assert worker.run_once().retried == 1
        now[0] += timedelta(seconds=21)
        assert worker.run_once().dead == 1
        (item,) = outbox(svc.db)
        assert item.status == "dead" and item.attempts == 3
        assert len(hook.calls) == 3


def test_crash_between_claim_and_send_loses_nothing(svc: Service) -> None:
    with receiver() as hook:
        svc.webhook_targets = (hook.url,)
        send(svc, "hoi")
        now = [utcnow()]
        crashing = Worker(svc.db, config(lease=timedelta(seconds=30)), name="crashing", clock=lambda: now[0])

        def die(batch: object) -> None:
            raise KeyboardInterrupt("killed after claim")

        crashing.after_claim = die
        with pytest.raises(KeyboardInterrupt):
            crashing.run_once()
        (item,) = outbox(svc.db)
        assert item.claimed_by == "crashing" and item.status == "pending" and item.lease_until is not None
        rescuer = Worker(svc.db, config(), name="rescuer", clock=lambda: now[0])
        assert rescuer.run_once().claimed == 0  # the lease still holds
        now[0] += timedelta(seconds=31)
        assert rescuer.run_once().sent == 1
        assert len(hook.calls) == 1
        (item,) = outbox(svc.db)
        assert item.status == "sent" and item.attempts == 2


def test_two_workers_never_send_one_event_twice(svc: Service) -> None:
    with receiver() as hook:
        svc.webhook_targets = (hook.url,)
        for i in range(40):
            send(svc, f"bericht {i}", sender=f"+316000000{i:02d}")
        total = len(outbox(svc.db))
        stop = threading.Event()
        workers = [Worker(svc.db, config(batch_size=3, poll_seconds=0.01), name=f"w{i}") for i in range(2)]
        threads = [threading.Thread(target=w.run_forever, args=(stop,)) for w in workers]
        for t in threads:
            t.start()
        deadline = utcnow() + timedelta(seconds=30)
        while utcnow() < deadline and any(item.status != "sent" for item in outbox(svc.db)):
            stop.wait(0.05)
        stop.set()
        for t in threads:
            t.join()
        deliveries = Counter(c.headers["x-humantouch-delivery"] for c in hook.calls)
        assert len(deliveries) == total
        assert max(deliveries.values()) == 1
        with svc.db.read() as s:
            seen = repo.last_worker_seen(s)
        assert seen is not None
