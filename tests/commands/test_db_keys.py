"""`humantouch db` and `humantouch keys`, and serve refusing an unmigrated database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from humantouch.cli import main
from humantouch.engine import Engine
from humantouch.migrations import head_revision
from humantouch.service import keys
from humantouch.storage import Database


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("HUMANTOUCH_CONFIG", "HUMANTOUCH_DATABASE_URL", "HUMANTOUCH_PRODUCTION", "HUMANTOUCH_DEMO"):
        monkeypatch.delenv(name, raising=False)
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_db_upgrade_current_downgrade(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current", "--database-url", url]) == 1
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert head_revision() in capsys.readouterr().out
    assert main(["db", "current", "--database-url", url]) == 0
    assert main(["db", "downgrade", "base", "--database-url", url]) == 0
    assert main(["db", "current", "--database-url", url]) == 1


def test_serve_refuses_an_unmigrated_database(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--database-url", url, "--profile", "test"]) == 2
    err = capsys.readouterr().err
    assert "HT-DB-MIGRATE" in err and "humantouch db upgrade" in err


def test_keys_create_prints_the_key_once_and_stores_its_hash(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["db", "upgrade", "--database-url", url])
    capsys.readouterr()
    assert main(["keys", "create", "--role", "integration", "--name", "gateway", "--json", "--database-url", url]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["role"] == "integration" and made["key"].startswith("ht_")
    db = Database(url)
    actor = keys.authenticate(db, made["key"])
    assert actor.role == "integration"
    assert main(["keys", "revoke", made["id"], "--database-url", url]) == 0
    db.dispose()
    assert main(["keys", "create", "--role", "agent", "--database-url", url]) == 2  # needs --agent


def test_worker_with_a_webhook_url_needs_the_secret(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUMANTOUCH_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("HUMANTOUCH_WEBHOOK_URL", "https://hooks.example.nl/humantouch")
    assert main(["worker", "--once", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "webhook_url is set but webhook_secret is not" in err and "HUMANTOUCH_WEBHOOK_SECRET" in err


def test_worker_without_webhooks_sends_channel_messages(
    url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from humantouch.migrations import upgrade
    from humantouch.service import Service
    from humantouch.service.inbound import InboundMessage, receive
    from humantouch.storage.tables import ChannelDelivery, OutboxItem

    for name in ("HUMANTOUCH_WEBHOOK_URL", "HUMANTOUCH_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    db = Database(url)
    upgrade(db.engine)
    # A webhook queued while webhooks were on (this Service has a target), then the worker without them.
    svc = Service(db=db, engine=engine, webhook_targets=("https://hooks.example.nl/old",))
    receive(svc, InboundMessage(channel="chat", sender_kind="email", sender_value="a@b.nl", text="hoi"))
    assert main(["worker", "--once", "--database-url", url]) == 0
    assert "processed 1 deliveries" in capsys.readouterr().out  # the bot's reply, not the webhook
    assert "1 webhooks wait in the outbox but webhook_secret is not set" in caplog.text
    with db.read() as s:
        (delivery,) = s.scalars(select(ChannelDelivery))
        assert delivery.status == "skipped"  # handled: no channel "chat" is configured
        assert [(o.status, o.attempts) for o in s.scalars(select(OutboxItem))] == [("pending", 0)]  # not sent unsigned
    db.dispose()


def test_serve_warns_when_no_worker_has_checked_in(url: str, caplog: pytest.LogCaptureFixture) -> None:
    from humantouch.commands.serve import warn_if_no_worker
    from humantouch.migrations import upgrade
    from humantouch.storage import repository as repo
    from humantouch.storage import utcnow

    db = Database(url)
    upgrade(db.engine)
    assert warn_if_no_worker(db)
    assert "no webhook worker has checked in yet" in caplog.text
    with db.write() as session:
        repo.heartbeat(session, "w1", utcnow())
    assert not warn_if_no_worker(db)
    db.dispose()


def test_worker_once_drains_the_outbox(
    url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from humantouch.migrations import upgrade
    from humantouch.service import Service
    from humantouch.service.inbound import InboundMessage, receive
    from humantouch.storage.tables import ChannelDelivery, OutboxItem
    from tests.support.receiver import receiver

    db = Database(url)
    upgrade(db.engine)
    with receiver() as hook:
        svc = Service(db=db, engine=engine, webhook_targets=(hook.url,))
        got = receive(svc, InboundMessage(channel="chat", sender_kind="email", sender_value="a@b.nl", text="hoi"))
        assert got.response["reply"] is not None  # the bot answered: its reply is a channel delivery
        monkeypatch.setenv("HUMANTOUCH_WEBHOOK_SECRET", "a-secret-of-enough-length")
        assert main(["worker", "--once", "--database-url", url]) == 0
        # one webhook (contact.routed) and one channel delivery (the bot's reply)
        assert "processed 2 deliveries" in capsys.readouterr().out
        (call,) = hook.calls
        assert json.loads(call.body)["type"] == "contact.routed"
    with db.read() as s:
        assert [o.status for o in s.scalars(select(OutboxItem))] == ["sent"]
        (delivery,) = s.scalars(select(ChannelDelivery))
        # no channel "chat" is configured: skipped with the reason, not left pending
        assert delivery.kind == "message" and delivery.status == "skipped" and "chat" in (delivery.last_error or "")
    db.dispose()
