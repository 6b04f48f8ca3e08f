"""Property tests for every parser personal data goes through: amounts, IBAN, BSN, dates, e-mail,
the playbook (random bad input is a PlaybookError, never a crash), masking and the key ring."""

from __future__ import annotations

import copy
import datetime
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from humantouch.entities import _date_value, bsn_valid, extract, iban_valid, parse_number
from humantouch.errors import PlaybookError
from humantouch.playbook import load_playbook, packaged_yaml, parse_playbook
from humantouch.privacy.crypto import new_key_entry, parse_ring
from humantouch.privacy.masking import mask

FAST = settings(max_examples=150, deadline=None)
MASKED = ("IBAN", "BSN", "PHONE", "EMAIL", "POSTCODE", "LICENSE_PLATE")


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _bsn(first8: list[int]) -> str | None:
    total = sum(d * w for d, w in zip(first8, range(9, 1, -1), strict=True))
    check = total % 11
    return None if check == 10 else "".join(map(str, first8)) + str(check)


ibans = st.builds(
    _iban,
    st.sampled_from(["NL", "BE", "DE", "GB"]),
    st.text(string.ascii_uppercase, min_size=4, max_size=4).flatmap(
        lambda bank: st.text(string.digits, min_size=10, max_size=10).map(lambda n: bank + n)
    ),
)
bsns = st.lists(st.integers(0, 9), min_size=8, max_size=8).map(_bsn).filter(lambda b: b is not None and b != "0" * 9)
emails = st.builds(
    lambda user, host, tld: f"{user}@{host}.{tld}",
    st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).filter(lambda u: u[0].isalpha()),
    st.text(string.ascii_lowercase, min_size=2, max_size=12),
    st.sampled_from(["nl", "com", "org", "example"]),
)
phones = st.text(string.digits, min_size=8, max_size=8).map(lambda n: "06" + n)


@FAST
@given(st.integers(0, 10**9), st.integers(0, 99), st.sampled_from(["nl", "en"]))
def test_amounts_with_decimals_in_either_convention(whole: int, cents: int, style: str) -> None:
    grouped = f"{whole:,}"
    raw = grouped.replace(",", ".") + f",{cents:02d}" if style == "nl" else grouped + f".{cents:02d}"
    assert parse_number(raw) == Decimal(whole) + Decimal(cents) / 100


@FAST
@given(st.text(max_size=40))
def test_parse_number_never_raises(raw: str) -> None:
    value = parse_number(raw)
    assert value is None or isinstance(value, Decimal)


@FAST
@given(ibans, st.data())
def test_iban_single_character_errors_are_caught(iban: str, data: st.DataObject) -> None:
    assert iban_valid(iban)
    assert any(s.type == "IBAN" and s.value == iban for s in extract(f"rekening {iban} graag"))
    i = data.draw(st.integers(4, len(iban) - 1))
    other = data.draw(st.sampled_from([d for d in string.digits if d != iban[i]])) if iban[i].isdigit() else None
    assume(other is not None)
    assert not iban_valid(iban[:i] + str(other) + iban[i + 1 :])


@FAST
@given(bsns, st.integers(0, 8), st.integers(1, 9))
def test_bsn_single_digit_errors_are_caught(bsn: str | None, position: int, delta: int) -> None:
    assert bsn is not None and bsn_valid(bsn)
    changed = bsn[:position] + str((int(bsn[position]) + delta) % 10) + bsn[position + 1 :]
    assert not bsn_valid(changed)


@FAST
@given(st.dates(datetime.date(1950, 1, 1), datetime.date(2099, 12, 31)))
def test_dates_round_trip(day: datetime.date) -> None:
    assert _date_value(str(day.day), day.month, str(day.year)) == day.isoformat()
    numeric = f"op {day.day:02d}-{day.month:02d}-{day.year} gebeurd"
    assert any(s.type == "DATE" and s.value == day.isoformat() for s in extract(numeric))


@FAST
@given(st.integers(-5, 40), st.integers(-2, 14), st.one_of(st.none(), st.text(string.digits, max_size=5)))
def test_impossible_dates_are_refused_not_raised(day: int, month: int, year: str | None) -> None:
    value = _date_value(str(day), month, year or None)
    assert value is None or value.count("-") >= 2


@FAST
@given(emails)
def test_emails_are_found(address: str) -> None:
    found = [s for s in extract(f"mail mij op {address} graag") if s.type == "EMAIL"]
    assert [s.value for s in found] == [address]


pieces = st.one_of(
    ibans,
    bsns.map(str),
    emails,
    phones,
    st.sampled_from(["1234 AB", "12-ABC-3", "€ 1.250,-", "bel", "mijn", "en", ",", ".", " ", "\n"]),
    st.text(max_size=8),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=12), st.sampled_from(["nl", "en", None]))
def test_masking_never_leaves_a_detected_entity(parts: list[str], language: str | None) -> None:
    text = " ".join(parts)
    spans = extract(text)
    masked = mask(text, spans, MASKED, language)
    for span in spans:
        if span.type in MASKED:
            assert span.text not in masked.text, (span, masked.text)


@FAST
@given(st.text(max_size=300), st.integers(0, 10**6))
def test_key_ring_round_trip(text: str, message_id: int) -> None:
    ring = parse_ring(new_key_entry("p1"), "test")
    assert ring.decrypt(ring.encrypt(text, f"message:{message_id}"), f"message:{message_id}") == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@FAST
@given(json_values)
def test_random_playbook_data_is_a_playbook_error(data: Any) -> None:
    try:
        parse_playbook(data, "<random>")
    except PlaybookError as exc:
        assert exc.field and exc.problem


_DEFAULT = packaged_yaml("default_playbook.yaml")


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_a_default_playbook_with_one_field_broken_is_a_playbook_error(data: st.DataObject) -> None:
    broken = copy.deepcopy(_DEFAULT)
    node: Any = broken
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()) or not isinstance(node[key], dict | list):
            node[key] = data.draw(json_values)
            break
        node = node[key]
    try:
        parse_playbook(broken, "<mutated>")
    except PlaybookError as exc:
        assert exc.problem


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_random_playbook_files_are_a_playbook_error(tmp_path_factory: Any, raw: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("pb")) / "playbook.yaml"
    path.write_bytes(raw)
    try:
        load_playbook(path)
    except PlaybookError as exc:
        assert exc.path == str(path)
