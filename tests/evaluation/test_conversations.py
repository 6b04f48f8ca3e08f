"""`humantouch eval conversations` on the test profile: the report's shape, and counters that fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from humantouch.cli import main
from humantouch.engine import Engine
from humantouch.evaluation.conversations import evaluate, judge, load_conversations, same_value, summarise
from humantouch.knowledge import KnowledgeIndex

PERSON = {
    "id": "nl-900",
    "language": "nl",
    "channel": "chat",
    "customer": {
        "name": "Test Persoon",
        "form_of_address": None,
        "identity": {"kind": "email", "value": "t@example.nl"},
        "profile": {},
    },
    "turns": ["Ik wil een medewerker spreken, geen chatbot."],
    "expect": {
        "outcome": "answered",  # wrong on purpose: a request for a person is never self-service
        "intent": "request_human",
        "article": "order-tracking",
        "facts": {},
        "gave_up": [],
        "person_requested_at": 0,
        "form": "u",
        "quadrant": "A",
    },
    "note": "built to fail the self-service counter",
}


def test_report_over_a_few_packaged_conversations(engine: Engine, knowledge: KnowledgeIndex) -> None:
    cases = load_conversations()
    assert len(cases) >= 60 and sum(c["language"] == "nl" for c in cases) >= 2 * len(cases) // 3
    picked = [next(c for c in cases if c["expect"]["outcome"] == o) for o in ("answered", "handoff", "human_now")]
    report = evaluate(lambda: engine, knowledge, [*picked, PERSON])
    total = report["all"]
    assert total["conversations"] == 4
    assert total["self_service"]["of"] == 2 and total["correct_handoffs"]["of"] == 2
    assert total["person_asked"] >= 1
    assert report["nl"]["conversations"] + report["en"]["conversations"] == 4
    # The person request was honoured at once, so the scripted "answered" expectation fails.
    assert total["person_asked_not_given"] == 0
    failed = {f["id"]: f for f in report["failures"]}
    assert "nl-900" in failed and any("answered from" in p for p in failed["nl-900"]["problems"])
    assert all(len(c["turns"]) >= 1 for c in report["cases"])


def _run(status: str, kind: str | None, asking: str | None) -> dict[str, Any]:
    turn = {
        "turn": 0,
        "status": status,
        "reply_kind": kind,
        "reply_text": "Wat is uw klantnummer?",
        "asking": asking,
        "retry": False,
        "asked_twice": False,
    }
    return {"turns": [turn], "state": {"facts": [], "shown": [], "tries": {}}, "briefing": None}


def test_a_person_not_given_at_once_is_counted() -> None:
    case = dict(PERSON, expect=dict(PERSON["expect"], outcome="human_now", article=None))  # type: ignore[arg-type]
    kept = judge(case, _run("intake", "intake_question", "customer_number"))
    given = judge(case, _run("waiting_for_agent", "handoff", None))
    assert kept["person_not_given"] and not kept["straight_to_person"] and not kept["correct_handoff"]
    assert not given["person_not_given"] and given["straight_to_person"]
    summary = summarise([kept, given])
    assert summary["person_asked_not_given"] == 1 and summary["straight_to_person"]["correct"] == 1


def test_facts_asked_twice_are_counted() -> None:
    run = _run("intake", "intake_question", "customer_number")
    run["turns"][0]["asked_twice"] = True
    case = dict(PERSON, expect=dict(PERSON["expect"], outcome="handoff", article=None, person_requested_at=None))  # type: ignore[arg-type]
    assert summarise([judge(case, run)])["facts_asked_twice"] == 1


@pytest.mark.parametrize(
    ("fact", "expected", "got", "same"),
    [
        ("iban", "NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", True),
        ("amount", "€ 3.950", "3950.00 EUR", True),
        ("date", "19 november", "--11-19", True),
        ("date", "gisteren", "gisteren", True),
        ("order_number", "40 12", "4012", True),
        ("place", "A28 bij Meppel", "op de A28 bij Meppel", True),
        ("postcode", "3512 JK", "3512JK", True),
        ("customer_number", "30556127", "30556128", False),
    ],
)
def test_values_are_compared_as_the_format_says(fact: str, expected: str, got: str, same: bool) -> None:
    assert same_value(fact, expected, got) is same


def test_the_command_reports_json_and_refuses_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(PERSON) + "\n", encoding="utf-8")
    assert main(["eval", "conversations", "--profile", "test", "--set", str(cases)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "test" and report["all"]["conversations"] == 1 and "cases" not in report
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["eval", "conversations", "--profile", "test", "--set", str(bad)]) != 0
    assert "'language' is missing" in capsys.readouterr().err
