from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from humantouch.text import _fold_char, normalize


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
