from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from humantouch import entities
from humantouch.entities import RECOGNISERS, bsn_valid, extract, iban_valid, parse_number
from humantouch.evaluation.own import load_cases
from humantouch.records import Span

CASES = [
    ("Mijn IBAN is NL91ABNA0417164300 graag", [("IBAN", "NL91ABNA0417164300")]),
    ("iban NL91 ABNA 0417 1643 00 klopt", [("IBAN", "NL91 ABNA 0417 1643 00")]),
    ("rekening NL91ABNA0417164301", []),  # checksum fails: not an IBAN
    ("mijn bsn is 111222333", [("BSN", "111222333")]),
    ("bel me op 06-12345678", [("PHONE", "06-12345678")]),
    ("call +44 7700 900123 please", [("PHONE", "+44 7700 900123")]),
    ("mail naar jan.jansen@voorbeeld.nl", [("EMAIL", "jan.jansen@voorbeeld.nl")]),
    ("postcode 1012 AB Amsterdam", [("POSTCODE", "1012 AB")]),
    ("in 2015 en 2016", []),  # a year followed by a word is no postcode
    ("kenteken 12-ABC-3 staat stil", [("LICENSE_PLATE", "12-ABC-3")]),
    ("mijn kenteken is AB123C", [("LICENSE_PLATE", "AB123C")]),
    ("kenteken: 12abc3 staat op de vluchtstrook", [("LICENSE_PLATE", "12abc3")]),
    ("AB123C is geen kenteken zonder dat woord ervoor", []),
    ("broke down, plate AB12 CDE, on the M6", [("LICENSE_PLATE", "AB12 CDE")]),
    ("my car KX19HBL is stuck", [("LICENSE_PLATE", "KX19HBL")]),
    ("Hoe vraag ik een kenteken aan voor 2 auto's?", []),  # words after the label are no plate
    ("my plate is in the car since 2019", []),
    ("kenteken van het 2e voertuig", []),
    ("klantnummer 7720193 graag", [("CUSTOMER_NUMBER", "7720193")]),
    ("customer number: C-88213", [("CUSTOMER_NUMBER", "C-88213")]),
    ("de schade is 2 ton", [("MONEY", "2 ton")]),
    ("het kost 8.500 euro", [("MONEY", "8.500 euro")]),
    ("I lost £3,000 yesterday", [("MONEY", "£3,000"), ("DATE", "yesterday")]),
    ("betaald € 1.250,- op 12-03-2024", [("MONEY", "€ 1.250,-"), ("DATE", "12-03-2024")]),
    ("ordernummer 40012345 is niet aangekomen", [("ORDER_NUMBER", "40012345")]),
    ("polisnummer: AB-123456", [("POLICY_NUMBER", "AB-123456")]),
    ("on 3 May 2025 it broke", [("DATE", "3 May 2025")]),
    ("geen getallen hier", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_extract_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.type, s.text) for s in extract(text)] == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 ton", "200000.00 EUR"),
        ("8.500 euro", "8500.00 EUR"),
        ("£3,000", "3000.00 GBP"),
        ("$1.2k", "1200.00 USD"),
        ("€89,95", "89.95 EUR"),
        ("2,5 ton", "250000.00 EUR"),
        ("€ 2 miljoen", "2000000.00 EUR"),
    ],
)
def test_money_values(text: str, value: str) -> None:
    spans = [s for s in extract(text) if s.type == "MONEY"]
    assert [s.value for s in spans] == [value]


def test_spans_point_into_the_text() -> None:
    text = "Hoi, IBAN NL91ABNA0417164300 en 06-12345678 en 350 eur"
    for s in extract(text):
        assert text[s.start : s.end] == s.text


def _iban_with_checksum(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


@given(
    st.sampled_from(["NL", "DE", "BE", "GB"]), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=12, max_size=20)
)
def test_iban_checksum_roundtrip(country: str, bban: str) -> None:
    iban = _iban_with_checksum(country, bban)
    assert iban_valid(iban)
    # Changing one digit of the check number always breaks mod-97.
    broken = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
    assert not iban_valid(broken)


@given(st.lists(st.integers(0, 9), min_size=8, max_size=8))
def test_bsn_eleven_test(first8: list[int]) -> None:
    total = sum(d * w for d, w in zip(first8, range(9, 1, -1), strict=True))
    last = total % 11
    digits = "".join(map(str, first8))
    if last <= 9 and digits + str(last) != "000000000":
        assert bsn_valid(digits + str(last))
        assert not bsn_valid(digits + str((last + 1) % 10))


@given(st.integers(1, 10_000_000), st.sampled_from([".", ",", ""]))
def test_parse_number_thousands(n: int, sep: str) -> None:
    grouped = f"{n:,}".replace(",", sep) if sep else str(n)
    assert parse_number(grouped) == n


@given(st.text(max_size=200))
def test_extract_never_crashes_and_spans_are_valid(text: str) -> None:
    spans = extract(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start
    for s in spans:
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    "text",
    [
        "the video got 2 million views",
        "de vrachtwagen weegt 40 ton",
        "Ik heb 3 miljoen volgers",
        "I paid €50 200 times",
    ],
)
def test_no_phantom_large_amounts(text: str) -> None:
    assert all(float(s.value.split()[0]) < 1000 for s in extract(text) if s.type == "MONEY" and s.value)


