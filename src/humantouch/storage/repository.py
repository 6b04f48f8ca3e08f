"""Repository functions: every query the service runs, each taking the session it runs in.

The caller owns the transaction (Database.write / Database.read); these functions never commit.

The rows every inbound message appends (events, their outbox and channel-delivery rows) are inserted
with plain table inserts on the session's connection, not through the ORM's unit of work: they are
never updated in the transaction that adds them, and a flush costs about ten times the insert itself
(docs/benchmarks.md, "Service load"). The statement runs at once, so the row's id is known without a flush.

The queries every inbound message or API request runs are built once, with bound parameters
(`_hot`): SQLAlchemy then reuses the statement's cache key instead of building the statement and
walking it again on every call, which cost more than running the query on SQLite (about 130 against
55 microseconds a query).

The column queries of the inbound path (no ORM objects in their result) run on the session's connection
(`_columns`), not through `Session.execute`: the ORM's execution and result layers cost about as
much again as the Core statement, for rows that need no identity map. They do not autoflush, so they
serve only reads whose rows the session's pending changes never touch (the read before the triage,
the idempotency check); each caller says why that holds. The inbound write reads and changes the customer
and the conversation the same way, as plain records (`CustomerRow`, `ConversationRow`): loading an ORM
object and flushing its changes through the unit of work cost more than the rest of its statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    CursorResult,
    Executable,
    Insert,
    Select,
    Update,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from humantouch.storage.tables import (
    Agent,
    ApiKey,
    BotState,
    ChannelDelivery,
    Conversation,
    Customer,
    Event,
    IdempotencyKey,
    Identity,
    Message,
    OutboxItem,
    WorkerHeartbeat,
    new_id,
    utcnow,
)

OPEN_STATUSES = ("bot", "intake", "waiting_for_agent", "with_agent")

T = TypeVar("T")


def _hot(build: Callable[[], T]) -> Callable[[], T]:
    """A statement built on first use and then reused (see the module docstring)."""
    return cache(build)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """The customer as the inbound flow reads it: a plain record, not an ORM object (module docstring)."""

    id: str
    name: str | None
    language: str | None
    form_of_address: str
    annual_value_eur: float | None
    tenure_years: float | None
    segment: str | None
    merged_into: str | None
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerRow:
        return cls(*(getattr(customer, name) for name in CUSTOMER_ROW_COLUMNS))


CUSTOMER_ROW_COLUMNS = tuple(f.name for f in fields(CustomerRow))


@_hot
def _customer_by_identity() -> Select[Any]:
    return (
        select(*(getattr(Customer, name) for name in CUSTOMER_ROW_COLUMNS))
        .join(Identity, Identity.customer_id == Customer.id)
        .where(Identity.kind == bindparam("kind"), Identity.value == bindparam("value"))
    )


@_hot
def _customer_by_identity_locked() -> Select[Any]:
    return _customer_by_identity().with_for_update(of=Customer)


@_hot
def _rename_customer() -> Update:
    table = Customer.__table__
    return update(table).where(table.c.id == bindparam("cid")).values(name=bindparam("name"))  # type: ignore[arg-type]


@_hot
def _identity() -> Select[Identity]:
    return select(Identity).where(Identity.kind == bindparam("kind"), Identity.value == bindparam("value"))


def _latest_open(query: Select[Any]) -> Select[Any]:
    """`query` narrowed to the customer's latest open conversation on the channel (bound parameters)."""
    return (
        query.where(
            Conversation.customer_id == bindparam("customer_id"),
            Conversation.channel == bindparam("channel"),
            Conversation.status.in_(OPEN_STATUSES),
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(1)
    )


@dataclass(slots=True)
class ConversationRow:
    """A conversation as the inbound write reads and changes it: a plain record in the table's column
    order, read as columns and written back with `save_conversation` (the columns that changed, as the
    unit of work would), instead of an ORM object flushed by the unit of work (module docstring)."""

    id: str
    customer_id: str
    channel: str
    status: str
    route: str
    quadrant: str
    priority: str
    intent: str | None
    language: str | None
    sla_due_at: datetime | None
    assigned_agent_id: str | None
    resolution_code: str | None
    message_count: int
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    special_categories: list[Any]
    # The values as read or inserted: `save_conversation` writes only what differs from them.
    stored: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CONVERSATION_COLUMNS)


CONVERSATION_COLUMNS = tuple(f.name for f in fields(ConversationRow) if f.name != "stored")


