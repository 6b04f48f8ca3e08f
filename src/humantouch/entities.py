"""Entity recognisers: money, identifiers and contact data, as (type, start, end, score) spans.

Pure regular expressions with checksums where the format has one (IBAN mod-97,
BSN eleven-test), so they are fast enough for bulk triage and their behaviour
is visible in one file. Overlaps are resolved by a fixed precedence: the more
specific and better-checked recogniser wins.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from humantouch.records import Span

# ---------------------------------------------------------------- checksums


def iban_valid(raw: str) -> bool:
    """ISO 13616 mod-97 check on an IBAN with or without spaces."""
    iban = re.sub(r"[\s.-]", "", raw).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def bsn_valid(raw: str) -> bool:
    """The Dutch citizen number's eleven-test (elfproef) on 9 digits (8 get a leading zero)."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


# ---------------------------------------------------------------- money

_CURRENCY_WORDS = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "eu": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pond": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
}
_MULTIPLIERS = {
    "k": 1_000,
    "duizend": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "ton": 100_000,
    "m": 1_000_000,
    "mln": 1_000_000,
    "miljoen": 1_000_000,
    "million": 1_000_000,
    "mio": 1_000_000,
}
# Thousands are grouped by "." or "," or a no-break/thin space, never by an ordinary space:
# "€50 200 times" is fifty euros, not fifty thousand.
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULT = r"k|duizend|thousand|grand|ton|mln|miljoen|million|mio|m"
_CUR_PRE = r"€|£|\$|eur\b|gbp\b|usd\b"
_CUR_POST = r"euros?|eur|pond|pounds?|quid|dollars?|usd|gbp|€|£"
_MONEY = re.compile(
    rf"(?P<pre>{_CUR_PRE})\s?(?P<n1>{_NUM})(?:,-|,—)?(?:\s?(?P<m1>{_MULT}))?(?!\w)"
    rf"|\b(?P<n2>{_NUM})(?:,-)?\s?(?:(?P<m2>{_MULT})\s?)?(?P<post>{_CUR_POST})(?![a-z])"
    # "2 ton" is Dutch for 200,000 (euro) even without a currency word; "2 million views" and
    # "40 ton" of weight are not money.
    rf"|\b(?P<n3>\d(?:[.,]\d)?)\s?(?P<m3>ton)\b(?!\s*(?:gewicht|zwaar|kilo|staal|zand))",
    re.IGNORECASE,
)


def parse_number(raw: str, currency: str = "EUR") -> Decimal | None:
    """Parse '8.500', '1.250,50', '3,000', '1.2' with Dutch or English separators.

    The last separator is the decimal one when one or two digits follow it;
    with three digits it groups thousands ("8.500" is eight thousand five hundred).
    """
    s = raw.strip().replace(" ", "")
    if not s:
        return None
    last = max(s.rfind("."), s.rfind(","))
    if last == -1:
        whole, frac = s, ""
    elif len(s) - last - 1 in (1, 2):
        whole, frac = s[:last], s[last + 1 :]
    else:
        whole, frac = s, ""
    whole = whole.replace(".", "").replace(",", "")
    try:
        return Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:
        return None


def _money(m: re.Match[str]) -> Span | None:
    g = m.groupdict()
    number = g["n1"] or g["n2"] or g["n3"]
    mult_word = (g["m1"] or g["m2"] or g["m3"] or "").lower()
    cur_word = (g["pre"] or g["post"] or "").lower()
    if g["n3"] is not None and not mult_word:
        return None
    currency = _CURRENCY_WORDS.get(cur_word, "EUR")
    value = parse_number(number, currency)
    if value is None:
        return None
    if mult_word:
        if mult_word == "m" and not cur_word:
            return None
        value *= _MULTIPLIERS[mult_word]
    return Span("MONEY", m.start(), m.end(), 0.95 if cur_word else 0.8, m.group(), f"{value:.2f} {currency}")


