"""Outside the pages: the `agents set-password` and `agents update` commands and the demo accounts."""

from __future__ import annotations

import io
import json

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


def test_agents_update_command_changes_skills_and_deactivates(
    svc: Service, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_id = agents.create(svc, ADMIN, "Iris", languages=["nl"], intents=[], capacity=3)["id"]
    accounts.set_password(svc, ADMIN, agent_id, "a-long-enough-password", email="iris@example.test")
    token = accounts.sign_in(svc, "iris@example.test", "a-long-enough-password")
    argv = ["agents", "update", agent_id, "--languages", "nl,en", "--intents", "fraud_report", "--capacity", "5"]
    assert cli.main([*argv, "--inactive", "--database-url", database_url]) == 0
    assert accounts.person(svc, token) is None  # an inactive agent's console session ends
    with pytest.raises(AuthError):
        accounts.sign_in(svc, "iris@example.test", "a-long-enough-password")
    assert "inactive, capacity 5 (load 0), languages en,nl, intents fraud_report" in capsys.readouterr().out
    got = agents.get(svc, agent_id)
    assert (got["active"], got["capacity"], got["languages"], got["intents"]) == (
        False,
        5,
        ["en", "nl"],
        ["fraud_report"],
    )
    assert (
        cli.main(["agents", "update", agent_id, "--active", "--intents", "", "--json", "--database-url", database_url])
        == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert (shown["active"], shown["intents"], shown["languages"]) == (True, [], ["en", "nl"])  # the rest kept
    assert cli.main(["agents", "update", agent_id, "--capacity", "0", "--database-url", database_url]) == 2
    assert "HT-IN-CAPACITY" in capsys.readouterr().err
    assert cli.main(["agents", "update", agent_id, "--database-url", database_url]) == 2  # nothing to change
    assert "HT-IN-EMPTY" in capsys.readouterr().err
    assert cli.main(["agents", "update", "agt_nope", "--active", "--database-url", database_url]) == 2
    assert "no agent agt_nope" in capsys.readouterr().err
    assert agents.get(svc, agent_id)["capacity"] == 5
