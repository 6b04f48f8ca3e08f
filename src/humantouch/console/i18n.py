"""The console's words in Dutch and English, kept as data in messages.yaml.

A missing translation falls back to English and then to the key itself, so a page never
breaks on a word; tests/console/test_i18n.py checks that every key the templates use exists
in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("humantouch.console").joinpath("messages.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


@dataclass(frozen=True, slots=True)
class Translator:
    language: str

    def __call__(self, key: str, **values: Any) -> str:
        entry = catalogue().get(key)
        text = (entry.get(self.language) or entry.get("en") or key) if entry else key
        return text.format(**values) if values else text

    def label(self, prefix: str, value: object) -> str:
        """A translated label for a data value (e.g. route 'human'), or the value itself."""
        key = f"{prefix}.{value}"
        return self(key) if key in catalogue() else str(value).replace("_", " ")


def choose(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
