"""Every word the console shows exists in Dutch and in English."""

from __future__ import annotations

import re
from importlib import resources

from humantouch.console import i18n, pages

KEY = re.compile(r"""\bt\(\s*["']([a-z_.A-Z0-9-]+)["']""")


def _template_keys() -> set[str]:
    folder = resources.files("humantouch.console").joinpath("templates")
    found: set[str] = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".html"):
            found |= set(KEY.findall(entry.read_text(encoding="utf-8")))
    # t("brief." + key) and the like: the prefixes' keys are listed in the test below.
    return {k for k in found if not k.endswith(".")}


def test_every_key_the_templates_use_is_translated_in_both_languages() -> None:
    catalogue = i18n.catalogue()
    keys = _template_keys()
    keys |= {f"done.{action}" for action in pages.ACTIONS} | {"done.followup", "login.wrong", "login.expired"}
    keys |= {f"resolution.{code}" for code in pages.RESOLUTION_CODES}
    keys |= {f"dash.e.{name}" for name in ("experience", "effortless", "efficiency", "effectivity")}
    keys |= {f"brief.{name}" for name in ("who", "why_now", "feelings")} | {"lang.nl", "lang.en"}
    missing = sorted(k for k in keys if k not in catalogue)
    assert not missing, f"not in messages.yaml: {missing}"
    for key, entry in catalogue.items():
        assert set(entry) == set(i18n.LANGUAGES), f"{key} is not in both languages"
        assert all(isinstance(v, str) and v.strip() for v in entry.values()), key


def test_language_choice() -> None:
    assert i18n.choose("en", "nl-NL") == "en"
    assert i18n.choose(None, "en-GB,en;q=0.9") == "en"
    assert i18n.choose("xx", "de-DE") == i18n.DEFAULT_LANGUAGE
    assert i18n.Translator("nl")("queue.count", n=3) == "3 gesprekken"
    assert i18n.Translator("en").label("route", "human") == "human"
    assert i18n.Translator("en").label("intent", "order_status") == "order status"
