"""The right to erasure: remove a customer everywhere, leave only anonymous counts.

One transaction: find everything held (holdings.find, generic over the schema), delete it
children first, run the erasure hooks for data outside the database tables, then write an
`erasures` row (date and row counts per table, no ids) and an audit entry.

Hooks are a name -> "module:function" table, imported on use; a function gets the session and
the erased customer ids and returns how many things it removed. Other parts of humantouch with
a cache or an index of customer data add themselves here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from humantouch.privacy import audit, holdings
from humantouch.service.context import Actor
from humantouch.storage import Database
from humantouch.storage import repository as repo
from humantouch.storage.tables import Customer, Erasure

ERASURE_HOOKS: dict[str, str] = {}

Hook = Callable[[Session, Sequence[str]], int]


def erase(db: Database, actor: Actor, customer_id: str, now: datetime) -> dict[str, Any]:
    with db.write() as session:
        # Lock the customer first, so a message arriving meanwhile is either in before us (and
        # erased) or waits and finds no customer (and starts a new, unknown one).
        if session.get(Customer, customer_id) is not None:
            repo.lock_customer(session, repo.live_customer(session, customer_id).id)
        held = holdings.find(session, customer_id)
        counts: dict[str, int] = {}
        # A merged customer points at the one it was merged into; unhook before deleting either.
        session.execute(
            update(Customer)
            .where(holdings.in_chunks(Customer.id, held.customer_ids))
            .values(merged_into=None)
            .execution_options(synchronize_session=False)
        )
        for table in reversed(held.tables()):
            result = session.execute(
                delete(table).where(held.conditions[table.name]).execution_options(synchronize_session=False)
            )
            removed = int(getattr(result, "rowcount", 0) or 0)
            if removed:
                counts[table.name] = removed
        for name, path in ERASURE_HOOKS.items():
            removed = _hook(path)(session, held.customer_ids)
            if removed:
                counts[f"hook:{name}"] = removed
        row = Erasure(erased_at=now, rows=counts)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor.label,
            "customer.erase",
            "customer",
            customer_id,
            {"erasure_id": row.id, "rows": sum(counts.values())},
            now=now,
        )
        session.expunge_all()
        return {"erasure_id": row.id, "erased_at": now.isoformat(), "rows": counts}


def _hook(path: str) -> Hook:
    module, _, name = path.partition(":")
    fn: Hook = getattr(importlib.import_module(module), name)
    return fn
