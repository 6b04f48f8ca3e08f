"""Micro-batching of triage calls from concurrent requests.

The text encoders are many times cheaper per message in a batch than one by one, and the
API serves each request on its own thread. This wrapper lets those threads hand their contact
to one batching thread, which waits at most `max_wait` after the first arrival for more, runs
`engine.triage_many` on up to `max_batch` contacts and hands each caller its own result.
Under light load a request waits `max_wait` at most; under heavy load batches fill at once.
It is also the one thread that touches the engine, so the engine need not be thread-safe.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Protocol

from humantouch.records import Contact, Triage
from humantouch.service.ports import SlaTable

log = logging.getLogger("humantouch.batching")


class BatchEngine(Protocol):
    @property
    def playbook(self) -> SlaTable: ...

    def triage_many(self, contacts: Sequence[Contact]) -> list[Triage]: ...


class BatchingTriager:
    def __init__(self, engine: BatchEngine, *, max_batch: int = 32, max_wait: float = 0.002) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: queue.Queue[tuple[Contact, Future[Triage]] | None] = queue.Queue()
        self.batches = 0
        self.messages = 0
        self._thread = threading.Thread(target=self._run, name="triage-batcher", daemon=True)
        self._thread.start()

    @property
    def playbook(self) -> SlaTable:
        return self.engine.playbook

    def triage(self, contact: Contact) -> Triage:
        future: Future[Triage] = Future()
        self._queue.put((contact, future))
        return future.result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        if self.batches:
            log.info(
                "triage batcher: %d messages in %d batches (%.1f per batch)",
                self.messages,
                self.batches,
                self.messages / self.batches,
            )

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            deadline = _now() + self.max_wait
            while len(batch) < self.max_batch:
                remaining = deadline - _now()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._process(batch)
            if stop:
                return

    def _process(self, batch: list[tuple[Contact, Future[Triage]]]) -> None:
        self.batches += 1
        self.messages += len(batch)
        try:
            results = self.engine.triage_many([contact for contact, _ in batch])
        except BaseException as exc:  # every waiting caller gets the failure, none hangs
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


def _now() -> float:
    return time.monotonic()