def _conversation_row(row: Sequence[Any]) -> ConversationRow:
    found = ConversationRow(*row)
    found.stored = found.values()
    return found


def _conversation_columns() -> Select[Any]:
    return select(*(getattr(Conversation, name) for name in CONVERSATION_COLUMNS))


@_hot
def _open_conversation() -> Select[Any]:
    # Read in the inbound write under the row's lock (after the customer's, as every writer takes them):
    # an agent's reply committing meanwhile is then seen, not overwritten by this message's update.
    return _latest_open(_conversation_columns()).with_for_update(of=Conversation)


@_hot
def _conversation_by_id() -> Select[Any]:
    return _conversation_columns().where(Conversation.id == bindparam("id"))


@_hot
def _conversation_by_id_locked() -> Select[Any]:
    # The inbound write's read, under the row's lock as `_open_conversation`'s.
    return _conversation_by_id().with_for_update(of=Conversation)


@_hot
def _insert_conversation() -> Insert:
    return insert(Conversation.__table__)  # type: ignore[arg-type]


@_hot
def _open_conversation_and_recent() -> Select[str | None, int]:
    open_id = _latest_open(select(Conversation.id)).cte("open_conversation")
    recent = (
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.customer_id == bindparam("customer_id"),
            Conversation.created_at >= bindparam("since"),
            Conversation.id.not_in(select(open_id.c.id)),
        )
        .scalar_subquery()
    )
    return select(select(open_id.c.id).scalar_subquery(), recent)


