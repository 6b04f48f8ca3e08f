"""Outgoing webhooks: the outbox worker, HMAC-SHA256 signatures and retries with back-off.

A delivery is claimed from the database with a lease (see repository.claim_outbox), sent,
and then marked by the worker that holds the claim. Two workers never hold one row at once;
a worker that dies after claiming leaves a lease that runs out, and the row is sent again.
Delivery is therefore at least once: receivers dedupe on the X-Humantouch-Delivery header.

Signature: hex HMAC-SHA256 over `<timestamp>.<body>` with the shared secret, sent as
`X-Humantouch-Signature: sha256=<hex>` beside `X-Humantouch-Timestamp`; `verify()` shows
a receiver how to check it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from humantouch.service.views import iso
from humantouch.settings import Settings
from humantouch.storage import Database, utcnow
from humantouch.storage import repository as repo
from humantouch.storage.tables import Event, OutboxItem

log = logging.getLogger("humantouch.webhooks")

SIGNATURE_HEADER = "X-Humantouch-Signature"
TIMESTAMP_HEADER = "X-Humantouch-Timestamp"
MAX_SKEW_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None) -> bool:
    """What a receiver does: recompute, compare in constant time, refuse stale timestamps."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= MAX_SKEW_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature)


def body_of(event: Event) -> bytes:
    document = {
        "id": event.id,
        "type": event.type,
        "created_at": iso(event.created_at),
        "data": event.payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    secret: str
    batch_size: int = 20
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    backoff: timedelta = timedelta(seconds=5)
    backoff_max: timedelta = timedelta(hours=1)
    timeout_seconds: float = 5.0
    poll_seconds: float = 1.0


def backoff_delay(attempt: int, config: WorkerConfig) -> timedelta:
    """Exponential: backoff, 2x, 4x ... capped at backoff_max; `attempt` counts from 1."""
    seconds = config.backoff.total_seconds() * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, config.backoff_max.total_seconds()))


@dataclass(slots=True)
class RunStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost_claims: int = 0


def poll_until(stop: threading.Event, run_once: Callable[[], RunStats], config: WorkerConfig, label: str) -> None:
    """A leased-claim worker's loop: drain while full batches come, wait between polls, and keep
    going after a failed run (a database hiccup), whose traceback is logged."""
    log.info("%s started", label)
    while not stop.is_set():
        try:
            stats = run_once()
        except Exception:
            log.exception("%s: run failed, retrying", label)
            stop.wait(config.poll_seconds)
            continue
        if stats.claimed < config.batch_size:
            stop.wait(config.poll_seconds)


class Worker:
    def __init__(
        self,
        db: Database,
        config: WorkerConfig,
        *,
        client: httpx.Client | None = None,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.config = config
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=config.timeout_seconds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock
        # Test seam: called after a batch is claimed and before anything is sent.
        self.after_claim: Callable[[list[tuple[OutboxItem, Event]]], None] | None = None

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def run_once(self) -> RunStats:
        stats = RunStats()
        now = self.clock()
        with self.db.write() as session:
            repo.heartbeat(session, self.name, now)
            batch = repo.claim_outbox(
                session, worker=self.name, now=now, lease=self.config.lease, limit=self.config.batch_size
            )
        stats.claimed = len(batch)
        if self.after_claim is not None:
            self.after_claim(batch)
        for item, event in batch:
            self._deliver(item, event, stats)
        return stats

    def run_forever(self, stop: threading.Event) -> None:
        poll_until(stop, self.run_once, self.config, f"webhook worker {self.name}")
        self.close()

    def _deliver(self, item: OutboxItem, event: Event, stats: RunStats) -> None:
        body = body_of(event)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "humantouch-webhooks",
            "X-Humantouch-Event": event.type,
            "X-Humantouch-Delivery": str(event.id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.config.secret, timestamp, body),
        }
        error: str | None = None
        try:
            response = self.client.post(item.target, content=body, headers=headers)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        if error is None:
            ok = self._finish(item, sent=True, now=now)
            stats.sent += ok
        elif item.attempts >= self.config.max_attempts:
            target = _redact(item.target)
            log.warning("webhook %s to %s gave up after %d attempts: %s", event.id, target, item.attempts, error)
            ok = self._finish(item, sent=False, now=now, error=error)
            stats.dead += ok
        else:
            retry_at = now + backoff_delay(item.attempts, self.config)
            ok = self._finish(item, sent=False, now=now, error=error, retry_at=retry_at)
            stats.retried += ok
        stats.lost_claims += not ok

    def _finish(
        self,
        item: OutboxItem,
        *,
        sent: bool,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:
        with self.db.write() as session:
            return repo.finish_delivery(session, item.id, self.name, sent=sent, now=now, error=error, retry_at=retry_at)


def _redact(url: str) -> str:
    """A target for the log: scheme, host and path; a token in the query or user info stays out."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}{f':{parsed.port}' if parsed.port else ''}{parsed.path}"


def config_from(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        secret=settings.webhook_secret or "",
        batch_size=settings.worker_batch_size,
        lease=timedelta(seconds=settings.worker_lease_seconds),
        max_attempts=settings.worker_max_attempts,
        backoff=timedelta(seconds=settings.worker_backoff_seconds),
        backoff_max=timedelta(seconds=settings.worker_backoff_max_seconds),
        timeout_seconds=settings.webhook_timeout_seconds,
        poll_seconds=settings.worker_poll_seconds,
    )