@pytest.mark.parametrize("text", ["op 31-02-2024 gebeurd", "since 2023-04-31", "op 30 februari"])
def test_impossible_dates_are_not_dates(text: str) -> None:
    assert [s for s in extract(text) if s.type == "DATE"] == []


def test_leap_day_without_a_year_is_a_date() -> None:
    assert [s.value for s in extract("op 29 februari") if s.type == "DATE"] == ["--02-29"]


def _extract_running_every_recogniser(text: str) -> tuple[Span, ...]:
    """`extract` as it was before recognisers were skipped by their trigger: every pattern on every text."""
    taken: list[Span] = []
    for _, recognise, _trigger in RECOGNISERS:
        if recognise is entities._dates:
            found = [*entities._numbered_dates(text), *entities._relative_dates(text)]
        else:
            found = list(recognise(text))
        for span in sorted(found, key=lambda s: (-s.score, s.start)):
            if any(span.start < t.end and t.start < span.end for t in taken):
                continue
            if span.type == "REFERENCE" and span.score < 0.6:
                continue
            taken.append(span)
    for span in entities._labelled_numbers(text):
        if span.score < 0.6 and not any(span.start < t.end and t.start < span.end for t in taken):
            taken.append(span)
    return tuple(sorted(taken, key=lambda s: (s.start, s.type)))


_PIECES = [t for t, _ in CASES] + ["morgen", "@", "-", " ", "١٢٣", "３", "NL", "€", "x@y.nl", "12-AB-34", "ton"]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=6), max_size=8))
def test_skipping_recognisers_without_their_trigger_changes_nothing(pieces: list[str]) -> None:
    text = " ".join(pieces)
    assert tuple(sorted(extract(text), key=lambda s: (s.start, s.type))) == _extract_running_every_recogniser(text)


# Every cued pattern with the test its cue stands for (entities.py, "Cues").
_CUED: list[tuple[re.Pattern[str], Callable[[str], bool]]] = [
    (entities._DATE_RELATIVE, lambda t: entities._mentions(t, entities._RELATIVE_CUE)),
    (entities._DATE_WORDS, lambda t: entities._mentions(t, entities._MONTH_CUE)),
    (entities._MONEY, lambda t: entities._mentions(t, entities._MONEY_CUE)),
    (entities._LABELLED, lambda t: entities._mentions(t, entities._LABEL_CUE)),
    (entities._DATE_ISO, lambda t: entities._NUMERIC_DATE_CUE.search(t) is not None),
    (entities._DATE_NUMERIC, lambda t: entities._NUMERIC_DATE_CUE.search(t) is not None),
    (entities._BSN, lambda t: entities._THREE_DIGITS.search(t) is not None),
    (entities._PLATE, lambda t: "-" in t),
    (entities._PLATE_LABEL, lambda t: entities._mentions(t, entities._PLATE_CUE)),
]
_LEXICON_CASES = yaml.safe_load((Path(__file__).parent / "data" / "lexicon_cases.yaml").read_text(encoding="utf-8"))
# Real messages, and what IGNORECASE equates with ASCII letters although str.lower() does not ("ſ", "K").
CORPUS = [
    *(c.record["text"] for c in load_cases()),
    *(str(c["text"]) for c in _LEXICON_CASES),
    *(t for t, _ in CASES),
    "ſunday 3 ſeptember",
    "3 MAY",
    "€ 5 EUROS",
    "tomorrow",
    "klant nr 12345",
    "ſchade 1234567",
    "10 Kuid",
    "ORDER 12345 op 1-2-2024 en 12-AB-34",
    "Bsn 111.222.333",
    "VORIGE WEEK",
    "afgelopen Maandag",
    "KENTEKEN AB123C",
    "Plate: ab12 cde",
    "REGISTRATION NUMBER 1 ABC 234",
]


@pytest.mark.parametrize("pattern_and_cue", _CUED, ids=[p.pattern[:30] for p, _ in _CUED])
def test_every_match_holds_its_cue(pattern_and_cue: tuple[re.Pattern[str], Callable[[str], bool]]) -> None:
    pattern, cue = pattern_and_cue
    for text in CORPUS:
        for m in pattern.finditer(text):
            assert cue(m.group()), (text, m.group())


@given(
    st.lists(
        st.sampled_from([*_PIECES, "ſ", "K", "İ", "ı", "vandaag", "MEI", "Euro", "case"]) | st.text(max_size=6),
        max_size=8,
    )
)
def test_a_match_in_any_text_holds_its_cue(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for pattern, cue in _CUED:
        for m in pattern.finditer(text):
            assert cue(m.group())


def _uncued() -> contextlib.ExitStack:
    """Every cued pattern searched in every text (the licence plates' hyphen test stays; every plate has one)."""
    stack = contextlib.ExitStack()
    always = re.compile("")
    stack.enter_context(mock.patch.object(entities, "_mentions", lambda text, cue: True))
    stack.enter_context(mock.patch.object(entities, "_NUMERIC_DATE_CUE", always))
    stack.enter_context(mock.patch.object(entities, "_THREE_DIGITS", always))
    return stack


def test_the_cues_change_no_entity_of_the_corpus() -> None:
    cued = [extract(t) for t in CORPUS]
    with _uncued():
        assert [extract(t) for t in CORPUS] == cued