@_hot
def _customer_and_open_conversation() -> Select[Any]:
    """`_customer_by_identity`, its latest open conversation on the channel with the bot state's version
    (as `dialogue.read_prior` reads it) and `recent_conversation_count` excluding that conversation."""
    latest = aliased(Conversation)
    open_id = (
        select(latest.id)
        .where(
            latest.customer_id == Customer.id,
            latest.channel == bindparam("channel"),
            latest.status.in_(OPEN_STATUSES),
        )
        .order_by(latest.last_message_at.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    conversation = aliased(Conversation)
    other = aliased(Conversation)
    recent = (
        select(func.count())
        .select_from(other)
        .where(
            other.customer_id == Customer.id,
            other.created_at >= bindparam("since"),
            or_(conversation.id.is_(None), other.id != conversation.id),
        )
        .correlate(Customer, conversation)
        .scalar_subquery()
    )
    return (
        _customer_by_identity()
        .add_columns(conversation.id, conversation.message_count, conversation.updated_at, BotState.state, recent)
        .outerjoin(conversation, conversation.id == open_id)
        .outerjoin(BotState, BotState.conversation_id == conversation.id)
    )


@_hot
def _remembered_customer_and_open_conversation() -> Select[Any]:
    """`_idempotent` and `_customer_and_open_conversation` as one row, each side NULL where nothing is."""
    one = select(literal(1).label("one")).subquery("one")
    known = _customer_and_open_conversation().subquery("known")
    return (
        select(IdempotencyKey.request_hash, IdempotencyKey.response, *known.c)
        .select_from(one)
        .outerjoin(IdempotencyKey, IdempotencyKey.key == bindparam("key"))
        .outerjoin(known, true())
    )


@cache
def _customer_texts(limit: int) -> Select[str]:
    return (
        select(Message.text)
        .where(Message.conversation_id == bindparam("conversation_id"), Message.author == "customer")
        .order_by(Message.id.desc())
        .limit(limit)
    )


@cache
def _insert_events(in_order: bool) -> Insert:
    # A Table, not the mapped class: no unit of work (see the module docstring).
    table = Event.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=in_order)  # type: ignore[arg-type]


@_hot
def _insert_outbox() -> Insert:
    return insert(OutboxItem.__table__)  # type: ignore[arg-type]


@_hot
def _insert_message() -> Insert:
    return insert(Message.__table__)  # type: ignore[arg-type]


@_hot
def _insert_idempotency() -> Insert:
    return insert(IdempotencyKey.__table__)  # type: ignore[arg-type]


@_hot
def _idempotent() -> Select[tuple[str, dict[str, Any]]]:
    return select(IdempotencyKey.request_hash, IdempotencyKey.response).where(IdempotencyKey.key == bindparam("key"))


@_hot
def _api_key() -> Select[ApiKey, bool]:  # the bool is None for a key of no agent (outer join)
    # The key's agent comes along in the same query: a deactivated agent's key is refused (service/keys.py).
    return (
        select(ApiKey, Agent.active)
        .outerjoin(Agent, Agent.id == ApiKey.agent_id)
        .where(ApiKey.prefix == bindparam("prefix"))
    )


def _columns(session: Session, statement: Executable, params: dict[str, Any]) -> CursorResult[*tuple[Any, ...]]:
    """A column query on the session's connection and in its transaction, without the ORM's execution
    layer and without autoflush (module docstring)."""
    return session.connection().execute(statement, params)


# -- customers and identities --------------------------------------------------------------------


def find_identity(session: Session, kind: str, value: str) -> Identity | None:
    found: Identity | None = session.scalars(_identity(), {"kind": kind, "value": value}).first()
    return found


@dataclass(frozen=True, slots=True)
class CustomerRead:
    """What the inbound read before the triage needs of a known sender, in one query
    (`customer_with_open_conversation`)."""

    customer: CustomerRow
    conversation_id: str | None  # the latest open conversation on the channel
    recent: int  # conversations started since the given time, the open one not counted
    message_count: int  # the open conversation's version and bot state, as `dialogue.Prior` keeps them
    conversation_updated_at: datetime | None
    state: dict[str, Any] | None
    complete: bool = True  # False: the customer was merged into another; nothing else was read


def customer_with_open_conversation(
    session: Session, kind: str, value: str, channel: str, since: datetime, *, key: str | None = None
) -> tuple[CustomerRead | None, tuple[str, dict[str, Any]] | None]:
    """The customer behind (kind, value), unlocked, `open_conversation_and_recent` and the open
    conversation's bot state with its version in one query; None if the identity is unknown. A merged
    customer (an identity a merge has not moved yet) comes back alone, `complete=False`: the caller
    follows the merge with `live_customer`. With `key`, `remembered_response`
    in the same query. Read before anything is written, as those are (the inbound read before the triage)."""
    params = {"kind": kind, "value": value, "channel": channel, "since": since}
    remembered: tuple[str, dict[str, Any]] | None = None
    row: Sequence[Any] | None
    if key is None:
        row = _columns(session, _customer_and_open_conversation(), params).first()
    else:
        both = _columns(session, _remembered_customer_and_open_conversation(), params | {"key": key}).one()
        remembered = None if both[0] is None else (both[0], both[1])
        row = None if both[2] is None else both[2:]  # the customer's id: never NULL in a customer's row
    if row is None:
        return None, remembered
    n = len(CUSTOMER_ROW_COLUMNS)
    customer = CustomerRow(*row[:n])
    if customer.merged_into is not None:  # rare: the caller follows the merge and reads the rest as before
        return CustomerRead(customer, None, 0, -1, None, None, complete=False), remembered
    conversation_id, message_count, updated_at, state, recent = row[n:]
    if conversation_id is None:
        return CustomerRead(customer, None, int(recent or 0), -1, None, None), remembered
    return CustomerRead(customer, conversation_id, int(recent or 0), message_count, updated_at, state), remembered


def customer_for_identity(
    session: Session, kind: str, value: str, *, name: str | None = None
) -> tuple[CustomerRow, bool]:
    """The customer behind (kind, value), locked, created if new; safe when two transactions race.

    The row lock (PostgreSQL; SQLite serialises all writes) keeps the writes for one customer
    in line. Identities always point at a live customer, because a merge moves them. A savepoint
    wraps the insert, so a unique-key collision with a concurrent transaction rolls back only
    the insert and we read the winner's row instead.

    The existing customer is read as columns on the connection (no autoflush): it starts the inbound
    write, and what the session had pending before (a group's earlier message) was flushed with its
    savepoint. Change it with `rename_customer`, not through an ORM object.
    """
    row = _columns(session, _customer_by_identity_locked(), {"kind": kind, "value": value}).first()
    if row is not None:
        return CustomerRow(*row), False
    customer = Customer(id=new_id("cus"), name=name, consents={}, form_of_address="unknown")
    try:
        with session.begin_nested():
            session.add(customer)
            session.add(Identity(customer_id=customer.id, kind=kind, value=value))
    except IntegrityError:
        identity = find_identity(session, kind, value)
        assert identity is not None, "identity vanished after a unique-key collision"
        return CustomerRow.of(lock_customer(session, identity.customer_id)), False
    return CustomerRow.of(customer), True


def rename_customer(session: Session, customer: CustomerRow, name: str) -> CustomerRow:
    """Set the name of a customer read by `customer_for_identity` (a plain update, at once)."""
    session.connection().execute(_rename_customer(), {"cid": customer.id, "name": name})
    return replace(customer, name=name)


def live_customer(session: Session, customer_id: str) -> Customer:
    """Follow merges to the customer that is still in use."""
    customer = session.get(Customer, customer_id)
    seen = set()
    while customer is not None and customer.merged_into is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into)
    if customer is None:
        raise LookupError(customer_id)
    return customer


