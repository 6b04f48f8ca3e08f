"""The right of access: everything held about a customer, as one JSON document.

The same generic search as erasure (holdings.find), so the export shows exactly what an erasure
would remove, plus the decrypted originals. The customer's own export holds everything, special
categories included: it is their data. Each export is audited.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from humantouch import __version__
from humantouch.privacy import audit, holdings
from humantouch.privacy.crypto import DecryptionError, KeyRing, Sealed
from humantouch.privacy.messages import aad
from humantouch.service.context import Actor
from humantouch.storage import Database
from humantouch.storage.tables import MessageOriginal


def export(db: Database, keys: KeyRing | None, actor: Actor, customer_id: str, now: datetime) -> dict[str, Any]:
    with db.write() as session:
        held = holdings.find(session, customer_id)
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in held.tables():
            rows = session.execute(select(table).where(held.conditions[table.name])).mappings().all()
            if rows:
                tables[table.name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
        originals = tables.get("message_originals", [])
        for row in originals:
            row.pop("ciphertext", None)
            row["text"] = _original(keys, session.get(MessageOriginal, row["message_id"]))
        audit.record(
            session,
            actor.label,
            "customer.export",
            "customer",
            customer_id,
            {"tables": sorted(tables), "rows": sum(len(v) for v in tables.values())},
            now=now,
        )
        return {
            "customer_id": customer_id,
            "customer_ids": list(held.customer_ids),
            "exported_at": now.astimezone(UTC).isoformat(),
            "generator": f"humantouch {__version__}",
            "tables": tables,
        }


def _original(keys: KeyRing | None, row: MessageOriginal | None) -> str | None:
    if row is None or keys is None:
        return None
    try:
        return keys.decrypt(Sealed(row.key_id, row.ciphertext), aad(row.message_id))
    except DecryptionError:
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value
