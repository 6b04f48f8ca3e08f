"""Every setting is documented in docs/settings.md, and the docs name no setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from humantouch.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`HUMANTOUCH_([A-Z0-9_]+)`", text)) - {"CONFIG"}
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "undocumented settings"
    assert documented - fields == set(), "documented settings that do not exist"
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is not None and not isinstance(default, bool):
            assert str(default) in text, f"the default of {name} ({default}) is not in docs/settings.md"
