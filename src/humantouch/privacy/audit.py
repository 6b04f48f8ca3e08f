"""The audit log: who viewed, changed, exported or erased what, and when.

Append-only, with a hash chain: each row's hash covers its own content and the hash of the row
before it, so changing, inserting or deleting a row in the middle breaks every later link and
`verify` finds the first broken one. (Deleting the newest rows is not visible from the chain
alone; keep the last hash somewhere else, e.g. the `audit verify` output in your monitoring.)

Rows hold ids, actions and field names, never personal data: they outlive an erasure. Appends
are serialised (an advisory lock on PostgreSQL; SQLite has one writer anyway) so the chain
never forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from humantouch.service.context import Actor, Service
from humantouch.storage.tables import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x68740A0D  # any constant; "ht" audit


def content_hash(entry: AuditEntry) -> str:
    document = {
        "id": entry.id,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None = None,
    details: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> AuditEntry:
    """Append one entry in the caller's (write) transaction: the action and its audit commit together."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.scalars(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        created_at=now.astimezone(UTC),
        actor=actor[:64],
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=dict(details or {}),
        prev_hash=last or GENESIS,
        hash="",
    )
    session.add(entry)
    session.flush()
    entry.hash = content_hash(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    last_hash: str | None
    broken_at: int | None = None
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_hash": self.last_hash,
            "broken_at": self.broken_at,
            "problem": self.problem,
        }


def verify(session: Session, batch: int = 1000) -> Verification:
    """Walk the chain oldest first. The oldest remaining row anchors it (retention deletes the oldest)."""
    previous: str | None = None
    checked = 0
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return Verification(True, checked, previous)
        for row in rows:
            if previous is not None and row.prev_hash != previous:
                return Verification(False, checked, previous, row.id, "does not link to the entry before it")
            if content_hash(row) != row.hash:
                return Verification(False, checked, previous, row.id, "content does not match its hash")
            previous = row.hash
            checked += 1
            after = row.id


def view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "hash": entry.hash,
    }


def entries(
    session: Session,
    *,
    limit: int = 100,
    before_id: int | None = None,
    action: str | None = None,
    target_id: str | None = None,
) -> list[dict[str, Any]]:
    """Newest first; page with `before_id` (the smallest id of the previous page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    return [view(e) for e in session.scalars(query)]


def viewed(svc: Service, actor: Actor | None, action: str, target_type: str, target_id: str, **details: Any) -> None:
    """Audit a read in its own short write transaction (reads run in read transactions).

    `actor` None is an internal call (no person looked), which is not audited.
    """
    if actor is None:
        return
    with svc.db.write() as session:
        record(session, actor.label, action, target_type, target_id, details, now=svc.clock())
