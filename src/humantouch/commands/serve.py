"""`humantouch serve`: the HTTP API, with the webhook worker in a thread unless told otherwise.

With `--processes N` (N > 1) uvicorn starts N API processes on one port; each builds its own
engine and connection pool from the same settings (`app_from_env`), while this process keeps
the demo seeding, the migration check and the webhook worker, so they happen once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from humantouch.console.accounts import SignInPolicy
from humantouch.models import PROFILES
from humantouch.settings import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from humantouch.channels.worker import DeliveryWorker
    from humantouch.engine import Engine
    from humantouch.privacy.crypto import KeyRing
    from humantouch.service import Service
    from humantouch.service.batching import BatchingTriager
    from humantouch.service.ports import Triager
    from humantouch.storage import Database

log = logging.getLogger("humantouch.serve")

WORKER_SILENCE = timedelta(minutes=2)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API (and the webhook worker)",
        description="Run the HTTP API. Settings come from HUMANTOUCH_* variables and HUMANTOUCH_CONFIG "
        "(docs/settings.md); the flags below override them.",
    )
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--processes", type=int, help="API processes sharing the port (default 1)")
    parser.add_argument(
        "--demo",
        action="store_true",
        default=None,
        help="migrate, seed demo customers and conversations, and print a demo admin key",
    )
    parser.add_argument("--playbook", help="playbook YAML (default: the packaged playbook)")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="model profile")
    parser.add_argument("--database-url", help="override HUMANTOUCH_DATABASE_URL")
    parser.add_argument(
        "--no-worker",
        dest="worker_in_serve",
        action="store_false",
        default=None,
        help="do not run the webhook worker in this process (run `humantouch worker`)",
    )
    parser.set_defaults(run=run)


FLAGS = ("host", "port", "processes", "demo", "playbook", "profile", "database_url", "worker_in_serve")


def run(args: argparse.Namespace) -> int:
    overrides = {name: getattr(args, name) for name in FLAGS}
    settings = load_settings(**{("api_processes" if k == "processes" else k): v for k, v in overrides.items()})
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return serve(settings)


@dataclass
class Built:
    app: FastAPI
    service: Service
    triager: BatchingTriager


def build(settings: Settings) -> Built:
    """One API process: database pool, engine (loaded once), batching triager, app."""
    from threadpoolctl import threadpool_limits

    from humantouch import channels
    from humantouch.api import create_app
    from humantouch.api.ratelimit import Limit
    from humantouch.engine import Engine
    from humantouch.models import limit_threads
    from humantouch.service.batching import BatchingTriager
    from humantouch.storage import Database

    db = Database(
        settings.database_url, pool_size=settings.database_pool_size, write_group_size=settings.write_group_size
    )
    db.check_migrated()
    engine = Engine.load(settings.playbook, settings.profile)
    # Native thread pools (OpenMP, BLAS) spin while waiting for work; next to many request threads
    # on few cores that spinning cost half the CPU of a request. Batches and processes scale instead.
    threadpool_limits(limits=settings.engine_threads)
    limit_threads(engine.encoders, settings.engine_threads)  # the USE encoder sets its own per call
    triager = BatchingTriager(
        engine, max_batch=settings.triage_batch_size, max_wait=settings.triage_batch_wait_ms / 1000
    )
    svc = service_from(settings, db, engine, triager)
    app = create_app(
        svc,
        max_request_bytes=settings.max_request_bytes,
        on_shutdown=[triager.close, db.log_groups, db.dispose],
        channels=channels.from_settings(settings),
        path_limits=channel_path_limits(settings),
        rate_limit=Limit(settings.rate_limit_per_minute, settings.rate_limit_burst),
        sign_in=SignInPolicy(
            lockout_attempts=settings.console_lockout_attempts,
            lockout_minutes=settings.console_lockout_minutes,
            per_minute=settings.console_sign_in_per_minute,
            burst=settings.console_sign_in_burst,
        ),
        console_timezone=settings.console_timezone,
        key_cache_seconds=settings.api_key_cache_seconds,
    )
    log.info(
        "API process %d ready (playbook %s, profile %s, engine loaded in %.1fs)",
        os.getpid(),
        engine.playbook.name,
        settings.profile,
        engine.load_seconds,
    )
    return Built(app, svc, triager)


def service_from(settings: Settings, db: Database, engine: Engine, triager: Triager | None = None) -> Service:
    """The Service every entry point builds the same way (serve, e-mail ingest): webhook targets,
    feedback, data keys, the knowledge base and the briefing language all come from the settings."""
    from humantouch.feedback.config import FeedbackConfig
    from humantouch.knowledge import index_for, load_articles
    from humantouch.service import Service

    return Service(
        db=db,
        engine=triager if triager is not None else engine,
        webhook_targets=(settings.webhook_url,) if settings.webhook_url else (),
        feedback=FeedbackConfig.from_settings(settings),
        data_keys=data_key_ring(settings),
        knowledge=index_for(
            load_articles(settings.knowledge),
            engine.encoders[0],
            engine.playbook.thresholds,
            engine.spec.max_embed_chars,
        ),
        briefing_language=settings.briefing_language,
    )


def data_key_ring(settings: Settings) -> KeyRing | None:
    from humantouch.privacy.crypto import load_ring

    secret = settings.data_keys.get_secret_value() if settings.data_keys is not None else None
    return load_ring(secret, settings.data_key_file)


def app_from_env() -> FastAPI:
    """uvicorn's factory for each of several API processes; settings come from the environment."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return build(load_settings()).app


