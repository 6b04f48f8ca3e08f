from __future__ import annotations

from pathlib import Path

import pytest

from humantouch.language import (
    OTHER_LATIN,
    OTHER_SCRIPTS,
    WordListDetector,
    clear_language,
    identify_language,
    load_detector,
    mostly_other_script,
)
from humantouch.text import Token, normalize, tokenize


def _tokens(text: str) -> list[Token]:
    return tokenize(normalize(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ik heb mijn pakket nog niet ontvangen", "nl"),
        ("Waar blijft de bestelling die ik vorige week heb gedaan?", "nl"),
        ("I have not received my parcel yet", "en"),
        ("Can you tell me where my order is?", "en"),
        # Fewer than three function words: lingua decides.
        ("pakket kwijt", None),
        ("refund please", None),
        # Words of both languages: a mixed message goes to lingua.
        ("Ik wil mijn account deleten, how do I do that?", None),
        # One German or French word sends it to lingua, which knows those languages.
        ("Ich habe mein Paket noch nicht bekommen, wat moet ik doen", None),
        ("Je voudrais savoir pour mijn bestelling, kan dat?", None),
        # Dutch words that are English words too ("want", "been") count for neither.
        ("I want een been", None),
    ],
)
def test_clear_language(text: str, expected: str | None) -> None:
    assert clear_language(_tokens(text)) == expected


class _Counting:
    """A detector that answers German and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, text: str) -> tuple[str, float]:
        self.calls += 1
        return "de", 0.7


def test_identify_language_asks_the_detector_only_when_unclear() -> None:
    detector = _Counting()
    assert identify_language(detector, "Ik heb mijn pakket nog niet", _tokens("Ik heb mijn pakket nog niet"), None) == (
        "nl",
        1.0,
    )
    assert detector.calls == 0
    text = "Guten Tag, mein Paket ist kaputt angekommen"
    assert identify_language(detector, text, _tokens(text), None) == ("de", 0.7)
    assert detector.calls == 1


def test_identify_language_keeps_the_short_text_vote() -> None:
    # Short messages still go through decide_language's function-word vote and the known language.
    assert identify_language(WordListDetector(), "hoi", _tokens("hoi"), None)[0] == "nl"
    assert identify_language(_Counting(), "ok", _tokens("ok"), "en") == ("de", 0.7)


def test_the_word_lists_do_not_overlap() -> None:
    from humantouch.language import _CLEAR_EN, _CLEAR_FOREIGN, _CLEAR_NL

    assert not (_CLEAR_NL & _CLEAR_EN or _CLEAR_NL & _CLEAR_FOREIGN or _CLEAR_EN & _CLEAR_FOREIGN)


def test_mostly_other_script() -> None:
    assert mostly_other_script("Здравствуйте, где мой заказ?")
    assert mostly_other_script("你好，我的包裹在哪里？ order 123")
    assert not mostly_other_script("Ik heb mijn pakket nog niet, Здравствуйте")
    assert not mostly_other_script("Café, déjà vu, Ångström: Latin with accents")
    assert not mostly_other_script("12345 ?!")


def _other_language_rows() -> list[tuple[str, str]]:
    path = Path(__file__).parent / "data" / "other_languages.tsv"
    return [(text, lang) for lang, text in (line.split("\t") for line in path.read_text("utf-8").splitlines())]


@pytest.mark.parametrize(("detector", "least", "most_as_ours"), [("lingua", 0.85, 1), ("lingua-low", 0.75, 2)])
def test_lingua_reports_other_languages(detector: str, least: float, most_as_ours: int) -> None:
    """27 short service messages in 17 other languages (docs/evaluation.md, "Other languages"): the share
    recognised is the measured one (accurate 23/27, fast 21/27), and of the languages lingua is asked about
    (es, it, pt, pl, tr, ro and the other scripts) at most the measured few come out as Dutch or English."""
    rows = _other_language_rows()
    d = load_detector(detector)
    got = [(d.detect(text)[0], lang) for text, lang in rows]
    assert sum(g == lang for g, lang in got) / len(rows) >= least, got
    asked = set(OTHER_LATIN) | set(OTHER_SCRIPTS)
    wrong = [(g, lang) for g, lang in got if lang in asked and g in ("nl", "en")]
    assert len(wrong) <= most_as_ours, wrong
