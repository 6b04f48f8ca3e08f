"""Group commit (storage/group.py): several threads' writes in one transaction, each in a savepoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from humantouch.errors import ConflictError, NotFoundError, UnavailableError
from humantouch.migrations import upgrade
from humantouch.service import Service, customers
from humantouch.service.briefing import for_conversation
from humantouch.service.inbound import InboundMessage, receive
from humantouch.storage import Database
from humantouch.storage.group import WriteGroup
from humantouch.storage.tables import Agent, Message

Outcome = dict[int, object]


def in_one_group(group: WriteGroup, works: list[Callable[[Session], object]]) -> Outcome:
    """Run each work from its own thread, all queued before any of them leads, so one group takes them."""
    return queued_together(group, [lambda work=work: group.run(work) for work in works], timeout=10)


def queued_together(
    group: WriteGroup, calls: list[Callable[[], object]], timeout: float, *, in_order: bool = False
) -> Outcome:
    """Each call in its own thread, released only once every one has queued its write on `group`;
    what each call returned or raised, by its index. `in_order`: each thread starts once the one before
    it has queued, so the group runs the writes in the order of `calls`."""
    outcome: Outcome = {}

    def call(i: int) -> None:
        try:
            outcome[i] = calls[i]()
        except Exception as exc:  # the test looks at what each caller got
            outcome[i] = exc

    # Holding the leader's lock (as a leader busy with an earlier group would) lets them all queue.
    with group._leader:
        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
        deadline = time.monotonic() + timeout
        for i, t in enumerate(threads):
            t.start()
            while in_order and len(group._waiting) <= i:
                assert time.monotonic() < deadline
                time.sleep(0.002)
        while len(group._waiting) < len(calls):
            assert time.monotonic() < deadline
            time.sleep(0.002)
    for t in threads:
        t.join(timeout)
    return outcome


def add_agent(name: str) -> Callable[[Session], object]:
    def work(session: Session) -> object:
        session.add(Agent(id=f"agt_{name}", name=name, languages=[], intents=[], capacity=1))
        session.flush()
        return name

    return work


def agents(db: Database) -> list[str]:
    with db.read() as s:
        return sorted(s.scalars(select(Agent.name)))


def test_one_failing_write_leaves_the_others_of_its_group_stored(db: Database) -> None:
    group = WriteGroup(db, 8)

    def fails(session: Session) -> object:
        add_agent("doomed")(session)
        raise NotFoundError("no such thing", code="HT-NOTFOUND-THING")

    outcome = in_one_group(group, [add_agent("a"), fails, add_agent("b"), add_agent("c")])
    assert group.groups == 1 and group.writes == 4
    assert outcome[0] == "a" and outcome[2] == "b" and outcome[3] == "c"
    assert isinstance(outcome[1], NotFoundError)
    assert agents(db) == ["a", "b", "c"]


def test_a_failed_commit_fails_every_write_of_the_group(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    group = WriteGroup(db, 8)
    real = db.write

    @contextmanager
    def write_then_lose_the_database() -> Iterator[Session]:
        with real() as session:
            yield session
            raise UnavailableError("the database is unavailable: gone")  # before the commit: rolled back

    monkeypatch.setattr(db, "write", write_then_lose_the_database)
    outcome = in_one_group(group, [add_agent("a"), add_agent("b"), add_agent("c")])
    assert all(isinstance(got, UnavailableError) for got in outcome.values())
    assert agents(db) == []


def test_a_group_of_one_and_size_one_write_as_a_plain_transaction(db: Database) -> None:
    assert WriteGroup(db, 8).run(add_agent("a")) == "a"
    assert WriteGroup(db, 1).run(add_agent("b")) == "b"

    def fails(session: Session) -> object:
        add_agent("c")(session)
        raise NotFoundError("no such thing", code="HT-NOTFOUND-THING")

    with pytest.raises(NotFoundError):
        WriteGroup(db, 8).run(fails)
    assert agents(db) == ["a", "b"]


def test_a_write_reads_rows_as_the_writes_before_it_in_its_group_left_them(db: Database) -> None:
    """The writes of a group share one session. One may keep an ORM object it loaded alive (as a failed
    write's traceback keeps its frames), the next change that row with a plain statement (as the inbound
    write renames a customer): the write after them reads the row as stored, not the first one's object."""
    group = WriteGroup(db, 8)
    group.run(add_agent("a"))
    held: list[object] = []

    def load(session: Session) -> object:
        held.append(session.get(Agent, "agt_a"))
        return "loaded"

    def rename(session: Session) -> object:
        table = Agent.__table__
        session.connection().execute(update(table).where(table.c.id == "agt_a").values(name="renamed"))
        return "renamed"

    def read(session: Session) -> object:
        agent = session.get(Agent, "agt_a")
        return agent.name if agent is not None else None

    calls = [lambda work=work: group.run(work) for work in (load, rename, read)]
    outcome = queued_together(group, calls, timeout=10, in_order=True)
    assert group.groups == 2 and group.writes == 4  # the first add alone, then the three together
    assert outcome == {0: "loaded", 1: "renamed", 2: "renamed"}


