"""Masking: personal data in a message becomes a placeholder naming its type, in the message's language.

Pure functions over text and spans. `mask` replaces the spans, then every other occurrence of a
masked span's text, so an IBAN quoted twice is gone twice even if the recogniser saw it once.
`scrub` does the same to any JSON-like value (the stored analysis, event payloads), because the
analysis repeats what it found: entity texts, normalised values, the evidence of its reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from humantouch.records import Span

# type -> (Dutch, English)
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "IBAN": ("[IBAN]", "[IBAN]"),
    "BSN": ("[BSN]", "[BSN]"),
    "PHONE": ("[TELEFOON]", "[PHONE]"),
    "EMAIL": ("[E-MAIL]", "[EMAIL]"),
    "POSTCODE": ("[POSTCODE]", "[POSTCODE]"),
    "LICENSE_PLATE": ("[KENTEKEN]", "[PLATE]"),
    "MONEY": ("[BEDRAG]", "[AMOUNT]"),
    "DATE": ("[DATUM]", "[DATE]"),
    "ORDER_NUMBER": ("[BESTELNUMMER]", "[ORDER NUMBER]"),
    "CUSTOMER_NUMBER": ("[KLANTNUMMER]", "[CUSTOMER NUMBER]"),
    "POLICY_NUMBER": ("[POLISNUMMER]", "[POLICY NUMBER]"),
    "CLAIM_NUMBER": ("[DOSSIERNUMMER]", "[CLAIM NUMBER]"),
    "INVOICE_NUMBER": ("[FACTUURNUMMER]", "[INVOICE NUMBER]"),
    "REFERENCE": ("[REFERENTIE]", "[REFERENCE]"),
    "health": ("[GEZONDHEID]", "[HEALTH]"),
    "religion": ("[GELOOF]", "[RELIGION]"),
}


def placeholder(type_: str, language: str | None) -> str:
    nl, en = PLACEHOLDERS.get(type_, (f"[{type_.upper()}]", f"[{type_.upper()}]"))
    return nl if language == "nl" else en


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    # (original text, placeholder) for every masked span, longest first: what `scrub` replaces.
    replacements: tuple[tuple[str, str], ...]

    @property
    def changed(self) -> bool:
        return bool(self.replacements)


def mask(text: str, spans: Iterable[Span], types: Iterable[str], language: str | None = None) -> Masked:
    """`text` with every span of a type in `types` replaced by its placeholder."""
    wanted = set(types)
    chosen = sorted((s for s in spans if s.type in wanted and s.end > s.start), key=lambda s: (s.start, -s.end))
    out: list[str] = []
    pos = 0
    pairs: dict[str, str] = {}
    for span in chosen:
        if span.start < pos or span.end > len(text):
            continue  # overlaps one already masked, or does not belong to this text
        original = text[span.start : span.end]
        label = placeholder(span.type, language)
        out.append(text[pos : span.start])
        out.append(label)
        pos = span.end
        for value in (original, span.text, span.value):
            if value and value.strip() and value not in pairs:
                pairs[value] = label
    out.append(text[pos:])
    replacements = tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))
    return Masked(_replace_all("".join(out), replacements), replacements)


def _replace_all(text: str, replacements: tuple[tuple[str, str], ...]) -> str:
    for original, label in replacements:
        if original in text:
            text = text.replace(original, label)
    return text


def scrub(value: Any, replacements: tuple[tuple[str, str], ...]) -> Any:
    """A copy of a JSON-like value with every masked text replaced inside every string."""
    if not replacements:
        return value
    if isinstance(value, str):
        return _replace_all(value, replacements)
    if isinstance(value, dict):
        return {k: scrub(v, replacements) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, replacements) for v in value]
    return value


def special_words(triage: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Replacements that hide the words which revealed a special category, for `scrub`.

    For places the details may not go (webhooks, exports) unless the playbook allows it.
    """
    language = triage.get("language")
    pairs = {
        str(s["text"]): placeholder(str(s.get("type")), language if isinstance(language, str) else None)
        for s in triage.get("special_categories") or []
        if isinstance(s, dict) and s.get("text")
    }
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))
