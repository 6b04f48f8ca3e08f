"""Normalising customer identities, so one person on any channel lands on one timeline."""

from __future__ import annotations

import re

from humantouch.errors import InputError

# A WhatsApp sender is a phone number: both kinds resolve to the same identity.
KIND_ALIASES = {"whatsapp": "phone", "sms": "phone", "tel": "phone", "mail": "email"}
KINDS = ("email", "phone", "social", "customer_number")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize(kind: str, value: str) -> tuple[str, str]:
    """(kind, value) in the one form stored; raises InputError naming what is wrong."""
    kind = KIND_ALIASES.get(kind.strip().lower(), kind.strip().lower())
    raw = value.strip()
    if kind == "email":
        if not _EMAIL.match(raw):
            raise InputError(f"not an e-mail address: {value!r}", code="HT-IN-IDENTITY")
        return kind, raw.lower()
    if kind == "phone":
        digits = re.sub(r"[^\d]", "", raw)
        if raw.startswith("00"):
            digits = digits[2:]
        elif not raw.startswith("+") and digits.startswith("0") and len(digits) == 10:
            digits = "31" + digits[1:]  # a Dutch national number
        if not 8 <= len(digits) <= 15:
            raise InputError(
                f"not a phone number: {value!r}",
                code="HT-IN-IDENTITY",
                hint="give it in international form, e.g. +31612345678",
            )
        return kind, "+" + digits
    if kind == "social":
        handle = raw.lower()
        if ":" not in handle:
            raise InputError(
                f"a social handle needs its network: {value!r}",
                code="HT-IN-IDENTITY",
                hint="write network:handle, e.g. instagram:@jansen",
            )
        network, _, name = handle.partition(":")
        return kind, f"{network.strip()}:{name.strip().lstrip('@')}"
    if kind == "customer_number":
        if not raw:
            raise InputError("empty customer number", code="HT-IN-IDENTITY")
        return kind, raw.upper()
    raise InputError(
        f"unknown identity kind {kind!r}",
        code="HT-IN-IDENTITY",
        hint=f"use one of {', '.join(KINDS + tuple(KIND_ALIASES))}",
    )
