"""`humantouch worker`: drains the webhook outbox and delivers channel messages (e-mail, Chatwoot,
the webhook channel's reply URL); run as many as you like against one database."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from humantouch.errors import ConfigError
from humantouch.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("worker", help="send queued webhooks and channel messages (outbox worker)")
    parser.add_argument("--once", action="store_true", help="drain what is due now and exit")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.set_defaults(run=run)


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
        worker.run_forever(stop)
        channel_thread.join(timeout=10)
    finally:
        worker.close()
        db.dispose()
    return 0
