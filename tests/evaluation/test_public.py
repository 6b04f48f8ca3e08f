"""`humantouch eval banking77-10shot` on a small BANKING77-shaped folder, with the in-package doubles."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from humantouch.cli import main

TOPICS = {
    "card_arrival": ["where is my new card {}", "my card has not arrived yet {}", "card still not delivered {}"],
    "lost_or_stolen_card": ["my card was stolen {}", "I lost my card {}", "someone took my card {}"],
    "top_up_failed": ["my top up failed {}", "top-up did not work {}", "could not top up my account {}"],
}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "banking77"
    folder.mkdir()
    for name, per_topic in (("train.csv", 12), ("test.csv", 3)):
        with (folder / name).open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "category"])
            for label, forms in TOPICS.items():
                for i in range(per_topic):
                    writer.writerow([forms[i % len(forms)].format(f"{name[:4]} {i}"), label])
    return tmp_path


def test_the_10shot_seeds_are_chosen_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _folder(tmp_path)
    assert main(["eval", "banking77-10shot", "--profile", "test", "--data", str(data), "--json", "--seeds", "5,6"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["results"]
    assert run["seeds"] == [5, 6] and len(run["accuracy_per_seed"]) == 2
    assert 0.0 <= run["accuracy"] <= 1.0


def test_bad_seeds_are_refused_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["eval", "banking77-10shot", "--seeds", "3,x"])
    assert raised.value.code == 2
    assert "'3,x' is not a comma-separated list of whole numbers" in capsys.readouterr().err
