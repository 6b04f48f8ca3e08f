"""Register, yes/no and requests for a person, read from the customer's words."""

from __future__ import annotations

import pytest

from humantouch.bot.reading import reaction, register


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Kun je mij helpen?", "informal"),
        ("Kunt u mij helpen?", "formal"),
        ("Waarom reageren jullie niet?", None),  # "jullie" is the company, not a register
        ("Heeft u mijn mail gezien, of heb je hem niet?", None),
        ("Where is my parcel?", None),
    ],
)
def test_register(text: str, form: str | None) -> None:
    assert register(text) == form


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("ja", "yes"),
        ("top, dat was het, bedankt!", "yes"),
        ("yes thanks", "yes"),
        ("nee", "no"),
        ("Nee, daar heb ik niks aan, de track en trace is al 4 dagen niet bijgewerkt.", "no"),
        ("ja maar het werkt nog steeds niet", "no"),
        ("that didn't help", "no"),
        ("Ik heb nog een vraag over mijn factuur van vorige maand, die klopt niet", None),
    ],
)
def test_reaction(text: str, said: str | None) -> None:
    assert reaction(text) == said