# ---------------------------------------------------------------- identifiers

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{2}[\s-]?(?:\(0\)[\s-]?)?\d(?:[\s-]?\d){7,10}|0\d(?:[\s-]?\d){8,9})(?!\d)"
)
_POSTCODE = re.compile(r"\b[1-9]\d{3}(?:[ ]?[A-Z]{2}|[a-z]{2})\b(?!-)")
_POSTCODE_NOT = {"SA", "SD", "SS"}
# A plate written without hyphens ("AB123C", "12 ABC 3") only right after a word that says it is one, and only
# in a plate's shape (a Dutch side code or a British plate, `_plate_at`).
_PLATE_LABEL = re.compile(
    r"\b(?:kenteken(?:nummer)?|nummerplaat|number ?plate|licen[cs]e ?plate(?: number)?|registration(?: number)?"
    r"|reg(?:istration)? no|plate)\s*(?:is|:)?\s*",
    re.IGNORECASE,
)
_PLATE_CUE = re.compile(r"kenteken|plaat|plate|registration|reg")
# A current British plate, two letters, two digits, three letters ("AB12 CDE"), in capitals as written.
_PLATE_UK = re.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b")
_PLATE_UK_ANY_CASE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2} ?[A-Z]{3}(?![A-Z0-9])", re.IGNORECASE)
# The Dutch side codes (L a letter, 9 a digit). Written with hyphens a plate needs nothing else (`_PLATE`);
# given as the answer to a question for one, "ab123c" or "HNP 93 T" needs no hyphen (`_PLATE_ANSWERS`).
_SIDECODES = (
    "LL-99-99", "99-99-LL", "99-LL-99", "LL-99-LL", "LL-LL-99", "99-LL-LL", "99-LLL-9",
    "9-LLL-99", "LL-999-L", "L-999-LL", "LLL-99-L", "L-99-LLL", "9-LL-999", "999-LL-9",
)  # fmt: skip


def _sidecode_parts(code: str) -> list[str]:
    return [f"[A-Z]{{{len(p)}}}" if p[0] == "L" else f"\\d{{{len(p)}}}" for p in code.split("-")]


def _sidecode_pattern(code: str) -> re.Pattern[str]:
    # Both separators alike (two hyphens, two spaces or none), so "1234 AB" (a postcode) is no 99-99-LL;
    # 99-99-LL also needs them, so "1234AB" (a postcode without its space) is none either.
    a, b, c = _sidecode_parts(code)
    sep = "[- ]" if code == "99-99-LL" else "[- ]?"
    return re.compile(rf"(?<![A-Z0-9])(?P<a>{a})(?P<sep>{sep})(?P<b>{b})(?P=sep)(?P<c>{c})(?![A-Z0-9])", re.IGNORECASE)


_PLATE = re.compile(r"\b(?:" + "|".join("-".join(_sidecode_parts(code)) for code in _SIDECODES) + r")\b", re.IGNORECASE)
_PLATE_ANSWERS = tuple(_sidecode_pattern(code) for code in _SIDECODES)
_BSN = re.compile(r"(?<![\d-])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?![\d-])")
_BSN_CUE = re.compile(r"\b(?:bsn|burgerservicenummer|sofi-?nummer|citizen service number)\b", re.IGNORECASE)
_LABELLED = re.compile(
    r"\b(?P<label>order|bestelling|bestel|klant|customer|account|polis|policy|contract|dossier|schade|claim"
    r"|factuur|invoice|referentie|reference|ticket|zaak|case|pakket|tracking|zending|shipment|lidmaatschap"
    r"|member(?:ship)?)"
    r"(?:[ -]?(?:nummer|nr|no|number|num|id|code|#))?\.?\s*(?:is|was|:|#)?\s*(?:nr\.?|no\.?)?\s*[:#]?\s*"
    r"(?P<id>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24})\b",
    re.IGNORECASE,
)
_LABEL_TYPES = {
    "order": "ORDER_NUMBER",
    "bestelling": "ORDER_NUMBER",
    "bestel": "ORDER_NUMBER",
    "pakket": "ORDER_NUMBER",
    "tracking": "ORDER_NUMBER",
    "zending": "ORDER_NUMBER",
    "shipment": "ORDER_NUMBER",
    "klant": "CUSTOMER_NUMBER",
    "customer": "CUSTOMER_NUMBER",
    "account": "CUSTOMER_NUMBER",
    "lidmaatschap": "CUSTOMER_NUMBER",
    "member": "CUSTOMER_NUMBER",
    "membership": "CUSTOMER_NUMBER",
    "polis": "POLICY_NUMBER",
    "policy": "POLICY_NUMBER",
    "contract": "POLICY_NUMBER",
    "dossier": "CLAIM_NUMBER",
    "schade": "CLAIM_NUMBER",
    "claim": "CLAIM_NUMBER",
    "zaak": "CLAIM_NUMBER",
    "case": "CLAIM_NUMBER",
    "factuur": "INVOICE_NUMBER",
    "invoice": "INVOICE_NUMBER",
    "referentie": "REFERENCE",
    "reference": "REFERENCE",
    "ticket": "REFERENCE",
}
_LONG_NUMBER = re.compile(r"(?<![\w.,-])\d{6,16}(?![\w-])")

