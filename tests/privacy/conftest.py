"""Privacy tests run on a service that keeps encrypted originals and sends webhooks to a target."""

from __future__ import annotations

import pytest

from humantouch.engine import Engine
from humantouch.privacy.crypto import KeyRing, parse_ring
from humantouch.service import Service
from humantouch.storage import Database

TEST_KEYS = "t1:" + "A" * 43 + "="


@pytest.fixture
def ring() -> KeyRing:
    return parse_ring(TEST_KEYS, "test")


@pytest.fixture
def svc(db: Database, engine: Engine, ring: KeyRing) -> Service:
    return Service(db=db, engine=engine, webhook_targets=("http://127.0.0.1:9/hook",), data_keys=ring)