def serve(settings: Settings) -> int:
    import uvicorn

    from humantouch.migrations import upgrade
    from humantouch.service.demo import seed
    from humantouch.storage import Database
    from humantouch.webhooks import Worker, config_from

    db = Database(settings.database_url, pool_size=2)
    if settings.demo:
        upgrade(db.engine)
    db.check_migrated()

    built = None
    if settings.api_processes == 1 or settings.demo:
        built = build(settings)
    if settings.demo:
        assert built is not None
        demo = seed(built.service)
        print(
            f"demo data {'created' if demo.created else 'already there'}; demo admin key: {demo.admin_key}",
            file=sys.stderr,
        )
        print(
            f"try: curl -H 'Authorization: Bearer {demo.admin_key}' http://{settings.host}:{settings.port}/v1/queue",
            file=sys.stderr,
        )
        from humantouch.console.accounts import seed_demo
        from humantouch.service.context import SYSTEM

        print(f"console: http://{settings.host}:{settings.port}/console/ (demo sign-ins below)", file=sys.stderr)
        for email, password, role in seed_demo(built.service, SYSTEM):
            print(f"  {role:<10} {email}  password: {password}", file=sys.stderr)
        if settings.api_processes > 1:
            built.triager.close()
            built = None

    stop = threading.Event()
    worker_thread = None
    threads = []
    if settings.worker_in_serve:
        worker = Worker(db, config_from(settings))
        worker_thread = threading.Thread(target=worker.run_forever, args=(stop,), name="webhook-worker", daemon=True)
        worker_thread.start()
        deliveries = delivery_worker(settings, db)
        threads.append(
            threading.Thread(target=deliveries.run_forever, args=(stop,), name="channel-worker", daemon=True)
        )
        threads[-1].start()
        from humantouch.commands.worker import start_purger

        start_purger(db, settings, stop)
    elif settings.webhook_url:
        warn_if_no_worker(db)

    log.info(
        "humantouch on http://%s:%d (%d API process%s)",
        settings.host,
        settings.port,
        settings.api_processes,
        "" if settings.api_processes == 1 else "es",
    )
    server = uvicorn_options(settings, server_parts())
    try:
        if built is not None:
            uvicorn.run(built.app, **server)
        else:
            # The API processes read their settings from the environment: pass on what the flags
            # changed, and keep the one-off work (demo, worker) here.
            os.environ.update(_as_env(settings))
            uvicorn.run(
                "humantouch.commands.serve:app_from_env", factory=True, workers=settings.api_processes, **server
            )
    finally:
        stop.set()
        if worker_thread is not None:
            worker_thread.join(timeout=10)
        for thread in threads:
            thread.join(timeout=10)
        db.dispose()
    return 0


def uvicorn_options(settings: Settings, parts: dict[str, str]) -> dict[str, Any]:
    """uvicorn's options for every API process. Proxy headers are believed only from the addresses in
    forwarded_allow_ips: uvicorn's own default trusts 127.0.0.1 (and FORWARDED_ALLOW_IPS), which a
    setting nobody reads would leave on by accident."""
    proxies = settings.forwarded_allow_ips
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": settings.access_log,
        "http": parts["http"],
        "loop": parts["loop"],
        "proxy_headers": proxies is not None,
        "forwarded_allow_ips": proxies,
    }


def server_parts() -> dict[str, str]:
    """uvicorn's HTTP parser and event loop: httptools and uvloop (C) when installed, else h11 and asyncio.

    Under load the event loop's share of a message was about a sixth of the server's CPU with h11 on
    asyncio; httptools and uvloop take most of the parsing, writing and scheduling out of Python
    (docs/benchmarks.md, "Service load"). Said here rather than left to uvicorn's "auto", so the
    choice is visible and the log says which one runs.
    """
    parts = {"http": "h11", "loop": "asyncio"}
    try:
        import httptools  # noqa: F401

        parts["http"] = "httptools"
    except ImportError:
        pass
    try:
        import uvloop  # noqa: F401

        parts["loop"] = "uvloop"
    except ImportError:
        pass
    log.info("HTTP parser %s, event loop %s", parts["http"], parts["loop"])
    return parts


def warn_if_no_worker(db: Database) -> bool:
    """Webhooks wait in the outbox until some worker runs: say so when none has checked in lately."""
    from humantouch.storage import repository as repo
    from humantouch.storage import utcnow

    with db.read() as session:
        seen = repo.last_worker_seen(session)
    if seen is not None and seen >= utcnow() - WORKER_SILENCE:
        return False
    log.warning(
        "no webhook worker has checked in %s; webhooks wait in the outbox until `humantouch worker` runs",
        "yet" if seen is None else f"since {seen:%Y-%m-%d %H:%M}",
    )
    return True


def _as_env(settings: Settings) -> dict[str, str]:
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"HUMANTOUCH_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env |= {"HUMANTOUCH_DEMO": "false", "HUMANTOUCH_WORKER_IN_SERVE": "false", "HUMANTOUCH_API_PROCESSES": "1"}
    return env


def channel_path_limits(settings: Settings) -> dict[str, int]:
    """Request size limits of the channel endpoints: raw e-mails are larger, web-chat bodies smaller."""
    return {
        "/v1/channels/email/": settings.email_max_bytes,
        "/v1/webchat/": settings.webchat_max_chars * 4 + 1024,
    }


def delivery_worker(settings: Settings, db: Database) -> DeliveryWorker:
    """The channel delivery worker; it reads stored briefings only, so it needs no triage engine."""
    from humantouch import channels
    from humantouch.channels.handoff import NoTriage, briefing_source
    from humantouch.channels.worker import DeliveryWorker
    from humantouch.service import Service
    from humantouch.webhooks import config_from

    return DeliveryWorker(
        db,
        channels.from_settings(settings),
        config_from(settings),
        briefing=briefing_source(Service(db=db, engine=NoTriage()), settings.agent_language),
        agent_language=settings.agent_language,
    )
