from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from humantouch.cli import main
from tests.test_playbook import MINIMAL


def test_train_reports_the_pinned_weight_and_cross_validates_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUMANTOUCH_CACHE_DIR", str(tmp_path))
    book = tmp_path / "playbook.yaml"
    book.write_text(yaml.safe_dump({**MINIMAL, "classifier": {"embedding_weight": 3.0}}))
    assert main(["train", "--profile", "test", "--playbook", str(book)]) == 0
    assert json.loads(capsys.readouterr().out)["embedding_weight"] == 3.0
    assert main(["train", "--profile", "test", "--playbook", str(book), "--cross-validate"]) == 0
    chosen = json.loads(capsys.readouterr().out)
    assert chosen["embedding_weight"] in (1.0, 2.0)  # the cross-validation candidates, not the pin
    assert chosen["head"] in ("svm", "logistic")
    assert all(Path(f).parent == tmp_path for f in chosen["cache_files"])
