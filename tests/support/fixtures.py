"""Database fixtures: every test gets its own SQLite file, or its own PostgreSQL schema.

Tests that take `db` (or anything built on it) run twice: on SQLite, and on PostgreSQL when
HUMANTOUCH_TEST_POSTGRES_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test);
without it the PostgreSQL half is skipped with a notice. Each PostgreSQL test migrates a fresh
schema of its own and drops it afterwards, so parallel CI runs on one database do not collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from humantouch.api import create_app
from humantouch.engine import Engine
from humantouch.knowledge import KnowledgeIndex, index_for, load_articles
from humantouch.migrations import upgrade
from humantouch.service import Actor, Service, agents, keys
from humantouch.storage import Database

PG_ENV = "HUMANTOUCH_TEST_POSTGRES_URL"
ADMIN = Actor(key_id="test", role="admin")


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(profile="test")


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def skip_without_postgres() -> None:
    if postgres_url() is None:
        pytest.skip(f"PostgreSQL not given: set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'humantouch.db'}"
        return
    skip_without_postgres()
    with fresh_schema() as url:
        yield url


class fresh_schema:
    """A new schema on the test PostgreSQL, dropped on exit; the URL pins search_path to it."""

    def __init__(self) -> None:
        base = postgres_url()
        assert base is not None
        self.base = base
        self.schema = f"ht_test_{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        admin = create_engine(self.base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        admin.dispose()
        url = make_url(self.base).update_query_dict({"options": f"-csearch_path={self.schema}"})
        return url.render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        admin = create_engine(self.base)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    # Group commit as `serve` has it by default (SQLite; PostgreSQL ignores it): storage/group.py.
    database = Database(database_url, pool_size=5, write_group_size=16)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def knowledge(engine: Engine) -> KnowledgeIndex:
    return index_for(load_articles(), engine.encoders[0], engine.playbook.thresholds)


@pytest.fixture
def svc(db: Database, engine: Engine, knowledge: KnowledgeIndex) -> Service:
    return Service(db=db, engine=engine, knowledge=knowledge)


@pytest.fixture
def agent_id(svc: Service) -> str:
    return str(agents.create(svc, ADMIN, "Anna", languages=["nl", "en"], intents=[], capacity=5)["id"])


class Api:
    """A TestClient plus one key per role."""

    def __init__(self, app: FastAPI, client: TestClient, keys_by_role: dict[str, str], svc: Service) -> None:
        self.app = app
        self.client = client
        self.keys = keys_by_role
        self.svc = svc

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def post(
        self, path: str, json: object = None, role: str = "admin", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.client.post(path, json=json, headers=self.headers(role) | (headers or {}))

    def patch(self, path: str, json: object, role: str = "admin") -> httpx.Response:
        return self.client.patch(path, json=json, headers=self.headers(role))

    def get(self, path: str, role: str = "admin", params: dict[str, object] | None = None) -> httpx.Response:
        return self.client.get(path, headers=self.headers(role), params=params)  # type: ignore[arg-type]


@pytest.fixture
def api(svc: Service, agent_id: str) -> Iterator[Api]:
    made = {
        role: keys.create(svc.db, role, f"test {role}").plaintext for role in ("integration", "supervisor", "admin")
    }
    made["agent"] = keys.create(svc.db, "agent", "test agent", agent_id=agent_id).plaintext
    app = create_app(svc, max_request_bytes=8192)
    with TestClient(app) as client:
        yield Api(app, client, made, svc)
