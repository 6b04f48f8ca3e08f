"""Every setting is documented in docs/settings.md, and the docs name no setting that does not exist.

Besides the settings object, a few `HUMANTOUCH_*` variables are read straight from the environment
(the model cache, the evaluation data); every such name in src/ must be on the page too, in its
"Read from the environment only" section, so no variable the code reads is a secret of the source.
"""

from __future__ import annotations

import re
from pathlib import Path

from humantouch.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "settings.md"
SRC = ROOT / "src"
ENV_ONLY_SECTION = "## Read from the environment only"
NAME = re.compile(r"HUMANTOUCH_[A-Z0-9_]*[A-Z0-9]")


def documented_in(text: str) -> set[str]:
    return set(re.findall(r"`HUMANTOUCH_([A-Z0-9_]+)`", text))


def env_only_section(text: str) -> str:
    assert ENV_ONLY_SECTION in text, f"docs/settings.md lost its section {ENV_ONLY_SECTION!r}"
    rest = text.split(ENV_ONLY_SECTION, 1)[1]
    return rest.split("\n## ", 1)[0]


def names_in_source() -> dict[str, list[str]]:
    """Every HUMANTOUCH_* name in src/, with the files that hold it."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".py", ".toml", ".yaml", ".yml", ".html", ".js", ".md", ".txt") or not path.is_file():
            continue
        for name in set(NAME.findall(path.read_text(encoding="utf-8"))):
            found.setdefault(name.removeprefix("HUMANTOUCH_"), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    env_only = documented_in(env_only_section(text))
    documented = documented_in(text) - {"CONFIG"} - env_only
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "undocumented settings"
    assert documented - fields == set(), "documented settings that do not exist"
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is not None and not isinstance(default, bool):
            assert str(default) in text, f"the default of {name} ({default}) is not in docs/settings.md"


def test_every_environment_variable_in_the_source_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    in_source = names_in_source()
    assert {"CACHE_DIR", "DATA_DIR", "DATABASE_URL"} <= set(in_source)  # the scan finds what is there
    missing = {f"HUMANTOUCH_{n}": files for n, files in in_source.items() if n not in documented_in(text)}
    assert not missing, f"read in src/ but not in docs/settings.md: {missing}"
    fields = {name.upper() for name in Settings.model_fields}
    env_only = documented_in(env_only_section(text))
    assert env_only & fields == set(), "a setting of the settings object is listed as environment-only"
    assert env_only - set(in_source) == set(), "environment-only variables the source no longer reads"
