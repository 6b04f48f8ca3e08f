"""`humantouch email ingest`: files in, one JSON line each; a bad file stops the run before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from humantouch.cli import main
from humantouch.storage import Database
from humantouch.storage.tables import Message

MAIL = b"From: Jan <jan@example.nl>\nSubject: Factuur\nMessage-ID: <m1@example.nl>\n\nMijn factuur is te hoog.\n"


def test_ingest_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'ht.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    capsys.readouterr()
    good = tmp_path / "a.eml"
    good.write_bytes(MAIL)
    auto = tmp_path / "b.eml"
    auto.write_bytes(b"Auto-Submitted: auto-replied\n" + MAIL.replace(b"m1@", b"m2@"))
    bad = tmp_path / "c.eml"
    bad.write_bytes(b"Subject: geen afzender\n\ntekst\n")

    assert main(["email", "ingest", str(good), str(bad), "--database-url", url, "--profile", "test"]) == 2
    assert "c.eml has no usable From address" in capsys.readouterr().err
    db = Database(url)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0  # nothing half-written

    assert main(["email", "ingest", str(good), str(auto), "--database-url", url, "--profile", "test"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["file"] == str(good) and lines[0]["conversation_id"].startswith("con_")
    assert "Auto-Submitted" in lines[1]["ignored"]
    with db.read() as s:
        # the good mail is stored once (with the bot's reply to it); the automatic one is not
        stored = s.execute(select(Message.author, Message.external_id).order_by(Message.id)).all()
    assert [tuple(row) for row in stored] == [("customer", "<m1@example.nl>"), ("bot", None)]
    db.dispose()
