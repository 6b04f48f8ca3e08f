"""`humantouch worker`: drains the webhook outbox and delivers channel messages (e-mail, Chatwoot,
the webhook channel's reply URL); run as many as you like against one database.

Webhooks are signed with webhook_secret, so the outbox is drained only when it is set (settings
refuse a webhook_url without it). Without webhooks the worker still has work: channel messages
and the retention purge."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from humantouch import logredact
from humantouch.settings import Settings, load_settings

if TYPE_CHECKING:
    from humantouch.storage import Database
    from humantouch.webhooks import Worker

log = logging.getLogger("humantouch.worker")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("worker", help="send queued webhooks and channel messages (outbox worker)")
    parser.add_argument("--once", action="store_true", help="drain what is due now and exit")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


def start_purger(db: Database, settings: Settings, stop: threading.Event) -> threading.Thread:
    """Retention runs beside the outbox worker, every purge_interval_minutes (humantouch.privacy.retention)."""
    from humantouch.privacy import retention

    thread = threading.Thread(
        target=retention.run_forever,
        args=(db, retention.policy_from(settings), timedelta(minutes=settings.purge_interval_minutes), stop),
        name="retention-purge",
        daemon=True,
    )
    thread.start()
    return thread


def run(args: argparse.Namespace) -> int:
    from humantouch.commands.serve import delivery_worker
    from humantouch.storage import Database

    settings = load_settings(database_url=args.database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logredact.install()
    db = Database(settings.database_url, pool_size=2)
    db.check_migrated()
    worker = webhook_worker(settings, db)
    deliveries = delivery_worker(settings, db)
    try:
        if args.once:
            total = 0
            while worker is not None and (stats := worker.run_once()).claimed:
                total += stats.claimed
            while (stats := deliveries.run_once()).claimed:
                total += stats.claimed
            print(f"processed {total} deliveries")
            return 0
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        channel_thread = threading.Thread(target=deliveries.run_forever, args=(stop,), name="channel-worker")
        channel_thread.start()
        start_purger(db, settings, stop)
        if worker is not None:
            worker.run_forever(stop)
        else:
            while not stop.wait(1.0):  # a timeout keeps the main thread where signals reach it
                pass
        channel_thread.join(timeout=10)
    finally:
        if worker is not None:
            worker.close()
        db.dispose()
    return 0


def webhook_worker(settings: Settings, db: Database) -> Worker | None:
    """The outbox worker, or None when webhooks are off (no webhook_secret, hence no webhook_url).

    Webhooks queued while they were on stay in the outbox, unsigned deliveries being no option:
    say how many and how to send them.
    """
    from sqlalchemy import func, select

    from humantouch.storage.tables import OutboxItem
    from humantouch.webhooks import Worker, config_from

    if settings.webhook_secret:
        return Worker(db, config_from(settings))
    with db.read() as session:
        waiting = session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending"))
    if waiting:
        log.warning(
            "%d webhooks wait in the outbox but webhook_secret is not set, so they are not sent: "
            "set HUMANTOUCH_WEBHOOK_SECRET (the one they were meant to be signed with) and restart the worker",
            waiting,
        )
    else:
        log.info("webhooks are off (no webhook_url): sending channel messages and purging only")
    return None
