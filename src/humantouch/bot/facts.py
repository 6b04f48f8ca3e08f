"""Intake facts: find them in what the customer said, and check what the customer answered.

The playbook names the facts an intent needs (`facts: [order_number, ...]`). Most of them are
entities the recognisers already found (`entities.extract`); a few (place, description, relation,
the name of someone who died) are read with small patterns here. Two ways of reading:

- `find(fact, text, spans)`: in any message, only what is clearly that fact (a labelled order
  number, a valid IBAN). Never guesses, so the bot never stores a wrong fact it did not ask for.
- `answer(fact, text, spans)`: the reply to the bot's question for that fact, read more leniently
  (a bare number is the order number asked for) and validated; a failed check says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from humantouch.entities import plate_in_answer
from humantouch.records import Span

# Which entity types carry which fact.
SPAN_TYPES: dict[str, tuple[str, ...]] = {
    "order_number": ("ORDER_NUMBER",),
    "customer_number": ("CUSTOMER_NUMBER",),
    "policy_number": ("POLICY_NUMBER",),
    "claim_number": ("CLAIM_NUMBER",),
    "invoice_number": ("INVOICE_NUMBER",),
    "reference": ("REFERENCE", "ORDER_NUMBER", "CLAIM_NUMBER", "INVOICE_NUMBER", "POLICY_NUMBER"),
    "email": ("EMAIL",),
    "iban": ("IBAN",),
    "amount": ("MONEY",),
    "date": ("DATE",),
    "date_of_death": ("DATE",),
    "postcode": ("POSTCODE",),
    "license_plate": ("LICENSE_PLATE",),
}
# Facts that are identifiers: a bare code with a digit answers the question for them.
IDENTIFIERS = frozenset({"order_number", "customer_number", "policy_number", "claim_number", "invoice_number"})

_BARE_ID = re.compile(r"(?<![\w-])(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}(?![\w-])", re.IGNORECASE)
_CAP = r"[A-Z\u00c0-\u00de][\w'\u00e0-\u00ff-]+"
# Unprompted, only a road number is clearly a place ("op de A28 bij Meppel"); a capitalised word
# after "bij" is as often a menu item ("bij Schade melden"). Asked for, the whole answer is the place.
_PLACE = re.compile(rf"\b(?:op|on)\s+(?:de\s+|the\s+)?(?P<place>[ANE]\d{{1,3}}(?:\s+(?:bij|near)\s+{_CAP})?)")
RELATIONS: dict[str, tuple[str, ...]] = {
    "nl": (
        "vader",
        "moeder",
        "man",
        "vrouw",
        "echtgenoot",
        "echtgenote",
        "partner",
        "zoon",
        "dochter",
        "broer",
        "zus",
        "zuster",
        "opa",
        "oma",
        "grootvader",
        "grootmoeder",
        "oom",
        "tante",
        "schoonvader",
        "schoonmoeder",
        "vriend",
        "vriendin",
    ),
    "en": (
        "father",
        "mother",
        "dad",
        "mum",
        "mom",
        "husband",
        "wife",
        "partner",
        "son",
        "daughter",
        "brother",
        "sister",
        "grandfather",
        "grandmother",
        "grandad",
        "grandma",
        "uncle",
        "aunt",
        "father-in-law",
        "mother-in-law",
        "friend",
    ),
}
_RELATION = re.compile(
    r"\b(?:mijn|onze|my|our)\s+(?P<rel>"
    + "|".join(sorted({*RELATIONS["nl"], *RELATIONS["en"]}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_RELATION_WORD = re.compile(
    r"\b(?:" + "|".join(sorted({*RELATIONS["nl"], *RELATIONS["en"]}, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_NAMED = re.compile(
    rf"\b(?:heette|heet|naam (?:is|was)|name (?:is|was)|called|genaamd)\s+"
    rf"(?P<name>{_CAP}(?:\s+(?:van|de|der|den|ten|ter|{_CAP})){{0,4}})"
    rf"|\b(?:mijn|my|onze|our)\s+(?:[a-z-]+),?\s+(?:(?:Mr|Mrs|Ms|dhr|mevr|meneer|mevrouw)\.?\s+)?"
    rf"(?P<name2>{_CAP}(?:\s+(?:van|de|der|den|{_CAP})){{1,4}})"
)
_FILLER = re.compile(
    r"^(?:(?:het|dat|die|mijn|my|it|the|is|was|:|ja|yes|ok|oke|okay|hoor|hier|here|graag|please|nummer|number)\b[\s,:.]*)+",
    re.IGNORECASE,
)
DESCRIPTION_MIN_WORDS = 12  # a short opening ("ik wil schade melden") is a request, not what happened
FREE_TEXT = frozenset({"place", "description", "deceased_name", "relation"})
_DONT_KNOW = re.compile(
    r"\b(?:weet (?:ik )?(?:het )?niet|geen idee|geen flauw idee|kan (?:ik )?(?:het |hem |die )?niet vinden|"
    r"heb ik niet|niet bij de hand|don'?t know|do not know|no idea|can'?t find|cannot find|don'?t have)\b",
    re.IGNORECASE,
)
_ID_TYPES = frozenset(
    {"REFERENCE", "ORDER_NUMBER", "CUSTOMER_NUMBER", "POLICY_NUMBER", "CLAIM_NUMBER", "INVOICE_NUMBER", "BSN"}
)


@dataclass(frozen=True, slots=True)
class Found:
    value: str | None
    # Why the answer was refused, as a key of the reply templates ("invalid.iban"); None when accepted.
    problem: str | None = None


def _span(fact: str, spans: Sequence[Span]) -> str | None:
    types = SPAN_TYPES.get(fact, ())
    # The best-checked span wins ("30 november" over "maandag"); ties go to the first.
    found = sorted((s for s in spans if s.type in types and s.score >= 0.6), key=lambda s: (-s.score, s.start))
    return (found[0].value or found[0].text) if found else None


def _place(text: str) -> str | None:
    m = _PLACE.search(text)
    return m["place"].strip() if m else None


def _relation(text: str) -> str | None:
    m = _RELATION.search(text)
    return m["rel"].lower() if m else None


def _deceased(text: str) -> str | None:
    m = _NAMED.search(text)
    if m is None:
        return None
    return (m["name"] or m["name2"]).strip()


FINDERS: dict[str, Callable[[str], str | None]] = {
    "place": _place,
    "relation": _relation,
    "deceased_name": _deceased,
}


def find(fact: str, text: str, spans: Sequence[Span]) -> str | None:
    """The fact when this message clearly states it (for facts the bot did not ask for yet)."""
    if fact in FINDERS:
        return FINDERS[fact](text)
    if fact == "description":
        return text.strip() if len(text.split()) >= DESCRIPTION_MIN_WORDS else None
    return _span(fact, spans)


def _clean(text: str) -> str:
    return _FILLER.sub("", text.strip()).strip(" .!?,;:")


def answer(fact: str, text: str, spans: Sequence[Span]) -> Found:
    """Read the customer's reply to the question for `fact`: the value, or why it is refused."""
    if _DONT_KNOW.search(text):
        return Found(None, "invalid.unknown")
    if fact in FREE_TEXT:
        return _free_text(fact, text)
    found = find(fact, text, spans)
    if found is not None:
        return Found(found)
    if fact == "iban":
        # The recogniser only accepts IBANs that pass mod-97; anything else is refused with the hint.
        return Found(None, "invalid.iban")
    if fact in IDENTIFIERS or fact == "reference":
        # A bare code answers the question, unless a recogniser says it is something else (a date,
        # an amount, a phone number, a postcode).
        for m in _BARE_ID.finditer(text):
            if not any(s.start < m.end() and m.start() < s.end and s.type not in _ID_TYPES for s in spans):
                return Found(m.group().upper())
        return Found(None, "invalid.number")
    if fact in ("date", "date_of_death"):
        return Found(None, "invalid.date")
    if fact == "amount":
        bare = re.search(r"\d+(?:[.,]\d{1,2})?", text)
        return Found(f"{bare.group().replace(',', '.')} EUR") if bare else Found(None, "invalid.amount")
    if fact == "license_plate":
        # Asked for the plate, "ab123c" or "HNP 93 T" is one, hyphens or not.
        plate = plate_in_answer(text)
        return Found(plate) if plate else Found(None, "invalid.license_plate")
    if fact in ("postcode", "email"):
        return Found(None, f"invalid.{fact}")
    value = _clean(text)
    return Found(value) if value and fact not in SPAN_TYPES else Found(None, "invalid.unclear")


def _free_text(fact: str, text: str) -> Found:
    """The answer to a question for a place, a name, a relation or what happened is the answer itself."""
    value = _clean(text)
    if not value:
        return Found(None, "invalid.unclear")
    if fact == "relation":
        word = _RELATION_WORD.search(text)
        return Found((_relation(text) or (word.group().lower() if word else value)).lower())
    if fact == "description" and len(value.split()) < 3:
        return Found(None, "invalid.unclear")
    return Found(value if fact != "description" else text.strip())