def lock_customer(session: Session, customer_id: str) -> Customer:
    """Serialise the writes for one customer (PostgreSQL row lock; SQLite serialises all writes)."""
    customer = session.scalars(
        select(Customer).where(Customer.id == customer_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return customer


def identities_of(session: Session, customer_id: str) -> Sequence[Identity]:
    return session.scalars(select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)).all()


def add_identity(session: Session, customer_id: str, kind: str, value: str) -> Identity:
    identity = Identity(customer_id=customer_id, kind=kind, value=value)
    session.add(identity)
    session.flush()
    return identity


# -- conversations and messages -------------------------------------------------------------------


def open_conversation(session: Session, customer_id: str, channel: str) -> ConversationRow | None:
    """The customer's latest open conversation on the channel, locked (the inbound write reads it), as
    columns on the connection (no autoflush: the inbound write changes conversations only through
    `save_conversation`, at once)."""
    row = _columns(session, _open_conversation(), {"customer_id": customer_id, "channel": channel}).first()
    return None if row is None else _conversation_row(row)


def conversation_row(session: Session, conversation_id: str, *, lock: bool = False) -> ConversationRow | None:
    """`session.get(Conversation, id)` as a plain record (see `open_conversation`); `lock` in a write."""
    query = _conversation_by_id_locked() if lock else _conversation_by_id()
    row = _columns(session, query, {"id": conversation_id}).first()
    return None if row is None else _conversation_row(row)


def add_conversation(session: Session, conversation: ConversationRow) -> None:
    """Insert a new conversation at once (a plain insert; its messages refer to it)."""
    conversation.stored = conversation.values()
    values = dict(zip(CONVERSATION_COLUMNS, conversation.stored, strict=True))
    session.connection().execute(_insert_conversation(), values)


def save_conversation(
    session: Session, conversation: ConversationRow, *, remember: dict[str, Any] | None = None
) -> None:
    """Write the columns that changed since it was read or inserted, as the unit of work's flush did:
    a column another transaction changed meanwhile and this one did not is left as that one set it.

    `remember`: the idempotency row to insert too (`remember_response`'s columns). On PostgreSQL the
    update then runs as a data-modifying CTE of that insert, one statement and one round trip instead of
    two; both succeed or fail together, as they would in their transaction anyway."""
    now = conversation.values()
    changed = tuple(
        name
        for name, value, before in zip(CONVERSATION_COLUMNS, now, conversation.stored, strict=True)
        if value != before
    )
    params = {f"v_{name}": getattr(conversation, name) for name in changed} | {"cid": conversation.id}
    connection = session.connection()
    if changed and remember is not None and connection.dialect.name == "postgresql":
        connection.execute(
            _update_conversation_and_remember(changed), params | {f"i_{k}": v for k, v in remember.items()}
        )
    else:
        if changed:
            connection.execute(_update_conversation(changed), params)
        if remember is not None:
            connection.execute(_insert_idempotency(), remember)
    conversation.stored = now


@cache
def _update_conversation(columns: tuple[str, ...]) -> Update:
    """Built once for each set of changed columns (a handful occur; see `_hot`)."""
    table = Conversation.__table__
    return (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("cid"))
        .values({name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns})
    )


@cache
def _update_conversation_and_remember(columns: tuple[str, ...]) -> Insert:
    """PostgreSQL only: the idempotency insert with `_update_conversation` as a data-modifying CTE (it runs
    whether or not the insert reads it; SQLite has no such CTEs)."""
    table = IdempotencyKey.__table__
    # Parameters named after a column of the table updated would join the update's SET clause.
    values = {name: bindparam(f"i_{name}", type_=table.c[name].type) for name in IDEMPOTENCY_COLUMNS}
    return insert(table).values(values).add_cte(_update_conversation(columns).cte("conversation_update"))  # type: ignore[arg-type]


IDEMPOTENCY_COLUMNS = ("key", "request_hash", "response", "created_at")


