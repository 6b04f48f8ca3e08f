"""The channel delivery worker: claims due `channel_deliveries`, delivers them, records the outcome.

Same pattern and settings as the webhook worker (webhooks.WorkerConfig): a lease per claim,
exponential back-off, `dead` after max_attempts. A channel that is not configured, or a
conversation on a channel without outbound delivery (an integration that reads replies from the
API), gives `skipped` with the reason in last_error.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from humantouch.channels import Channel, Delivered, handoff
from humantouch.errors import DeliveryError
from humantouch.service import outbound
from humantouch.storage import Database, utcnow
from humantouch.storage.tables import ChannelDelivery
from humantouch.webhooks import RunStats, WorkerConfig, backoff_delay, poll_until

log = logging.getLogger("humantouch.channels")


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        config: WorkerConfig,
        *,
        briefing: handoff.BriefingSource = handoff.no_briefing,
        agent_language: str = "nl",
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.channels = channels
        self.config = config
        self.briefing = briefing
        self.agent_language = agent_language
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}:channels"
        self.clock = clock

    def run_once(self) -> RunStats:
        stats = RunStats()
        with self.db.write() as session:
            batch = outbound.claim(
                session, worker=self.name, now=self.clock(), lease=self.config.lease, limit=self.config.batch_size
            )
        stats.claimed = len(batch)
        for row in batch:
            self._deliver(row, stats)
        return stats

    def run_forever(self, stop: threading.Event) -> None:
        poll_until(stop, self.run_once, self.config, f"channel delivery worker {self.name}")

    def _deliver(self, row: ChannelDelivery, stats: RunStats) -> None:
        with self.db.read() as session:
            found = outbound.outbound(session, row)
            reasons = outbound.handoff_reasons(session, row) if row.kind == "handoff" else []
            last_text = outbound.last_customer_text(session, row.conversation_id) if row.kind == "handoff" else None
        if found is None:
            self._finish(row, stats, status="skipped", error="skipped: the conversation no longer exists")
            return
        name, item = found
        if item.kind == "message" and item.message is None:
            self._finish(row, stats, status="skipped", channel=name, error="skipped: the message no longer exists")
            return
        channel = self.channels.get(name)
        if channel is None:
            reason = f"skipped: no outbound channel {name!r} is configured"
            self._finish(row, stats, status="skipped", channel=name, error=reason)
            return
        if item.kind == "handoff":
            text = self.briefing(row.conversation_id)
            item = replace(item, note=handoff.note(text, item.conversation, reasons, last_text, self.agent_language))
        try:
            result = channel.deliver(item)
        except DeliveryError as exc:
            self._failed(row, stats, name, str(exc), permanent=exc.permanent, done=item.done + exc.done)
            return
        except Exception as exc:  # a channel bug must not stall the queue: logged, recorded, retried
            log.exception("channel %s failed on delivery %s", name, row.id)
            self._failed(row, stats, name, f"{type(exc).__name__}: {exc}", permanent=False, done=item.done)
            return
        self._succeeded(row, stats, name, result)

    def _succeeded(self, row: ChannelDelivery, stats: RunStats, name: str, result: Delivered) -> None:
        status = "skipped" if result.skipped else "sent"
        error = f"skipped: {result.skipped}" if result.skipped else None
        now = self.clock()
        with self.db.write() as session:
            ok = outbound.finish(
                session,
                row.id,
                self.name,
                status=status,
                now=now,
                channel=name,
                error=error,
                external_id=result.external_id,
            )
            if ok and result.thread is not None and result.thread.key:
                outbound.remember(
                    session, name, result.thread.key, row.conversation_id, row.customer_id, result.thread.data
                )
        stats.sent += ok
        stats.lost_claims += not ok

    def _failed(
        self, row: ChannelDelivery, stats: RunStats, name: str, error: str, *, permanent: bool, done: tuple[str, ...]
    ) -> None:
        now = self.clock()
        if permanent or row.attempts >= self.config.max_attempts:
            log.warning("channel delivery %s via %s gave up after %d attempts: %s", row.id, name, row.attempts, error)
            ok = self._finish(row, stats, status="dead", channel=name, error=error, progress=done)
            stats.dead += ok
        else:
            retry_at = now + backoff_delay(row.attempts, self.config)
            ok = self._finish(row, stats, status="pending", channel=name, error=error, retry_at=retry_at, progress=done)
            stats.retried += ok

    def _finish(
        self,
        row: ChannelDelivery,
        stats: RunStats,
        *,
        status: str,
        channel: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
        progress: tuple[str, ...] = (),
    ) -> bool:
        with self.db.write() as session:
            ok = outbound.finish(
                session,
                row.id,
                self.name,
                status=status,
                now=self.clock(),
                channel=channel,
                error=error,
                retry_at=retry_at,
                progress=progress,
            )
        if status == "skipped":
            stats.sent += ok
        if not ok:
            stats.lost_claims += 1
        return ok
