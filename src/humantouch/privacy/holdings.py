"""What the database holds about one customer, found generically from the schema.

Erasure and the access export both start here, so what is exported is what is erased. Rows
belong to the customer when, in any table of `Base.metadata` (tables of every work stream):

- a column named `customer_id`, `conversation_id`, `message_id` or `event_id` holds an id of
  theirs (such columns need not be foreign keys: events.customer_id is not), or
- a foreign key points at a row of theirs (any column name, any depth: a survey answer that
  points at a survey that points at their conversation), or
- an event's payload or a stored idempotent response mentions one of their ids.

The customer is the live one and everyone merged into it: a merge made them one person.
Only the audit log and the erasure counts are left out on purpose (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, Table, cast, false, or_, select
from sqlalchemy.orm import Session

from humantouch.errors import NotFoundError
from humantouch.storage import repository as repo
from humantouch.storage.tables import Base, Customer

# Never customer data by this rule: kept on purpose (ids only) or not about customers at all.
EXCLUDED = frozenset({"audit_log", "erasures", "alembic_version"})
# Columns that hold ids of these tables by name, whether or not they are foreign keys.
BY_NAME = {
    "customer_id": "customers",
    "conversation_id": "conversations",
    "message_id": "messages",
    "event_id": "events",
}
# Tables whose JSON mentions customers without a column to say so.
MENTIONS = {"events": "payload", "idempotency_keys": "response"}
CHUNK = 500


@dataclass
class Holdings:
    customer_ids: tuple[str, ...]
    # table name -> condition selecting the customer's rows, parents before children
    conditions: dict[str, ColumnElement[bool]] = field(default_factory=dict)
    # table name -> primary keys of the customer's rows (single-column keys only)
    keys: dict[str, set[Any]] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [t for t in Base.metadata.sorted_tables if t.name in self.conditions]


def find(session: Session, customer_id: str) -> Holdings:
    if session.get(Customer, customer_id) is None:
        raise NotFoundError(f"no customer {customer_id}", code="HT-NOTFOUND-CUSTOMER")
    live = repo.live_customer(session, customer_id)
    family = _family(session, live.id)
    held = Holdings(tuple(sorted(family)))
    held.keys["customers"] = set(family)
    # Name-only references (events.customer_id) do not order the tables; repeat until nothing new turns up.
    while True:
        before = {name: len(keys) for name, keys in held.keys.items()}
        for table in Base.metadata.sorted_tables:  # parents first, so most children see their parents' keys
            if table.name in EXCLUDED:
                continue
            conds = _conditions(table, held)
            if table.name in MENTIONS:
                conds.append(_mentions(table, MENTIONS[table.name], _mentionable(held)))
            if not conds:
                continue
            cond = or_(*conds)
            held.conditions[table.name] = cond
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                found = set(session.scalars(select(pk[0]).where(cond)).all())
                held.keys[table.name] = held.keys.get(table.name, set()) | found
        if before == {name: len(keys) for name, keys in held.keys.items()}:
            break
    return held


def _family(session: Session, live_id: str) -> set[str]:
    """The live customer and every customer merged into it, at any depth."""
    family = {live_id}
    frontier = {live_id}
    while frontier:
        merged = set(session.scalars(select(Customer.id).where(Customer.merged_into.in_(frontier))).all())
        frontier = merged - family
        family |= frontier
    return family


def _conditions(table: Table, held: Holdings) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if table.name == "customers":
        conds.append(in_chunks(table.c.id, held.customer_ids))
    for name, parent in BY_NAME.items():
        if name in table.c and held.keys.get(parent):
            conds.append(in_chunks(table.c[name], held.keys[parent]))
    for fk in table.foreign_keys:
        referred = fk.column.table.name
        if referred in held.keys and fk.column.primary_key and held.keys[referred]:
            if referred == table.name and fk.parent.name == "merged_into":
                continue  # the family already follows merges
            conds.append(in_chunks(fk.parent, held.keys[referred]))
    return conds


def _mentionable(held: Holdings) -> list[str]:
    return [*held.customer_ids, *(str(k) for k in held.keys.get("conversations", ()))]


def _mentions(table: Table, column: str, ids: Sequence[str]) -> ColumnElement[bool]:
    """JSON text contains the quoted id: ids are random tokens, so a substring match is exact enough."""
    if not ids:
        return false()
    text = cast(table.c[column], String)
    return or_(*(text.contains(f'"{i}"') for i in ids))


def in_chunks(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    items = sorted(values, key=str)
    if not items:
        return false()
    parts = [column.in_(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]
    return or_(*parts) if len(parts) > 1 else parts[0]
