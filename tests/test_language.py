from __future__ import annotations

import pytest

from humantouch.language import WordListDetector, clear_language, identify_language
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
