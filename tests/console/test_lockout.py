"""Password guessing is slowed twice: a lock per account (in the database) and a throttle per address."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from humantouch.api import create_app
from humantouch.console import accounts
from humantouch.console.accounts import SignInLockedError, SignInPolicy
from humantouch.errors import AuthError
from humantouch.service import Service, agents
from humantouch.storage.tables import Agent, Event
from tests.console.conftest import csrf_of
from tests.support.fixtures import ADMIN

PASSWORD = "correct-horse-battery"
POLICY = SignInPolicy(lockout_attempts=3, lockout_minutes=10)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(svc: Service) -> tuple[Service, Clock, str]:
    clock = Clock()
    timed = dataclasses.replace(svc, clock=clock)
    agent_id = agents.create(timed, ADMIN, "Iris", languages=["nl"], intents=[])["id"]
    accounts.set_password(timed, ADMIN, agent_id, PASSWORD, email="iris@example.test")
    return timed, clock, agent_id


def _wrong(svc: Service, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthError) as caught:
            accounts.sign_in(svc, "iris@example.test", "not-the-password", POLICY)
        assert not isinstance(caught.value, SignInLockedError)


def test_too_many_wrong_passwords_lock_the_account_even_for_the_right_one(
    clocked: tuple[Service, Clock, str],
) -> None:
    svc, clock, agent_id = clocked
    _wrong(svc, 3)
    with pytest.raises(SignInLockedError) as locked:
        accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)
    assert locked.value.minutes == 10 and locked.value.code == "HT-AUTH-LOCKED"
    with svc.db.read() as session:
        kinds = session.scalars(select(Event.type).where(Event.type == "agent.locked")).all()
        assert kinds == ["agent.locked"]
    clock.now += timedelta(minutes=9)
    with pytest.raises(SignInLockedError):
        accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)
    clock.now += timedelta(minutes=2)  # the lock has run out
    token = accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)
    assert accounts.person(svc, token) is not None
    with svc.db.read() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None and agent.failed_sign_ins == 0 and agent.locked_until is None


def test_a_success_resets_the_count(clocked: tuple[Service, Clock, str]) -> None:
    svc, _, _ = clocked
    _wrong(svc, 2)
    accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)
    _wrong(svc, 2)  # 2 + 2 wrong, but never 3 in a row
    accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)


def test_a_new_password_lifts_the_lock(clocked: tuple[Service, Clock, str]) -> None:
    svc, _, agent_id = clocked
    _wrong(svc, 3)
    with pytest.raises(SignInLockedError):
        accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)
    accounts.set_password(svc, ADMIN, agent_id, "another-long-password")
    assert accounts.sign_in(svc, "iris@example.test", "another-long-password", POLICY)


def test_unknown_addresses_lock_nothing(clocked: tuple[Service, Clock, str]) -> None:
    svc, _, _ = clocked
    for _ in range(5):
        with pytest.raises(AuthError) as caught:
            accounts.sign_in(svc, "nobody@example.test", PASSWORD, POLICY)
        assert not isinstance(caught.value, SignInLockedError)
    assert accounts.sign_in(svc, "iris@example.test", PASSWORD, POLICY)


def _post(client: TestClient, password: str) -> tuple[int, str, dict[str, str]]:
    token = csrf_of(client.get("/console/login").text)
    r = client.post("/console/login", data={"email": "iris@example.test", "password": password, "csrf": token})
    return r.status_code, r.text, dict(r.headers)


def test_the_sign_in_page_says_the_account_is_locked(clocked: tuple[Service, Clock, str]) -> None:
    svc, _, _ = clocked
    app = create_app(svc, sign_in=SignInPolicy(lockout_attempts=2, lockout_minutes=5, per_minute=100, burst=100))
    with TestClient(app, follow_redirects=False) as client:
        assert _post(client, "wrong-password-1")[0] == 401
        assert _post(client, "wrong-password-2")[0] == 401
        status, text, headers = _post(client, PASSWORD)
    assert status == 429
    assert "geblokkeerd" in text or "locked" in text
    assert headers["retry-after"] == "300"


def test_the_sign_in_page_throttles_one_address(clocked: tuple[Service, Clock, str]) -> None:
    svc, _, _ = clocked
    app = create_app(svc, sign_in=SignInPolicy(lockout_attempts=50, per_minute=1, burst=3))
    with TestClient(app, follow_redirects=False) as client:
        statuses = [_post(client, "wrong-password")[0] for _ in range(3)]
        status, text, headers = _post(client, PASSWORD)
    assert statuses == [401, 401, 401]
    assert status == 429, "the fourth attempt within the burst of 3 is throttled, even with the right password"
    assert "Te veel aanmeldpogingen" in text or "Too many sign-in attempts" in text
    assert int(headers["retry-after"]) >= 1
