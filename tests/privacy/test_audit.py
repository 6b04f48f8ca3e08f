"""The audit log: every view, change, export and erasure leaves an entry; tampering breaks the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from humantouch.cli import main
from humantouch.migrations import upgrade
from humantouch.privacy import audit
from humantouch.service import Service
from humantouch.storage import Database
from humantouch.storage.tables import AuditEntry
from tests.support.fixtures import Api

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _fill(db: Database, n: int = 5) -> None:
    with db.write() as s:
        for i in range(n):
            audit.record(s, "admin:test", "customer.view", "customer", f"cus_{i}", {"i": i, "ok": True}, now=NOW)


def _verify(db: Database) -> audit.Verification:
    with db.read() as s:
        return audit.verify(s)


def test_an_untouched_chain_verifies(db: Database) -> None:
    assert _verify(db).ok and _verify(db).checked == 0
    _fill(db)
    result = _verify(db)
    assert result.ok and result.checked == 5 and result.last_hash


@pytest.mark.parametrize(
    "tamper",
    [
        update(AuditEntry).where(AuditEntry.id == 3).values(actor="admin:someone-else"),
        update(AuditEntry).where(AuditEntry.id == 3).values(details={"i": 99, "ok": True}),
        update(AuditEntry).where(AuditEntry.id == 3).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)),
        delete(AuditEntry).where(AuditEntry.id == 3),
    ],
    ids=["actor", "details", "time", "deleted"],
)
def test_tampering_with_a_row_is_detected(db: Database, tamper: object) -> None:
    _fill(db)
    with db.write() as s:
        s.execute(tamper)  # type: ignore[call-overload]
    result = _verify(db)
    assert not result.ok
    assert result.broken_at in (3, 4)


def test_a_rehashed_row_still_breaks_the_link_to_the_next(db: Database) -> None:
    _fill(db)
    with db.write() as s:
        row = s.get(AuditEntry, 2)
        assert row is not None
        row.target_id = "cus_forged"
        row.hash = audit.content_hash(row)  # the forger recomputes this row's hash ...
    result = _verify(db)
    assert not result.ok and result.broken_at == 3  # ... but the next row still names the old one


def test_audit_endpoint_is_for_admins_and_views_are_audited(api: Api) -> None:
    made = api.post("/v1/customers", {"name": "Audit Test", "identities": []}).json()
    assert api.get(f"/v1/customers/{made['id']}", role="agent").status_code == 200
    for role in ("agent", "supervisor", "integration"):
        assert api.get("/v1/audit", role=role).status_code == 403
    r = api.get("/v1/audit", params={"verify": True})
    assert r.status_code == 200
    body = r.json()
    assert body["verification"]["ok"] is True
    actions = [(e["action"], e["actor"].split(":")[0]) for e in body["items"]]
    assert ("customer.view", "agent") in actions and ("customer.create", "admin") in actions
    only = api.get("/v1/audit", params={"action": "customer.view"}).json()["items"]
    assert {e["action"] for e in only} == {"customer.view"}


def test_audit_verify_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], svc: Service) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    db = Database(url)
    upgrade(db.engine)
    _fill(db)
    assert main(["audit", "verify", "--database-url", url]) == 0
    assert "5 entries" in capsys.readouterr().out
    assert main(["audit", "show", "--limit", "2", "--database-url", url]) == 0
    assert capsys.readouterr().out.count("customer.view") == 2
    with db.write() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 2).values(action="customer.erase"))
    assert main(["audit", "verify", "--database-url", url]) == 1
    assert "BROKEN at entry 2" in capsys.readouterr().out
    db.dispose()


def test_entries_page_newest_first(db: Database) -> None:
    _fill(db, 7)
    with db.read() as s:
        first = audit.entries(s, limit=3)
        second = audit.entries(s, limit=3, before_id=first[-1]["id"])
        assert [e["id"] for e in first] == [7, 6, 5]
        assert [e["id"] for e in second] == [4, 3, 2]
        assert s.scalars(select(AuditEntry.prev_hash).where(AuditEntry.id == 1)).one() == audit.GENESIS
