"""Identity normalisation: one person, one key, whatever the channel wrote."""

from __future__ import annotations

import pytest

from humantouch.errors import InputError
from humantouch.service.identities import normalize


@pytest.mark.parametrize(
    "kind, value, expected",
    [
        ("email", " Jan.Jansen@Example.NL ", ("email", "jan.jansen@example.nl")),
        ("phone", "+31 6 1234 5678", ("phone", "+31612345678")),
        ("whatsapp", "0031612345678", ("phone", "+31612345678")),
        ("phone", "06-12345678", ("phone", "+31612345678")),
        ("sms", "+44 7700 900123", ("phone", "+447700900123")),
        ("social", "Instagram:@JanJ", ("social", "instagram:janj")),
        ("customer_number", " c-1234 ", ("customer_number", "C-1234")),
    ],
)
def test_normalize(kind: str, value: str, expected: tuple[str, str]) -> None:
    assert normalize(kind, value) == expected


@pytest.mark.parametrize(
    "kind, value",
    [
        ("email", "jan@"),
        ("phone", "12"),
        ("social", "janj"),
        ("customer_number", "  "),
        ("fax", "123"),
    ],
)
def test_invalid_identities_are_refused(kind: str, value: str) -> None:
    with pytest.raises(InputError) as info:
        normalize(kind, value)
    assert info.value.code == "HT-IN-IDENTITY"