def test_more_waiting_than_a_group_takes_go_in_several_groups(db: Database) -> None:
    group = WriteGroup(db, 2)
    outcome = in_one_group(group, [add_agent(n) for n in "abcde"])
    assert sorted(map(str, outcome.values())) == list("abcde")
    assert group.groups == 3
    assert agents(db) == list("abcde")


@pytest.fixture
def grouped_svc(tmp_path: Path, svc: Service) -> Iterator[Service]:
    db = Database(f"sqlite:///{tmp_path / 'grouped.db'}", pool_size=5, write_group_size=16)
    upgrade(db.engine)
    yield Service(db=db, engine=svc.engine, knowledge=svc.knowledge)
    db.dispose()


def test_inbound_messages_of_one_group_are_each_stored_or_refused_alone(grouped_svc: Service) -> None:
    """Through receive: a message for an unknown conversation is refused (404) without taking the
    messages written in the same transaction with it; the same idempotency key twice in one group
    stores the message once and the second caller gets the first answer."""
    svc = grouped_svc
    group = svc.db._group
    sent = [
        InboundMessage(channel="chat", sender_kind="email", sender_value=f"c{i}@example.nl", text=f"Mijn pakket {i}?")
        for i in range(3)
    ]
    sent.append(
        InboundMessage(
            channel="chat", sender_kind="email", sender_value="x@example.nl", text="hoi", conversation_id="con_nope"
        )
    )
    twice = InboundMessage(
        channel="chat", sender_kind="email", sender_value="k@example.nl", text="waar blijft het", idempotency_key="k1"
    )
    sent += [twice, twice]
    # Every caller triages first, then queues for the write.
    results = queued_together(group, [lambda m=m: receive(svc, m) for m in sent], timeout=30)
    assert group.groups >= 1 and group.writes == len(sent)
    assert isinstance(results[3], NotFoundError)
    stored = [r for i, r in results.items() if i != 3]
    assert all(hasattr(r, "response") for r in stored)
    first, second = results[4], results[5]
    assert first.response == second.response  # type: ignore[attr-defined]
    assert sorted([first.replayed, second.replayed]) == [False, True]  # type: ignore[attr-defined]
    with svc.db.read() as s:
        customer_messages = s.scalar(select(func.count()).select_from(Message).where(Message.author == "customer"))
    assert customer_messages == 4


def test_a_later_message_of_a_group_is_briefed_with_the_name_an_earlier_one_gave(grouped_svc: Service) -> None:
    """In one write group: a stranger's message naming this customer's conversation is refused (it read
    the customer's row, and its error keeps that read alive until the group ends); the customer's next
    message gives their name; the one after it goes to a person. Its briefing names them as stored."""
    svc = grouped_svc

    def sent(text: str, channel: str, **extra: str) -> InboundMessage:
        return InboundMessage(channel=channel, sender_kind="email", sender_value="jan@example.nl", text=text, **extra)

    theirs = receive(svc, sent("hoi", "email")).response["conversation"]["id"]  # a customer without a name
    stranger = InboundMessage(
        channel="email", sender_kind="email", sender_value="other@example.nl", text="hoi", conversation_id=theirs
    )
    messages = [
        stranger,
        sent("hallo", "chat", sender_name="Jan de Vries"),
        sent("Ik ruik gas in huis en mijn kinderen zijn hier", "phone"),
    ]
    outcome = queued_together(svc.db._group, [lambda m=m: receive(svc, m) for m in messages], timeout=30, in_order=True)
    assert svc.db._group.groups == 2  # the first message alone, then the three together
    assert isinstance(outcome[0], ConflictError)
    handed_over = outcome[2].response  # type: ignore[attr-defined]
    assert handed_over["conversation"]["status"] == "waiting_for_agent"
    assert customers.get(svc, handed_over["customer"]["id"])["name"] == "Jan de Vries"
    brief = for_conversation(svc, handed_over["conversation"]["id"])
    assert brief is not None
    assert brief["who"]["name"] == "Jan de Vries"
    assert brief["text"].startswith("Wie: Jan de Vries")
