"""`humantouch worker`: drains the webhook outbox and delivers channel messages (e-mail, Chatwoot,
the webhook channel's reply URL); run as many as you like against one database."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from humantouch import logredact
from humantouch.errors import ConfigError
from humantouch.settings import Settings, load_settings

if TYPE_CHECKING:
    from humantouch.storage import Database


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
    from humantouch.webhooks import Worker, config_from

    settings = load_settings(database_url=args.database_url)
    if not settings.webhook_secret:
        raise ConfigError(
            "the worker signs webhooks and needs webhook_secret",
            hint="set HUMANTOUCH_WEBHOOK_SECRET",
            code="HT-CFG-WEBHOOK",
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logredact.install()
    db = Database(settings.database_url, pool_size=2)
    db.check_migrated()
    worker = Worker(db, config_from(settings))
    deliveries = delivery_worker(settings, db)
    try:
        if args.once:
            total = 0
            while (stats := worker.run_once()).claimed:
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
        worker.run_forever(stop)
        channel_thread.join(timeout=10)
    finally:
        worker.close()
        db.dispose()
    return 0
