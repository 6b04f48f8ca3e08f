"""Key rotation: a new key first in the ring, `keys rotate-data-key`, and the old key can go."""

from __future__ import annotations

from pathlib import Path

import pytest

from humantouch.cli import main
from humantouch.engine import Engine
from humantouch.migrations import upgrade
from humantouch.privacy.crypto import new_key_entry, parse_ring
from humantouch.privacy.messages import key_usage, read_original, rotate
from humantouch.service import Service
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import Database
from tests.support.fixtures import ADMIN
from tests.support.logscan import canaries

(IBAN,) = canaries.add("NL39RABO0300065264")


def _store(svc: Service) -> int:
    msg = InboundMessage(channel="chat", sender_kind="email", sender_value="rot@voorbeeld.nl", text=f"iban {IBAN}")
    message_id: int = receive(svc, msg).response["message"]["id"]
    return message_id


def test_rotation_re_encrypts_and_frees_the_old_key(db: Database, engine: Engine) -> None:
    old, new = new_key_entry("old"), new_key_entry("new")
    message_id = _store(Service(db=db, engine=engine, data_keys=parse_ring(old, "t")))
    assert key_usage(db) == {"old": 1}
    both = parse_ring(f"{new},{old}", "t")
    assert rotate(db, both) == 1
    assert rotate(db, both) == 0
    assert key_usage(db) == {"new": 1}
    only_new = Service(db=db, engine=engine, data_keys=parse_ring(new, "t"))
    assert IBAN in read_original(only_new, ADMIN, message_id)["text"]


def test_key_commands(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUMANTOUCH_CONFIG", raising=False)
    monkeypatch.delenv("HUMANTOUCH_DATA_KEY_FILE", raising=False)
    assert main(["keys", "new-data-key", "--id", "k2"]) == 0
    entry = capsys.readouterr().out.strip()
    assert entry.startswith("k2:") and parse_ring(entry, "cli").active == "k2"
    url = f"sqlite:///{tmp_path / 'rot.db'}"
    db = Database(url)
    upgrade(db.engine)
    old = new_key_entry("k1")
    _store(Service(db=db, engine=engine, data_keys=parse_ring(old, "t")))
    monkeypatch.setenv("HUMANTOUCH_DATA_KEYS", f"{entry},{old}")
    assert main(["keys", "rotate-data-key", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "re-encrypted 1 originals with key k2" in out and "k1: 0 originals (unused: may be removed)" in out
    monkeypatch.delenv("HUMANTOUCH_DATA_KEYS")
    assert main(["keys", "rotate-data-key", "--database-url", url]) == 2
    db.dispose()