# ---------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1,
    "januari": 1,
    "january": 1,
    "feb": 2,
    "februari": 2,
    "february": 2,
    "mrt": 3,
    "maart": 3,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "juni": 6,
    "june": 6,
    "jul": 7,
    "juli": 7,
    "july": 7,
    "aug": 8,
    "augustus": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "okt": 10,
    "oktober": 10,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_NUMERIC = re.compile(r"\b(?P<d>[0-3]?\d)[-/.](?P<m>[01]?\d)[-/.](?P<y>(?:19|20)?\d{2})\b")
_DATE_ISO = re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
_DATE_WORDS = re.compile(
    rf"\b(?P<d>[0-3]?\d)(?:e|ste|de|st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\.?(?:\s+(?P<y>(?:19|20)\d{{2}}))?\b"
    rf"|\b(?P<mon2>{_MONTH_RE})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y2>(?:19|20)\d{{2}}))?\b",
    re.IGNORECASE,
)
_DATE_RELATIVE = re.compile(
    r"\b(?:vandaag|gisteren|eergisteren|morgen|overmorgen|vanochtend|vanmiddag|vanavond|vannacht"
    r"|today|yesterday|tomorrow|tonight|this morning"
    r"|(?:afgelopen |vorige |volgende |komende |last |next |this )?(?:maandag|dinsdag|woensdag|donderdag"
    r"|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:vorige|afgelopen|volgende|last|next) (?:week|maand|month))\b",
    re.IGNORECASE,
)


# What every match of a recogniser's patterns contains: a text without it skips the recogniser
# (about half of all messages hold no digit; the patterns cost ~100 us a message together).
_DIGIT = re.compile(r"\d")
_AT = re.compile("@")

# Cues: what every match of one pattern contains, found far more cheaply than the pattern itself, whose
# leading \b and IGNORECASE alternatives make the regex engine try every branch at every word (5-20 us a
# message each). A text without its cue is not searched with the pattern. Word cues are lower-case
# literals searched in the lower-cased text, which is what IGNORECASE means for plain-ASCII text; other
# text may hold characters IGNORECASE also equates with ASCII letters ("ſ" with "s", "K" with "k") and is
# always searched (_mentions). tests/test_entities.py checks every pattern's matches against its cue.
_RELATIVE_CUE = re.compile(
    r"dag|daag|day|gisteren|morgen|tomorrow|tonight|morning|vanochtend|vanavond|vannacht|week|maand|month"
)
_MONTH_CUE = re.compile(r"jan|feb|maart|mar|mrt|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec")
_MONEY_CUE = re.compile(r"€|£|\$|eur|gbp|usd|pond|pound|quid|dollar|ton")
_LABEL_CUE = re.compile(
    r"order|bestel|klant|customer|account|polis|policy|contract|dossier|schade|claim|factuur|invoice|referentie"
    r"|reference|ticket|zaak|case|pakket|tracking|zending|shipment|lidmaatschap|member"
)
# Character cues, searched as they are (the same \d as the patterns): a numeric date has a digit, a
# separator and a digit in a row, a BSN three digits in a row, a Dutch licence plate a hyphen.
_NUMERIC_DATE_CUE = re.compile(r"\d[-/.]\d")
_THREE_DIGITS = re.compile(r"\d{3}")