def open_conversation_and_recent(
    session: Session, customer_id: str, channel: str, since: datetime
) -> tuple[str | None, int]:
    """In one query: the id of `open_conversation` and `recent_conversation_count` excluding it."""
    row = _columns(
        session, _open_conversation_and_recent(), {"customer_id": customer_id, "channel": channel, "since": since}
    ).one()
    return row[0], int(row[1] or 0)


def customer_texts(session: Session, conversation_id: str, limit: int = 10) -> list[str]:
    """Read before anything is written (the inbound read, the bot's suggestions); messages are inserted at
    once anyway (`add_message`), never left pending."""
    rows = _columns(session, _customer_texts(limit), {"conversation_id": conversation_id}).scalars().all()
    return list(reversed(rows))


def recent_conversation_count(session: Session, customer_id: str, since: datetime, exclude: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.customer_id == customer_id, Conversation.created_at >= since)
    )
    if exclude is not None:
        query = query.where(Conversation.id != exclude)
    return int(session.scalar(query) or 0)


MESSAGE_COLUMNS = tuple(c.key for c in Message.__table__.columns if c.key != "id")


def add_message(session: Session, message: Message) -> Message:
    """Insert `message` at once with a plain insert (see the module docstring) and give it its id.

    `message` stays a plain record the session does not track: a message is never changed in the
    transaction that adds it. Its conversation and customer must be in the database already (flushed).
    """
    # A column left out is NULL, as the unit of work leaves it; a None given would be stored as a JSON
    # null in the `triage` column, which the retention purge tells apart from no analysis.
    values = {key: value for key in MESSAGE_COLUMNS if (value := getattr(message, key)) is not None}
    inserted = session.connection().execute(_insert_message(), values).inserted_primary_key
    assert inserted is not None, "an insert without a primary key"
    message.id = int(inserted[0])
    return message


def messages_of(session: Session, conversation_ids: Iterable[str]) -> Sequence[Message]:
    return session.scalars(
        select(Message).where(Message.conversation_id.in_(list(conversation_ids))).order_by(Message.id)
    ).all()


def conversations_of(session: Session, customer_id: str) -> Sequence[Conversation]:
    return session.scalars(
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.created_at, Conversation.id)
    ).all()


def queue(
    session: Session,
    *,
    statuses: Sequence[str],
    routes: Sequence[str] = (),
    priorities: Sequence[str] = (),
    intents: Sequence[str] = (),
    languages: Sequence[str] = (),
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Conversation]:
    query = select(Conversation).where(Conversation.status.in_(list(statuses)))
    if routes:
        query = query.where(Conversation.route.in_(list(routes)))
    if priorities:
        query = query.where(Conversation.priority.in_(list(priorities)))
    if intents:
        query = query.where(Conversation.intent.in_(list(intents)))
    if languages:
        query = query.where(Conversation.language.in_(list(languages)))
    query = query.order_by(Conversation.sla_due_at.asc(), Conversation.created_at, Conversation.id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def agent_load(session: Session, agent_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.assigned_agent_id == agent_id, Conversation.status == "with_agent")
        )
        or 0
    )


# -- idempotency -----------------------------------------------------------------------------------


def remembered_response(session: Session, key: str) -> tuple[str, dict[str, Any]] | None:
    """The request hash and response stored under an idempotency key; two columns, no ORM object
    (every inbound message with a key asks this first)."""
    row = _columns(session, _idempotent(), {"key": key}).first()  # idempotency rows are inserted at once
    return None if row is None else (row[0], row[1])


def remember_response(session: Session, key: str, request_hash: str, response: dict[str, Any], now: datetime) -> None:
    """Insert the idempotency row with its response (a plain insert, at once): a concurrent request with
    the same key collides on the primary key here, and its transaction rolls back. The inbound write
    inserts it with its conversation's update instead (`save_conversation`)."""
    session.connection().execute(_insert_idempotency(), remembered(key, request_hash, response, now))


