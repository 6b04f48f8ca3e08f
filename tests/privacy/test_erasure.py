"""The right to erasure and the right of access, end to end.

A customer with distinctive data on every channel (e-mail, phone/WhatsApp, social chat, a merged
second profile), messages with an IBAN, name, address and a health mention, the bot's replies, its
dialogue state and handoff briefing, known customer facts, an agent's reply, an override, events,
webhook outbox rows, idempotent responses and encrypted originals. After the erasure, every column
of every table in the database (reflected, not taken from the models) is scanned for each
distinctive value: none may remain. A bystander's data stays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from humantouch.cli import main
from humantouch.migrations import upgrade
from humantouch.service import Service
from humantouch.storage import Database
from humantouch.storage.tables import CustomerFact, Erasure, Message
from tests.support.fixtures import Api
from tests.support.logscan import canaries

NAME = "Zwaantje Brinkhorst-Quellerie"
OLD_EMAIL = "zq.oud@canary-erasure.example"
DISTINCT = canaries.add(
    NAME,
    "Brinkhorst",
    "zwaantje.q@canary-erasure.example",
    OLD_EMAIL,
    "+31612398765",
    "0612398765",
    "zwaantje_canary",
    "ZQ-778899",
    "NL20INGB0001234567",
    "Kwelderpad 77",
    "Wierumerschouw",
    "9999 ZZ",
    "ik heb een zeldzame longziekte",
    "wil alleen met Zwaantje-dossierbeheer praten",
)
BYSTANDER = "Berend Bijstander"


def _message(channel: str, kind: str, value: str, text: str, key: str, name: str | None = NAME) -> dict[str, Any]:
    return {
        "channel": channel,
        "sender": {"kind": kind, "value": value, "name": name},
        "text": text,
        "idempotency_key": key,
    }


def _seed(api: Api) -> tuple[str, str]:
    made = api.post(
        "/v1/customers",
        {
            "name": NAME,
            "language": "nl",
            "segment": "gold",
            "identities": [
                {"kind": "email", "value": "Zwaantje.Q@canary-erasure.example"},
                {"kind": "phone", "value": "06 1239 8765"},
                {"kind": "social", "value": "instagram:@zwaantje_canary"},
                {"kind": "customer_number", "value": "zq-778899"},
            ],
        },
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    texts = [
        (
            "email",
            "email",
            "zwaantje.q@canary-erasure.example",
            "Ik woon op Kwelderpad 77, 9999 ZZ Wierumerschouw en mijn IBAN is NL20INGB0001234567. "
            "Bel me op 0612398765, ik heb een zeldzame longziekte.",
        ),
        ("whatsapp", "whatsapp", "+31612398765", f"Hallo, met {NAME}. Is mijn adres Kwelderpad 77 al aangepast?"),
        ("chat", "social", "instagram:zwaantje_canary", "Mijn klantnummer is ZQ-778899, wanneer hoor ik iets?"),
    ]
    conversation_ids = []
    for i, (channel, kind, value, text) in enumerate(texts):
        r = api.post("/v1/messages", _message(channel, kind, value, text, f"erase-{i}"))
        assert r.status_code == 201, r.text
        assert r.json()["customer"]["id"] == cid
        conversation_ids.append(r.json()["conversation"]["id"])
    # A second profile of the same person, merged in: erasing one erases both.
    other = api.post("/v1/messages", _message("email", "email", OLD_EMAIL, "Oude vraag van Brinkhorst", "erase-old"))
    other_id = other.json()["customer"]["id"]
    assert api.post(f"/v1/customers/{cid}/merge", {"from_customer_id": other_id}).status_code == 200
    api.patch(f"/v1/customers/{cid}", {"segment": "platinum"})
    conv = conversation_ids[0]
    r = api.post(
        f"/v1/conversations/{conv}/reply",
        {"text": "Beste Zwaantje Brinkhorst, we passen Kwelderpad 77 aan."},
        role="agent",
    )
    assert r.status_code == 201, r.text
    r = api.post(
        f"/v1/conversations/{conversation_ids[1]}/override",
        {"route": "human", "reason": "wil alleen met Zwaantje-dossierbeheer praten"},
        role="supervisor",
    )
    assert r.status_code == 200, r.text
    api.get(f"/v1/conversations/{conv}", role="agent")
    # The bot answered every message: an intake about the account keeps the IBAN in its state and,
    # once a person takes over, a briefing with the name; the organisation knows a policy number.
    r = api.post(
        "/v1/messages",
        _message(
            "chat", "social", "instagram:zwaantje_canary", "Mijn IBAN is NL20INGB0001234567, klopt dat?", "erase-3"
        ),
    )
    assert r.status_code == 201, r.text
    with api.svc.db.write() as s:
        s.add(CustomerFact(customer_id=cid, fact="policy_number", value="ZQ-778899"))
    # A bystander, who must keep everything.
    r = api.post(
        "/v1/messages", _message("email", "email", "berend@bystander.example", "Waar is mijn pakket?", "by", BYSTANDER)
    )
    return cid, r.json()["customer"]["id"]


def _scan(db: Database, needles: list[str], skip: dict[str, set[str]] | None = None) -> list[str]:
    """Every row, every column, of every table the database has (reflected), as text."""
    meta = MetaData()
    meta.reflect(db.engine)
    found = []
    lowered = [n.lower() for n in needles]
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if column in (skip or {}).get(table.name, set()):
                        continue
                    text = value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                    if isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    for needle, low in zip(needles, lowered, strict=True):
                        if low in text.lower():
                            found.append(f"{table.name}.{column}: {needle!r}")
    return found


def test_access_export_holds_everything_and_is_audited(api: Api) -> None:
    cid, bystander = _seed(api)
    assert api.get(f"/v1/customers/{cid}/export", role="supervisor").status_code == 403
    r = api.get(f"/v1/customers/{cid}/export")
    assert r.status_code == 200
    doc = r.json()
    dumped = json.dumps(doc, ensure_ascii=False)
    for value in (NAME, "zwaantje.q@canary-erasure.example", OLD_EMAIL, "NL20INGB0001234567", "Kwelderpad 77"):
        assert value in dumped, value
    tables = {"customers", "identities", "conversations", "messages", "events", "overrides", "message_originals"}
    assert tables | {"bot_states", "briefings", "customer_facts"} <= set(doc["tables"])
    assert all(row["text"] for row in doc["tables"]["message_originals"])  # decrypted originals
    assert bystander not in dumped and BYSTANDER not in dumped
    audit = api.get("/v1/audit", params={"action": "customer.export"}).json()["items"]
    assert [e["target_id"] for e in audit] == [cid]


def test_erasure_leaves_no_trace_in_any_table_or_column(api: Api) -> None:
    cid, bystander = _seed(api)
    before = _scan(api.svc.db, [*DISTINCT])
    assert any(x.startswith("messages.") for x in before) and any(x.startswith("events.") for x in before)
    assert any(x.startswith("outbox") or x.startswith("idempotency_keys.") for x in before)
    # The bot's tables hold the distinctive data too (words of the customer's own in its state, the
    # name in a briefing); the IBAN it collected is stored masked (tests/privacy/test_bot.py).
    assert any(x.startswith("bot_states.state: ") for x in before), before
    assert "bot_states.state: 'NL20INGB0001234567'" not in before, before
    assert f"briefings.data: {NAME!r}" in before, before
    assert "customer_facts.value: 'ZQ-778899'" in before, before
    with api.svc.db.read() as s:
        assert s.scalars(select(Message).where(Message.customer_id == cid, Message.author == "bot")).first()

    assert api.client.delete(f"/v1/customers/{cid}", headers=api.headers("supervisor")).status_code == 403
    r = api.client.delete(f"/v1/customers/{cid}", headers=api.headers("admin"))
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    for table in (
        "customers",
        "identities",
        "conversations",
        "messages",
        "events",
        "outbox",
        "overrides",
        "message_originals",
        "idempotency_keys",
        "bot_states",
        "briefings",
        "customer_facts",
    ):
        assert rows.get(table), (table, rows)
    assert rows["customers"] == 2  # the merged profile too

    leftovers = _scan(api.svc.db, [*DISTINCT, cid], skip={"audit_log": {"target_id", "details"}})
    assert leftovers == []
    # The audit log keeps ids only (who erased what, when), never the personal data itself.
    assert _scan(api.svc.db, [*DISTINCT]) == []

    assert api.get(f"/v1/customers/{cid}").status_code == 404
    assert api.get(f"/v1/customers/{bystander}").json()["name"] == BYSTANDER
    assert api.get(f"/v1/customers/{bystander}/contacts").json()["count"] == 1
    with api.svc.db.read() as s:
        erasure = s.scalars(select(Erasure)).one()
        assert erasure.rows == rows and cid not in json.dumps(erasure.rows)
    log = api.get("/v1/audit", params={"action": "customer.erase", "verify": True}).json()
    assert log["verification"]["ok"] and log["items"][0]["target_id"] == cid
    # The same identity writing again is a new, unknown customer.
    again = api.post(
        "/v1/messages", _message("email", "email", "zwaantje.q@canary-erasure.example", "hallo", "new", None)
    )
    assert again.json()["customer"]["created"] is True


def test_erasing_an_unknown_customer_is_404(api: Api) -> None:
    r = api.client.delete("/v1/customers/cus_nobody", headers=api.headers("admin"))
    assert r.status_code == 404


def test_customers_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, svc: Service
) -> None:
    from humantouch.service import customers
    from tests.support.fixtures import ADMIN

    for name in ("HUMANTOUCH_CONFIG", "HUMANTOUCH_DATA_KEYS", "HUMANTOUCH_DATA_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    upgrade(db.engine)
    local = Service(db=db, engine=svc.engine)
    cid = customers.create(local, ADMIN, {"name": NAME}, [("email", OLD_EMAIL)])["id"]
    assert main(["customers", "find", f"email:{OLD_EMAIL.upper()}", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == cid
    assert main(["customers", "export", cid, "--database-url", url]) == 0
    assert NAME in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda _: "n")
    assert main(["customers", "erase", cid, "--database-url", url]) == 1
    assert main(["customers", "erase", cid, "--yes", "--database-url", url]) == 0
    assert "erased customer" in capsys.readouterr().out
    assert _scan(db, [NAME, OLD_EMAIL]) == []
    assert main(["customers", "erase", cid, "--yes", "--database-url", url]) == 2
    assert main(["customers", "find", f"email:{OLD_EMAIL}", "--database-url", url]) == 1
    db.dispose()