def _mentions(text: str, word_cue: re.Pattern[str]) -> bool:
    """False only when `text` cannot hold a match of the IGNORECASE pattern that `word_cue` guards."""
    return not text.isascii() or word_cue.search(text.lower()) is not None


def _date_value(d: str | None, m: int | None, y: str | None) -> str | None:
    if d is None or m is None:
        return None
    day = int(d)
    year = (int(y) + (2000 if len(y) == 2 else 0)) if y else None
    try:
        # 2000 is a leap year, so "29 februari" without a year stays a date.
        datetime.date(year or 2000, m, day)
    except ValueError:
        return None
    if year is not None:
        return f"{year:04d}-{m:02d}-{day:02d}"
    return f"--{m:02d}-{day:02d}"


def _dates(text: str) -> Iterator[Span]:
    if _DIGIT.search(text):
        yield from _numbered_dates(text)
    yield from _relative_dates(text)


def _relative_dates(text: str) -> Iterator[Span]:
    if not _mentions(text, _RELATIVE_CUE):
        return
    for m in _DATE_RELATIVE.finditer(text):
        yield Span("DATE", m.start(), m.end(), 0.7, m.group(), m.group().lower())


def _numbered_dates(text: str) -> Iterator[Span]:
    if _NUMERIC_DATE_CUE.search(text):
        for m in _DATE_ISO.finditer(text):
            value = _date_value(m["d"], int(m["m"]), m["y"])
            if value:
                yield Span("DATE", m.start(), m.end(), 0.95, m.group(), value)
        for m in _DATE_NUMERIC.finditer(text):
            value = _date_value(m["d"], int(m["m"]), m["y"])
            if value:
                yield Span("DATE", m.start(), m.end(), 0.9, m.group(), value)
    if not _mentions(text, _MONTH_CUE):
        return
    for m in _DATE_WORDS.finditer(text):
        mon = (m["mon"] or m["mon2"]).lower()
        # "may" and "mar" are also English words: without a day number before them, skip.
        value = _date_value(m["d"] or m["d2"], _MONTHS.get(mon), m["y"] or m["y2"])
        if value:
            yield Span("DATE", m.start(), m.end(), 0.85, m.group(), value)


# ---------------------------------------------------------------- recognisers


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        raw = m.group().rstrip()
        # The optional trailing group can swallow the next word; shrink until the checksum holds.
        while raw:
            if iban_valid(raw):
                yield Span("IBAN", m.start(), m.start() + len(raw), 1.0, raw, re.sub(r"\s", "", raw).upper())
                break
            cut = raw.rfind(" ")
            if cut == -1:
                break
            raw = raw[:cut]


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield Span("EMAIL", m.start(), m.end(), 1.0, m.group(), m.group().lower())


def _phones(text: str) -> Iterator[Span]:
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        yield Span("PHONE", m.start(), m.end(), 0.85, m.group(), digits)


def _postcodes(text: str) -> Iterator[Span]:
    for m in _POSTCODE.finditer(text):
        letters = m.group()[-2:].upper()
        if letters in _POSTCODE_NOT:
            continue
        yield Span("POSTCODE", m.start(), m.end(), 0.9, m.group(), f"{m.group()[:4]} {letters}")


def _plates(text: str) -> Iterator[Span]:
    if "-" in text:  # every Dutch plate is written with hyphens, unless a word says it is a plate
        for m in _PLATE.finditer(text):
            yield Span("LICENSE_PLATE", m.start(), m.end(), 0.85, m.group(), m.group().upper())
    if _mentions(text, _PLATE_CUE):
        for label in _PLATE_LABEL.finditer(text):
            end = _plate_at(text, label.end())
            if end is not None:
                plate = text[label.end() : end]
                yield Span("LICENSE_PLATE", label.end(), end, 0.85, plate, plate.upper())
    for m in _PLATE_UK.finditer(text):
        yield Span("LICENSE_PLATE", m.start(), m.end(), 0.8, m.group(), m.group())


def _plate_at(text: str, pos: int) -> int | None:
    """Where a plate starting exactly at `pos` ends (a Dutch side code or a British plate), or None."""
    for pattern in (*_PLATE_ANSWERS, _PLATE_UK_ANY_CASE):
        m = pattern.match(text, pos)
        if m is not None:
            return m.end()
    return None


