"""Reading intake facts: what a message states unprompted, and what an answer to a question gives."""

from __future__ import annotations

import pytest

from humantouch.bot.facts import answer, find
from humantouch.entities import extract


@pytest.mark.parametrize(
    ("fact", "text", "value"),
    [
        ("order_number", "Waar blijft bestelling 40012345?", "40012345"),
        ("order_number", "ik wacht al op 40012345", None),  # a bare number is only taken when asked for
        ("policy_number", "Polisnummer AV-5520931.", "AV-5520931"),
        ("iban", "Mijn rekening NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
        ("iban", "Mijn rekening NL91 ABNA 0417 1643 01", None),  # mod-97 fails
        ("amount", "er is € 79,99 afgeschreven", "79.99 EUR"),
        ("date", "Maandag 30 november, liefst 's ochtends", "--11-30"),  # the checked date over the weekday
        ("date", "gisteren gebeurd", "gisteren"),
        ("license_plate", "kenteken HNP-93-T", "HNP-93-T"),
        ("place", "aangereden op de N201 bij Uithoorn", "N201 bij Uithoorn"),
        ("place", "De app geeft een fout bij Schade melden", None),
        ("relation", "Mijn vader is vorige week overleden", "vader"),
        ("deceased_name", "dat mijn moeder, Johanna Wouters-de Wit, is overleden", "Johanna Wouters-de Wit"),
        ("deceased_name", "my father, Mr Gordon Reid, passed away", "Gordon Reid"),
        ("description", "Ik wil schade melden.", None),
    ],
)
def test_find(fact: str, text: str, value: str | None) -> None:
    assert find(fact, text, extract(text)) == value


@pytest.mark.parametrize(
    ("fact", "text", "value", "problem"),
    [
        ("customer_number", "30992716", "30992716", None),
        ("customer_number", "IB-3310298", "IB-3310298", None),
        ("customer_number", "12-11-2026", None, "invalid.number"),  # a date is not an identifier
        ("customer_number", "Dat weet ik niet, ik heb die brief niet bij de hand.", None, "invalid.unknown"),
        ("iban", "NL91ABNA0417164301", None, "invalid.iban"),
        ("postcode", "35121", None, "invalid.postcode"),
        ("postcode", "3512 JK", "3512 JK", None),
        ("date", "ergens vorig jaar denk ik", None, "invalid.date"),
        ("email", "r.benhaddou@example.nl", "r.benhaddou@example.nl", None),
        ("place", "Ons huis, Populierenlaan 14 in Amersfoort.", "Ons huis, Populierenlaan 14 in Amersfoort", None),
        ("relation", "ik ben zijn zoon", "zoon", None),
        ("relation", "buurvrouw", "buurvrouw", None),
        ("description", "kapot", None, "invalid.unclear"),
        ("license_plate", "ab123c", "AB-123-C", None),  # asked for the plate: no hyphens needed
        ("license_plate", "Het is HNP 93 T", "HNP-93-T", None),
        ("license_plate", "kx19hbl", "KX19 HBL", None),
        ("license_plate", "1234 AB", None, "invalid.license_plate"),  # a postcode, not a 99-99-LL plate
        ("license_plate", "1234AB", None, "invalid.license_plate"),  # nor without its space
        ("license_plate", "12-34-AB", "12-34-AB", None),
        ("license_plate", "weet ik niet uit mijn hoofd", None, "invalid.unknown"),
        ("license_plate", "de blauwe Golf", None, "invalid.license_plate"),
    ],
)
def test_answer(fact: str, text: str, value: str | None, problem: str | None) -> None:
    got = answer(fact, text, extract(text))
    assert (got.value, got.problem) == (value, problem)
