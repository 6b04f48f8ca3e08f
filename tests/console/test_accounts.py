"""Sign-ins outside the pages: the `agents set-password` command and the demo accounts."""

from __future__ import annotations

import io

import pytest

from humantouch import cli
from humantouch.console import accounts
from humantouch.errors import AuthError
from humantouch.service import Service, agents
from humantouch.service.demo import seed
from humantouch.storage import Database
from tests.support.fixtures import ADMIN


def test_set_password_command_reads_stdin_and_the_agent_can_sign_in(
    svc: Service, db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_id = agents.create(svc, ADMIN, "Iris", languages=["nl"], intents=[])["id"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    argv = ["agents", "set-password", agent_id, "--email", "Iris@Example.test", "--role", "supervisor"]
    assert cli.main([*argv, "--password-stdin", "--database-url", database_url]) == 0
    assert "password set" in capsys.readouterr().out
    token = accounts.sign_in(svc, "iris@example.test", "a-long-enough-password")
    person = accounts.person(svc, token)
    assert person is not None and person.role == "supervisor" and person.leads
    with pytest.raises(AuthError):
        accounts.sign_in(svc, "iris@example.test", "wrong-password-here")
    with pytest.raises(AuthError):
        accounts.sign_in(svc, "nobody@example.test", "a-long-enough-password")


def test_a_short_password_is_refused_by_the_command(
    svc: Service, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_id = agents.create(svc, ADMIN, "Iris", languages=["nl"], intents=[])["id"]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["agents", "set-password", agent_id, "--email", "i@example.test", "--password-stdin"]
    assert cli.main([*argv, "--database-url", database_url]) == 2
    assert "HT-IN-PASSWORD" in capsys.readouterr().err


def test_demo_accounts_are_created_once(svc: Service) -> None:
    seed(svc)
    first = accounts.seed_demo(svc, ADMIN)
    assert {role for _, _, role in first} == {"agent", "supervisor"}
    email, password, _ = first[0]
    token = accounts.sign_in(svc, email, password)
    assert accounts.seed_demo(svc, ADMIN) == first
    assert accounts.person(svc, token) is not None  # the second run did not reset passwords or sessions
