"""Concurrent triage calls are batched, each caller gets its own answer, failures reach every caller."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from humantouch.engine import Engine
from humantouch.records import Contact, Triage
from humantouch.service.batching import BatchingTriager


class Recording:
    def __init__(self, engine: Engine, fail: bool = False) -> None:
        self.engine = engine
        self.sizes: list[int] = []
        self.fail = fail
        self.gate = threading.Event()

    @property
    def playbook(self):  # type: ignore[no-untyped-def]
        return self.engine.playbook

    def triage_many(self, contacts: Sequence[Contact]) -> list[Triage]:
        self.gate.wait(5)
        self.sizes.append(len(contacts))
        if self.fail:
            raise RuntimeError("model crashed")
        return self.engine.triage_many(list(contacts))


def test_concurrent_calls_share_batches_and_get_their_own_results(engine: Engine) -> None:
    rec = Recording(engine)
    batcher = BatchingTriager(rec, max_batch=8, max_wait=0.05)
    texts = [f"bestelling {i} is kwijt" for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(batcher.triage, Contact(text=t, id=t)) for t in texts]
        rec.gate.set()
        results = [f.result() for f in futures]
    batcher.close()
    assert [r.id for r in results] == texts
    assert sum(rec.sizes) == 20
    assert max(rec.sizes) > 1 and max(rec.sizes) <= 8


def test_a_failing_batch_fails_every_caller(engine: Engine) -> None:
    rec = Recording(engine, fail=True)
    rec.gate.set()
    batcher = BatchingTriager(rec, max_batch=4, max_wait=0.01)
    with pytest.raises(RuntimeError, match="model crashed"):
        batcher.triage(Contact(text="hoi"))
    batcher.close()
    assert batcher.playbook is engine.playbook
