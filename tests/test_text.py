from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from humantouch import text
from humantouch.text import Token, _fold_char, normalize, token_forms, tokenize


def _by_character(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Waar is mijn PAKKET?", "waar is mijn pakket?"),
        ("Café Crème coöperatie", "cafe creme cooperatie"),
        ("İstanbul", "İstanbul"),  # lower() would make two characters of one
        ("ΣΊΣΥΦΟΣ", "σισυφοσ"),  # per character: no final sigma
        ("Straße 😊", "straße 😊"),
        ("", ""),
    ],
)
def test_normalize_table(text: str, expected: str) -> None:
    assert normalize(text) == expected


@given(st.text())
def test_normalize_folds_character_by_character(text: str) -> None:
    folded = normalize(text)
    assert folded == _by_character(text)
    assert len(folded) == len(text)


def test_tokens_hold_offsets_lemmas_and_forms() -> None:
    text = normalize("Mijn pakketten, gisteren besteld!")
    tokens = tokenize(text)
    assert [(t.text, text[t.start : t.end]) for t in tokens] == [(t.text, t.text) for t in tokens]
    assert [t.text for t in tokens] == ["mijn", "pakketten", "gisteren", "besteld"]
    assert tokens[1].lemma_nl == "pakket"
    assert [token_forms(t) for t in tokens] == [(t.text, t.lemma_nl, t.lemma_en) for t in tokens]
    assert tokens[1] == Token("pakketten", 5, 14, tokens[1].lemma_nl, tokens[1].lemma_en)


def test_the_lemma_memory_is_emptied_when_full_and_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    words = "ik heb gisteren drie pakketten besteld maar ontving er twee"
    before = tokenize(words)
    monkeypatch.setattr(text, "LEMMA_MEMORY", 3)
    monkeypatch.setattr(text, "_LEMMAS", {})
    assert tokenize(words) == before
    assert len(text._LEMMAS) <= 3