def plate_in_answer(text: str) -> str | None:
    """The licence plate in an answer to the question for one, with or without hyphens ("ab123c" ->
    "AB-123-C", "KX19 HBL"), or None."""
    for pattern in _PLATE_ANSWERS:
        m = pattern.search(text)
        if m is not None:
            return "-".join((m["a"], m["b"], m["c"])).upper()
    m = _PLATE_UK_ANY_CASE.search(text)
    return f"{m.group()[:4]} {m.group()[-3:]}".upper() if m else None


def _bsns(text: str) -> Iterator[Span]:
    if not _THREE_DIGITS.search(text):
        return
    for m in _BSN.finditer(text):
        if not bsn_valid(m.group()):
            continue
        cue = _BSN_CUE.search(text, max(0, m.start() - 40), m.start())
        yield Span("BSN", m.start(), m.end(), 0.95 if cue else 0.6, m.group(), re.sub(r"\D", "", m.group()))


def _labelled_numbers(text: str) -> Iterator[Span]:
    if _mentions(text, _LABEL_CUE):
        for m in _LABELLED.finditer(text):
            label = m["label"].lower()
            kind = _LABEL_TYPES.get(label, "REFERENCE")
            yield Span(kind, m.start("id"), m.end("id"), 0.9, m["id"], m["id"].upper())
    for m in _LONG_NUMBER.finditer(text):
        yield Span("REFERENCE", m.start(), m.end(), 0.5, m.group(), m.group())


def _amounts(text: str) -> Iterator[Span]:
    if not _mentions(text, _MONEY_CUE):
        return
    for m in _MONEY.finditer(text):
        span = _money(m)
        if span is not None:
            yield span


# Precedence: earlier wins an overlap. Labelled numbers come before BSN so an order number
# that happens to pass the eleven-test stays an order number.
RECOGNISERS: tuple[tuple[str, Callable[[str], Iterator[Span]], re.Pattern[str] | None], ...] = (
    ("EMAIL", _emails, _AT),
    ("IBAN", _ibans, _DIGIT),
    ("MONEY", _amounts, _DIGIT),
    ("LICENSE_PLATE", _plates, _DIGIT),
    ("DATE", _dates, None),  # relative dates ("morgen") have no digit; _dates checks for the others
    ("POSTCODE", _postcodes, _DIGIT),
    ("LABELLED", _labelled_numbers, _DIGIT),
    ("PHONE", _phones, _DIGIT),
    ("BSN", _bsns, _DIGIT),
)


def extract(text: str) -> tuple[Span, ...]:
    """All entities in `text`, without overlaps, in reading order."""
    present = {trigger: trigger.search(text) is not None for trigger in (_DIGIT, _AT)}
    taken: list[Span] = []
    labelled: list[Span] = []
    for name, recognise, trigger in RECOGNISERS:
        if trigger is not None and not present[trigger]:
            continue
        found = list(recognise(text))
        if name == "LABELLED":
            labelled = found
        for span in sorted(found, key=lambda s: (-s.score, s.start)):
            if any(span.start < t.end and t.start < span.end for t in taken):
                continue
            # A bare number (REFERENCE at score 0.5) loses to a later, specific recogniser.
            if span.type == "REFERENCE" and span.score < 0.6:
                continue
            taken.append(span)
    # Bare long numbers last, only where nothing else claimed them.
    for span in labelled:
        if span.score < 0.6 and not any(span.start < t.end and t.start < span.end for t in taken):
            taken.append(span)
    return tuple(sorted(taken, key=lambda s: s.start))


def largest_amount_eur(spans: tuple[Span, ...], rates: dict[str, float] | None = None) -> float:
    """The largest money amount mentioned, converted to euro with rough fixed rates."""
    rates = rates or {"EUR": 1.0, "GBP": 1.17, "USD": 0.92}
    best = 0.0
    for s in spans:
        if s.type == "MONEY" and s.value:
            amount, currency = s.value.split()
            best = max(best, float(amount) * rates.get(currency, 1.0))
    return best if math.isfinite(best) else 0.0
