from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from humantouch.cli import main


def test_triage_text_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--profile", "test", "ik ruik gas in de meterkast"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("route human")
    assert "override.safety" in out


def test_triage_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--profile", "test", "--json", "waar is mijn pakket"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["route"] in {"automate", "assist", "human"}


def test_jsonl_bad_lines_are_reported_and_the_rest_goes_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "waar is mijn pakket"}),
                "{not json",
                json.dumps({"id": 3, "text": ""}),
                json.dumps(
                    {
                        "id": 4,
                        "text": "ik wil een mens spreken",
                        "channel": "whatsapp",
                        "customer": {
                            "annual_value_eur": 1200,
                            "tenure_years": 3,
                            "segment": "premium",
                            "name": "An",
                            "form_of_address": "informal",
                        },
                    }
                ),
                json.dumps({"id": 5, "text": "hoi", "customer": {"annual_value_eur": "veel"}}),
            ]
        )
        + "\n"
    )
    code = main(["triage", "--profile", "test", "--jsonl", str(src)])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 3
    assert [x.get("id") for x in lines] == [1, None, 3, 4, 5]
    assert lines[1]["line"] == 2 and "not valid JSON" in lines[1]["error"]["message"]
    assert lines[2]["line"] == 3 and "'text'" in lines[2]["error"]["message"]
    assert lines[3]["route"] == "human"
    assert "annual_value_eur" in lines[4]["error"]["message"]


def test_jsonl_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "a", "text": "bedankt!"}\n')))
    assert main(["triage", "--profile", "test", "--jsonl", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "a"


def test_bad_playbook_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "pb.yaml"
    bad.write_text("name: x\nintents: {}\nlife_events: {}\n")
    assert main(["triage", "--profile", "test", "--playbook", str(bad), "hoi"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "intents" in err


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"recent_contacts": "3"}, "recent_contacts"),
        ({"recent_contacts": True}, "recent_contacts"),
        ({"segment": 5}, "segment"),
        ({"name": ["x"]}, "name"),
        ({"annual_value_eur": float("nan")}, "annual_value_eur"),
        ({"tenure_years": float("inf")}, "tenure_years"),
    ],
)
def test_bad_customer_fields_are_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], customer: dict[str, object], field: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "hallo", "customer": customer}) + "\n" + '{"id": 2, "text": "hoi"}\n')
    assert main(["triage", "--profile", "test", "--jsonl", str(src)]) == 3
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert field in lines[0]["error"]["message"]
    assert lines[1]["id"] == 2 and "route" in lines[1]


def test_undecodable_line_is_a_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "text": "caf\xff"}\n{"id": 2, "text": "hoi"}\n')
    assert main(["triage", "--profile", "test", "--jsonl", str(src)]) == 3
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert "UTF-8" in lines[0]["error"]["message"] and lines[1]["id"] == 2


def test_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--profile", "test", "--jsonl", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_is_a_clear_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "--profile", "test", text]) == 2
    err = capsys.readouterr().err
    assert "TEXT is empty" in err


def test_docs_cli_md_matches_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/cli.md lists the customer fields and the output fields; both must be what the command does."""
    import re

    from humantouch.commands.triage import CUSTOMER_FIELDS

    doc = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    customer_table = doc.split("`customer` fields")[1].split("Example:")[0]
    assert set(re.findall(r"^\| `(\w+)` \|", customer_table, re.M)) == CUSTOMER_FIELDS
    output = doc.split("## Output lines")[1].split("A line that cannot")[0]
    documented = {name for name in re.findall(r"`(\w+)`", output)}
    assert main(["triage", "--profile", "test", "--json", "waar blijft mijn pakket?"]) == 0
    record = json.loads(capsys.readouterr().out)
    top_level = documented - {"name", "confidence", "best_guess", "out_of_scope", "alternatives", "label", "score"}
    top_level -= {"anger", "fear", "sadness", "joy", "level", "reasons", "factor", "weight", "evidence", "TEXT"}
    top_level |= {"reasons"}
    assert top_level <= set(record), top_level - set(record)
    assert set(record) <= top_level, set(record) - top_level


def test_a_reader_that_goes_away_is_no_error(tmp_path: Path) -> None:
    """`humantouch triage --jsonl big.jsonl | head -1`: no traceback when head closes the pipe."""
    import subprocess
    import sys

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": f"waar blijft pakket {i}?"}) + "\n" for i in range(3000)))
    cmd = [sys.executable, "-m", "humantouch.cli", "triage", "--profile", "test", "--jsonl", str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, err
    assert json.loads(first)["id"] == 0
    assert "Traceback" not in err and "BrokenPipe" not in err
