"""The bot's reply templates (replies.yaml in this package): loaded once, checked, rendered.

A template is one text for both forms of address, or one per form. Every key must exist in
Dutch and English, so a missing translation fails at start-up, not in front of a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from humantouch.errors import PlaybookError
from humantouch.playbook import read_yaml

LANGUAGES = ("nl", "en")
FORMS = ("formal", "informal")
SOURCE = "<packaged>/bot/replies.yaml"


@dataclass(frozen=True, slots=True)
class Templates:
    # key -> language -> form -> text
    texts: dict[str, dict[str, dict[str, str]]]

    def render(self, key: str, lang: str, form: str, **values: str) -> str:
        try:
            by_lang = self.texts[key]
        except KeyError:
            raise KeyError(f"no reply template {key!r} in {SOURCE}") from None
        text = by_lang.get(lang, by_lang["nl"])[form if form in FORMS else "formal"]
        return text.format_map(values) if values else text

    def has(self, key: str) -> bool:
        return key in self.texts


def parse(data: Any, source: str = SOURCE) -> Templates:
    if not isinstance(data, dict):
        raise PlaybookError(source, "(top level)", "must map template keys to texts per language")
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for key, by_lang in data.items():
        if not isinstance(by_lang, dict) or set(by_lang) != set(LANGUAGES):
            raise PlaybookError(source, str(key), "needs exactly the languages nl and en")
        texts[key] = {}
        for lang, value in by_lang.items():
            if isinstance(value, str):
                value = {"formal": value, "informal": value}
            if (
                not isinstance(value, dict)
                or set(value) != set(FORMS)
                or not all(isinstance(v, str) and v.strip() for v in value.values())
            ):
                raise PlaybookError(source, f"{key}.{lang}", "must be a text or {formal: text, informal: text}")
            texts[key][lang] = dict(value)
    return Templates(texts)


@cache
def templates() -> Templates:
    text = (resources.files("humantouch") / "bot" / "replies.yaml").read_text(encoding="utf-8")
    return parse(read_yaml(text))