def remembered(key: str, request_hash: str, response: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The idempotency row's columns, for `remember_response` or `save_conversation`."""
    return {"key": key, "request_hash": request_hash, "response": response, "created_at": now}


# -- event log and outbox --------------------------------------------------------------------------


def append_events(session: Session, events: Sequence[tuple[Event, Sequence[str]]]) -> None:
    """Append events to the event log in one statement, their ids in the order given, and in the same
    transaction queue one delivery per webhook target of each. The rows are inserted at once (see the
    module docstring): the Events are plain records with their ids, not objects the session tracks."""
    if not events:
        return
    connection = session.connection()
    # SQLite does not promise RETURNING's rows in the order of the VALUES, and SQLAlchemy then sends one
    # statement per row; but it gives the rows of one INSERT their ids in that order, each above any
    # before (and the write lock keeps other writers out), so the ids sorted are in the order given.
    sqlite = connection.dialect.name == "sqlite"
    ids = connection.execute(_insert_events(not sqlite), [_event_row(e) for e, _ in events]).scalars().all()
    if sqlite:
        ids = sorted(ids)
    for (event, _), event_id in zip(events, ids, strict=True):
        event.id = int(event_id)
    _queue_webhooks(session, events)


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "payload": event.payload,
        "customer_id": event.customer_id,
        "conversation_id": event.conversation_id,
        "actor": event.actor,
        "created_at": event.created_at,
    }


def _queue_webhooks(session: Session, events: Sequence[tuple[Event, Sequence[str]]]) -> None:
    rows = [
        {
            "event_id": event.id,
            "target": target,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": event.created_at,
            "created_at": utcnow(),
        }
        for event, targets in events
        for target in targets
    ]
    if rows:
        session.connection().execute(_insert_outbox(), rows)


# Tables whose rows workers claim with a lease: the webhook outbox and the channel deliveries.
Leased = type[OutboxItem] | type[ChannelDelivery]


def claim_leased(
    session: Session, table: Leased, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """Claim due rows with a conditional update; SKIP LOCKED keeps PostgreSQL workers apart.

    A claimed row carries a lease; if the worker dies before it marks the row, the lease runs out
    and the next claim picks the row up again, so a crash between claim and send loses nothing.
    """
    due = (
        table.status == "pending",
        table.next_attempt_at <= now,
        or_(table.lease_until.is_(None), table.lease_until < now),
    )
    candidates = select(table.id).where(*due).order_by(table.id).limit(limit).with_for_update(skip_locked=True)
    return list(
        session.scalars(
            update(table)
            .where(table.id.in_(candidates.scalar_subquery()), *due)
            .values(lease_until=now + lease, claimed_by=worker, attempts=table.attempts + 1)
            .returning(table.id)
        ).all()
    )


def release_leased(session: Session, table: Leased, row_id: int, worker: str, values: dict[str, Any]) -> bool:
    """Record the outcome and drop the lease; only the worker that holds the claim may.
    False if the claim was lost (the lease ran out and another worker took the row)."""
    result = session.execute(
        update(table)
        .where(table.id == row_id, table.claimed_by == worker, table.status == "pending")
        .values(lease_until=None, claimed_by=None, **values)
    )
    return bool(getattr(result, "rowcount", 0))


def claim_outbox(
    session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[tuple[OutboxItem, Event]]:
    """Claim due webhook deliveries (claim_leased) with their events."""
    ids = claim_leased(session, OutboxItem, worker=worker, now=now, lease=lease, limit=limit)
    if not ids:
        return []
    rows = session.execute(
        select(OutboxItem, Event)
        .join(Event, Event.id == OutboxItem.event_id)
        .where(OutboxItem.id.in_(ids))
        .order_by(OutboxItem.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(item, event) for item, event in rows]


def finish_delivery(
    session: Session,
    item_id: int,
    worker: str,
    *,
    sent: bool,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Record the outcome; only the worker that holds the claim may. False if the claim was lost."""
    values: dict[str, Any] = {}
    if sent:
        values.update(status="sent", sent_at=now, last_error=None)
    elif retry_at is None:
        values.update(status="dead", last_error=error)
    else:
        values.update(next_attempt_at=retry_at, last_error=error)
    return release_leased(session, OutboxItem, item_id, worker, values)


def heartbeat(session: Session, name: str, now: datetime) -> None:
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, last_seen=now))
    else:
        row.last_seen = now


def last_worker_seen(session: Session) -> datetime | None:
    return session.scalar(select(func.max(WorkerHeartbeat.last_seen)))


# -- API keys ----------------------------------------------------------------------------------------


def api_key_by_prefix(session: Session, prefix: str) -> tuple[ApiKey, bool | None] | None:
    """The key and whether its agent is active (None for a key of no agent)."""
    found = session.execute(_api_key(), {"prefix": prefix}).first()
    return None if found is None else (found[0], found[1])


def agents(session: Session) -> Sequence[Agent]:
    return session.scalars(select(Agent).order_by(Agent.created_at, Agent.id)).all()
