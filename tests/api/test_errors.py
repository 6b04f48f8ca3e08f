"""503 when the database is down, with nothing half-written; unknown paths answer JSON too."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from humantouch.api import create_app
from humantouch.engine import Engine
from humantouch.service import Service
from humantouch.storage import Database
from humantouch.storage.tables import Conversation, Customer, Event, Message
from tests.support.fixtures import Api


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_503_when_the_database_cannot_be_reached(engine: Engine) -> None:
    db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test")
    with TestClient(create_app(Service(db=db, engine=engine))) as client:
        r = client.post(
            "/v1/messages",
            headers={"Authorization": "Bearer ht_abc_def"},
            json={"channel": "chat", "sender": {"kind": "email", "value": "a@b.nl"}, "text": "hoi"},
        )
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "HT-DB-UNAVAILABLE"
        assert r.headers["retry-after"]
        assert client.get("/v1/health").status_code == 503
    db.dispose()


def test_503_mid_transaction_leaves_nothing_half_written(api: Api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from humantouch.service import events

    real, real_many = events.record, events.record_many
    calls = []

    def fail_at_routed(types: list[str]) -> None:
        calls.extend(types)
        if "contact.routed" in types:
            raise OperationalError("INSERT INTO events", {}, ConnectionResetError("server closed the connection"))

    def flaky(svc, session, type_, *a, **k):  # type: ignore[no-untyped-def]
        fail_at_routed([type_])
        return real(svc, session, type_, *a, **k)

    def flaky_many(svc, session, pending):  # type: ignore[no-untyped-def]
        # The inbound flow records the events after the bot's turn together (events.record_many).
        fail_at_routed([p.type for p in pending])
        return real_many(svc, session, pending)

    monkeypatch.setattr(events, "record", flaky)
    monkeypatch.setattr(events, "record_many", flaky_many)
    message = {"channel": "chat", "sender": {"kind": "email", "value": "a@b.nl"}, "text": "Mijn pakket is kwijt"}
    r = api.post("/v1/messages", message, role="integration")
    assert r.status_code == 503, r.text
    assert "contact.routed" in calls
    with api.svc.db.read() as s:
        for model in (Customer, Conversation, Message):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model
        assert s.scalar(select(func.count()).select_from(Event).where(Event.customer_id.is_not(None))) == 0


def test_unknown_path_and_method_are_json(api: Api) -> None:
    r = api.get("/v1/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "HT-HTTP-404"
    r = api.client.delete("/v1/messages", headers=api.headers("admin"))
    assert r.status_code == 405 and r.json()["error"]["code"] == "HT-HTTP-405"
